/** Raw `node:http` with the contract written by hand: the floor under every framework. */
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { addItem, announce, errorBody, itemName, items, port, requestId, token } from './shared.js';

function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
  response.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' });
  response.end(body);
}

function fail(response: ServerResponse, status: number, message: string, headers?: Record<string, string>) {
  const id = response.getHeader('x-request-id') as string;
  send(response, status, errorBody(status, STATUS_CODES[status] ?? 'Error', message, id), headers);
}

function create(request: IncomingMessage, response: ServerResponse) {
  if (!request.headers['content-type']?.startsWith('application/json'))
    return fail(response, 415, 'The body must be application/json.');
  const chunks: Buffer[] = [];
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= 1_048_576) chunks.push(chunk);
  });
  request.on('end', () => {
    if (size > 1_048_576) return fail(response, 413, 'The body is too large.');
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return fail(response, 400, 'The body is not valid JSON.');
    }
    const name = itemName(body);
    if (name === undefined)
      return fail(response, 400, 'Invalid input for item.name: must be a string of 1 to 64 characters.');
    const item = addItem(name);
    send(response, 201, JSON.stringify({ item }), { location: `/items/${item.id}` });
  });
}

const server = createServer((request, response) => {
  const id = requestId(request.headers['x-request-id']);
  response.setHeader('x-request-id', id);
  response.setHeader('x-openstack-request-id', id);
  const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
  const method = request.method ?? 'GET';
  const authenticated = request.headers['x-auth-token'] === token;
  const challenge = { 'www-authenticate': 'Bearer' };

  if (path === '/items') {
    if (method !== 'POST')
      return fail(response, 405, `The method ${method} is not allowed for ${path}.`, {
        allow: 'POST, OPTIONS',
      });
    if (!authenticated) return fail(response, 401, 'Authentication required.', challenge);
    return create(request, response);
  }
  if (path.startsWith('/items/') && path.length > 7 && !path.includes('/', 7)) {
    if (method !== 'GET' && method !== 'HEAD')
      return fail(response, 405, `The method ${method} is not allowed for ${path}.`, {
        allow: 'GET, HEAD, OPTIONS',
      });
    if (!authenticated) return fail(response, 401, 'Authentication required.', challenge);
    const id = decodeURIComponent(path.slice(7));
    const item = items.get(id);
    if (!item) return fail(response, 404, `Item ${id} could not be found.`);
    return send(response, 200, JSON.stringify({ item }));
  }
  fail(response, 404, `The resource ${path} could not be found.`);
});

server.listen(port(), '127.0.0.1', () => announce(server.address()));
