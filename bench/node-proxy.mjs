/**
 * The least a reverse proxy written in Node does: node:http for the client, undici's `dispatch`
 * to the upstream, hop-by-hop fields dropped, the body collected and sent on. No contract, no
 * timeouts, no failover, no request ids, no limits: the bench's floor for what any Node proxy
 * costs, measured beside the statuskit gateway and nginx.
 *
 * `node bench/node-proxy.mjs UPSTREAM [port]`; prints `listening http://127.0.0.1:PORT`. Plain
 * JavaScript, run without tsx: nothing of a loader's in the floor.
 */
import http from 'node:http';
import { Pool } from 'undici';

const upstream = process.argv[2];
if (!upstream) throw new Error('usage: node-proxy.mjs UPSTREAM [port]');
const pool = new Pool(upstream);
const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host']);

const server = http.createServer((request, response) => {
  const headers = {};
  for (const name in request.headers) {
    if (!hopByHop.has(name)) headers[name] = String(request.headers[name]);
  }
  headers['x-forwarded-for'] = request.socket.remoteAddress ?? '';
  const chunks = [];
  let status = 502;
  const answer = [];
  pool.dispatch(
    { method: request.method, path: request.url, headers, body: null },
    {
      onConnect() {},
      onHeaders(statusCode, raw) {
        status = statusCode;
        for (let index = 0; index < raw.length; index += 2) {
          const name = raw[index].toString('latin1');
          if (!hopByHop.has(name.toLowerCase())) answer.push(name, raw[index + 1].toString('latin1'));
        }
        return true;
      },
      onData(chunk) {
        chunks.push(chunk);
        return true;
      },
      onComplete() {
        response.writeHead(status, answer);
        response.end(Buffer.concat(chunks));
      },
      onError() {
        response.writeHead(502).end();
      },
    },
  );
});

server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  console.log(`listening http://127.0.0.1:${server.address().port}`);
});
process.once('SIGTERM', () => server.close(() => pool.close()));
