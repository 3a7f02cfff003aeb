import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, type Socket } from 'node:net';

/**
 * Small real servers on 127.0.0.1 for the client's tests: each records what it received and
 * answers as its handler says, misbehaving on purpose where a test needs it.
 */

export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** `performance.now()` when the request's head arrived. */
  at: number;
}

export interface TestServer {
  url: string;
  port: number;
  server: Server;
  seen: Seen[];
  close(): Promise<void>;
}

export type Handler = (
  request: IncomingMessage & { body: string },
  response: ServerResponse,
  seen: Seen[],
) => unknown;

/** An HTTP server on 127.0.0.1 and a free port; `close()` also ends the open connections. */
export async function listen(handler: Handler): Promise<TestServer> {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body, at });
      Promise.resolve(handler(Object.assign(request, { body }), response, seen)).catch((error: unknown) => {
        response.destroy(error as Error);
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Answers with `status`, `headers` and `body` (a string, or an object sent as JSON). */
export function send(
  response: ServerResponse,
  status: number,
  body: unknown = '',
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? {} : { 'content-type': 'application/json' };
  response.writeHead(status, { ...type, ...headers });
  response.end(text);
}

export interface TestProxy extends TestServer {
  /** CONNECT requests received (host:port). */
  connects: string[];
}

/**
 * A forward proxy: answers 407 with `Proxy-Authenticate` unless `Proxy-Authorization` carries
 * `user:password` as Basic, forwards absolute-form requests otherwise (dropping the `Proxy-*`
 * fields), and opens CONNECT tunnels on the same terms.
 */
export async function startProxy(credentials: string): Promise<TestProxy> {
  const expected = `Basic ${Buffer.from(credentials).toString('base64')}`;
  const challenge = 'Basic realm="test-proxy", charset="UTF-8"';
  const connects: string[] = [];
  const server = await listen((request, response) => {
    if (request.headers['proxy-authorization'] !== expected) {
      send(response, 407, 'Proxy credentials, please.', {
        'proxy-authenticate': challenge,
        'content-type': 'text/plain',
      });
      return;
    }
    const target = new URL(request.url ?? '');
    const headers = { ...request.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = httpRequest(
      target,
      { method: request.method ?? 'GET', headers: { ...headers, via: '1.1 test-proxy' } },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => send(response, 502, 'upstream failed'));
    upstream.end(request.body);
  });
  handleConnect(server.server, expected, connects);
  return { ...server, connects };
}

/** CONNECT on the proxy: 407 without the credentials, a tunnel to the target with them. */
function handleConnect(server: Server, expected: string, connects: string[]): void {
  server.on('connect', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    connects.push(request.url ?? '');
    if (request.headers['proxy-authorization'] !== expected) {
      socket.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test-proxy"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      );
      return;
    }
    const [host, port] = (request.url ?? '').split(':');
    const upstream = connect(Number(port), host ?? '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
}
