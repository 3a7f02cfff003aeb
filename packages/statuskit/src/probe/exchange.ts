import net from 'node:net';

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
