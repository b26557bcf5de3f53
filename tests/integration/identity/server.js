// Minimal HTTP server for test_service_identity (run as `node server.js PORT`).
'use strict';
require('http').createServer((req, res) => res.end('ok\n')).listen(Number(process.argv[2]), '127.0.0.1');
