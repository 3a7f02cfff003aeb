import net from 'node:net';
import tls from 'node:tls';

/** One request the probe sent and what came back: the evidence of a check. */
export interface Exchange {
  method: string;
  url: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  ms: number;
}

export interface SendOptions {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

/** Sends a request with fetch, bounded by a timeout; a network failure becomes status 0. */
export async function send({ method, url, headers = {}, body, timeoutMs }: SendOptions): Promise<Exchange> {
  const started = Date.now();
  try {
    const response = await fetch(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = method === 'HEAD' ? '' : await response.text();
    return {
      method,
      url,
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: text,
      ms: Date.now() - started,
    };
  } catch (error) {
    return {
      method,
      url,
      status: 0,
      headers: {},
      body: String((error as Error).cause ?? error),
      ms: Date.now() - started,
    };
  }
}

/**
 * Writes raw bytes on a socket: the head at once, then `drip` one byte every `everyMs`, and reads
 * the answer. For what fetch cannot send: a method token the HTTP grammar allows but no server
 * knows, and a client too slow to finish its request.
 */
export function sendRaw(
  url: string,
  head: string,
  options: { drip?: string; everyMs?: number; timeoutMs: number },
): Promise<Exchange> {
  const target = new URL(url);
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect(Number(target.port || 80), target.hostname);
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearInterval(timer);
      clearTimeout(deadline);
      socket.destroy();
      resolve({
        method: head.split(' ')[0] ?? '',
        url,
        ...parseResponse(received),
        ms: Date.now() - started,
      });
    };
    const deadline = setTimeout(finish, options.timeoutMs);
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      if (isComplete(received)) finish();
    });
    socket.on('close', finish);
    socket.on('error', finish);
    socket.write(head);
    const drip = [...(options.drip ?? '')];
    if (drip.length > 0) {
      timer = setInterval(() => {
        const next = drip.shift();
        if (next !== undefined && socket.writable) socket.write(next);
      }, options.everyMs ?? 500);
    }
  });
}

/**
 * Sends a HEAD request on a connection of its own and keeps everything the server writes until it
 * closes. fetch, like Node's HTTP client, drops whatever follows the head of an answer to HEAD, so
 * a body sent with one (RFC 9110 §9.3.2: there is none) is only seen here, as the exchange's body.
 * The request asks for `Connection: close`; a server that keeps the connection open anyway is
 * given `lingerMs` after the head to send more, then left.
 */
export function sendHead(
  url: string,
  headers: Record<string, string>,
  options: { timeoutMs: number; lingerMs?: number },
): Promise<Exchange> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const started = Date.now();
  const fields = Object.entries(headers)
    .filter(([name]) => !['host', 'connection'].includes(name.toLowerCase()))
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const head = `HEAD ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n${fields}Connection: close\r\n\r\n`;
  return new Promise((resolve) => {
    const socket =
      target.protocol === 'https:'
        ? tls.connect({
            host,
            port: Number(target.port || 443),
            ...(net.isIP(host) ? {} : { servername: host }),
          })
        : net.connect(Number(target.port || 80), host);
    const chunks: Buffer[] = [];
    let received = 0;
    let failure: Error | undefined;
    let linger: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      clearTimeout(linger);
      socket.destroy();
      const text = Buffer.concat(chunks, received).toString('utf8');
      const answer =
        text === '' && failure ? { status: 0, headers: {}, body: String(failure) } : parseResponse(text);
      resolve({ method: 'HEAD', url, ...answer, ms: Date.now() - started });
    };
    const deadline = setTimeout(finish, options.timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (linger === undefined && Buffer.concat(chunks, received).includes('\r\n\r\n')) {
        linger = setTimeout(finish, options.lingerMs ?? 1_000);
      }
    });
    socket.on('error', (error) => {
      failure = error;
    });
    socket.on('close', finish);
    socket.write(head);
  });
}

function isComplete(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end))?.[1];
  return length !== undefined && Buffer.byteLength(text.slice(end + 4)) >= Number(length);
}

function parseResponse(text: string): Pick<Exchange, 'status' | 'headers' | 'body'> {
  const end = text.indexOf('\r\n\r\n');
  if (!text.startsWith('HTTP/')) return { status: 0, headers: {}, body: text.slice(0, 200) };
  const [statusLine = '', ...lines] = text.slice(0, end < 0 ? undefined : end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: end < 0 ? '' : text.slice(end + 4) };
}
