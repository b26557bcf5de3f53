// Service A on Node (http server, http.request over a keep-alive agent). For GET /r/<id> it calls the
// leaf twice with ids derived from <id>, then answers; MODE:
//   all         Promise.all of the two calls
//   sequential  await one call, then the other
//   timer       setTimeout(5 ms) first, then the two calls one after another
// Usage: node node_service.js HOST PORT LEAF_HOST LEAF_PORT MODE TRUTH_LOG
'use strict';
const http = require('http');
const fs = require('fs');
const crypto = require('crypto');

const [host, port, leafHost, leafPort, mode, truthPath] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const truth = fs.openSync(truthPath, 'a', 0o600);

const childId = (received, i) => crypto.createHash('sha1').update(`${received}:${i}`).digest('hex').slice(0, 16);

function call(ident) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: leafHost, port: Number(leafPort), path: `/r/${ident}`, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function handle(received) {
  const ids = [childId(received, 0), childId(received, 1)];
  if (mode === 'all') {
    await Promise.all(ids.map(call));
  } else {
    if (mode === 'timer') await sleep(5);
    for (const i of ids) await call(i);
  }
  fs.writeSync(truth, JSON.stringify({ service: `node-${mode}`, received, sent: ids }) + '\n');
}

http.createServer((req, res) => {
  if (!req.url.startsWith('/r/')) {
    res.end('ok');
    return;
  }
  handle(req.url.slice(3)).then(() => res.end('ok'), (e) => { res.statusCode = 500; res.end(String(e)); });
}).listen(Number(port), host);
