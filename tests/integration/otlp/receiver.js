// Test OTLP/HTTP receiver for callscope's exporter. Decodes every request with the official OpenTelemetry
// schema as @opentelemetry/otlp-transformer@0.52.1 ships it generated (protobufjs, with decoders) and
// writes one JSON line per request to OUT_FILE:
//   {"path": "/v1/traces", "encoding": "protobuf"|"json", "gzip": bool, "ids_hex": bool|null, "body": {...}}
// body is the decoded ExportTraceServiceRequest / ExportMetricsServiceRequest (toObject: 64-bit integers as
// decimal strings, enums as numbers, bytes as lowercase hex). A request that does not decode is answered
// 400 and written with "error". Usage: node receiver.js PORT OUT_FILE
'use strict';
const http = require('http');
const fs = require('fs');
const zlib = require('zlib');
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root');

const [port, outFile] = process.argv.slice(2);
if (!port || !outFile) {
  console.error('usage: node receiver.js PORT OUT_FILE');
  process.exit(2);
}
const v1 = root.opentelemetry.proto.collector;
const types = {
  '/v1/traces': v1.trace.v1.ExportTraceServiceRequest,
  '/v1/metrics': v1.metrics.v1.ExportMetricsServiceRequest,
};
const ID_KEYS = new Set(['traceId', 'spanId', 'parentSpanId']);

// OTLP/JSON carries ids as hex; protobufjs' fromObject wants base64 for bytes. Returns whether every id
// present was lowercase hex of the right length ("" for an empty parent is allowed).
function idsHexToBase64(v) {
  let ok = true;
  const walk = (o) => {
    if (Array.isArray(o)) return o.forEach(walk);
    if (o === null || typeof o !== 'object') return;
    for (const [k, val] of Object.entries(o)) {
      if (ID_KEYS.has(k) && typeof val === 'string') {
        const want = k === 'traceId' ? 32 : 16;
        if (!(val === '' && k === 'parentSpanId') && !(val.length === want && /^[0-9a-f]+$/.test(val))) ok = false;
        o[k] = Buffer.from(val, 'hex').toString('base64');
      } else {
        walk(val);
      }
    }
  };
  walk(v);
  return ok;
}

function toHex(o) {
  if (Array.isArray(o)) return o.map(toHex);
  if (o === null || typeof o !== 'object') return o;
  const out = {};
  for (const [k, v] of Object.entries(o)) out[k] = ID_KEYS.has(k) ? Buffer.from(v, 'base64').toString('hex') : toHex(v);
  return out;
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const type = types[req.url];
    if (req.method !== 'POST' || !type) {
      res.writeHead(404);
      return res.end();
    }
    const record = { path: req.url, gzip: req.headers['content-encoding'] === 'gzip', ids_hex: null };
    const json = (req.headers['content-type'] || '').startsWith('application/json');
    record.encoding = json ? 'json' : 'protobuf';
    try {
      let body = Buffer.concat(chunks);
      if (record.gzip) body = zlib.gunzipSync(body);
      let msg;
      if (json) {
        const obj = JSON.parse(body.toString('utf8'));
        record.ids_hex = idsHexToBase64(obj);
        msg = type.fromObject(obj);
      } else {
        msg = type.decode(body);
      }
      record.body = toHex(type.toObject(msg, { longs: String, enums: Number, bytes: String, defaults: false }));
      fs.appendFileSync(outFile, JSON.stringify(record) + '\n');
      res.writeHead(200, { 'Content-Type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : Buffer.alloc(0));
    } catch (e) {
      record.error = String(e && e.message ? e.message : e);
      fs.appendFileSync(outFile, JSON.stringify(record) + '\n');
      res.writeHead(400);
      res.end();
    }
  });
});
server.listen(Number(port), '127.0.0.1', () => console.log(`receiver listening on 127.0.0.1:${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
