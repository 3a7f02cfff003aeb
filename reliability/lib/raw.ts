/**
 * HTTP/1.1 over a bare socket, for what fetch cannot send: invalid UTF-8, odd methods, duplicate
 * and conflicting headers, over-long lines, bodies in pieces. Reads one answer (skipping 1xx),
 * framed by Content-Length, chunked encoding or the end of the connection.
 */
import { connect } from 'node:net';

export interface RawAnswer {
  /** 0 when no status line came. */
  status: number;
  /** Header names in lower case; repeated headers keep every value. */
  headers: Map<string, string[]>;
  body: Buffer;
  /** Why the exchange ended without a whole answer (timeout, ECONNRESET, closed, …). */
  error?: string;
  /** Milliseconds from connecting to the whole answer (or the failure). */
  ms: number;
}

export interface RawOptions {
  /** Milliseconds for the whole exchange (default 10 000). */
  timeout?: number;
  /** The request was HEAD: the answer has no body whatever its headers say. */
  head?: boolean;
  /** Milliseconds between `pieces` (default 0: all at once). */
  pace?: number;
  /** Called once the answer's status line has been read. */
  onStatus?: (status: number) => void;
  /** Called for each interim (1xx) answer, such as `100 Continue`. */
  onInterim?: (status: number) => void;
  /** Awaited before the second and later pieces go out (after `pace`); called with the piece's index. */
  before?: (index: number) => Promise<void>;
  /** Called once a piece has been handed to the kernel. */
  onWritten?: (index: number) => void;
}

export function header(answer: RawAnswer, name: string): string | undefined {
  return answer.headers.get(name)?.[0];
}

interface Head {
  status: number;
  headers: Map<string, string[]>;
  /** Where the body starts in the buffer. */
  start: number;
}

function parseHead(data: Buffer, from: number): Head | undefined {
  const end = data.indexOf('\r\n\r\n', from, 'latin1');
  if (end < 0) return undefined;
  const lines = data.subarray(from, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(lines[0] ?? '')?.[1] ?? Number.NaN);
  const headers = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const list = headers.get(name) ?? [];
    list.push(line.slice(colon + 1).trim());
    headers.set(name, list);
  }
  return { status: Number.isNaN(status) ? -1 : status, headers, start: end + 4 };
}

/** The decoded body once a chunked body is complete, else undefined. */
function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at, 'latin1');
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return Buffer.concat(parts);
    if (size === 0)
      return data.indexOf('\r\n\r\n', lineEnd, 'latin1') >= 0 ? Buffer.concat(parts) : undefined;
    if (data.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/**
 * Sends `request` (bytes, or pieces sent `pace` ms apart) to 127.0.0.1:`port` and reads one answer.
 * Never rejects: failures are in `error`.
 */
export function exchange(
  port: number,
  request: Buffer | Buffer[],
  options: RawOptions = {},
): Promise<RawAnswer> {
  const started = performance.now();
  const pieces = Array.isArray(request) ? request : [request];
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let head: Head | undefined;
    let done = false;
    let writeTimer: NodeJS.Timeout | undefined;
    const finish = (body: Buffer, error?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(writeTimer);
      socket.destroy();
      resolve({
        status: head?.status ?? 0,
        headers: head?.headers ?? new Map(),
        body,
        ...(error === undefined ? {} : { error }),
        ms: performance.now() - started,
      });
    };
    const timer = setTimeout(
      () => finish(head ? data.subarray(head.start) : Buffer.alloc(0), 'timeout'),
      options.timeout ?? 10_000,
    );
    const tryComplete = () => {
      // Interim answers (100 Continue) come before the real one.
      for (;;) {
        if (!head) {
          head = parseHead(data, 0);
          if (!head) return;
          if (head.status >= 100 && head.status < 200) {
            options.onInterim?.(head.status);
            data = data.subarray(head.start);
            head = undefined;
            continue;
          }
          options.onStatus?.(head.status);
        }
        break;
      }
      const rest = data.subarray(head.start);
      if (options.head || head.status === 204 || head.status === 304) return finish(Buffer.alloc(0));
      const length = head.headers.get('content-length')?.[0];
      if (length !== undefined) {
        const n = Number(length);
        if (rest.length >= n) finish(rest.subarray(0, n));
        return;
      }
      if (/chunked/i.test(head.headers.get('transfer-encoding')?.[0] ?? '')) {
        const body = dechunk(rest);
        if (body) finish(body);
      }
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      tryComplete();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after a whole answer has been read is the server closing; before, it is a failure.
      tryComplete();
      finish(head ? data.subarray(head.start) : Buffer.alloc(0), error.code ?? 'error');
    });
    socket.on('close', () => {
      tryComplete();
      if (head) finish(data.subarray(head.start));
      else finish(Buffer.alloc(0), data.length > 0 ? 'garbled' : 'closed');
    });
    socket.on('connect', () => {
      let index = 0;
      const sendNext = async () => {
        if (done || socket.destroyed) return;
        if (index > 0 && options.before) await options.before(index);
        if (done || socket.destroyed) return;
        const at = index;
        const piece = pieces[index++];
        if (piece === undefined) return;
        socket.write(piece, () => options.onWritten?.(at));
        if (index < pieces.length) writeTimer = setTimeout(sendNext, options.pace ?? 0);
      };
      void sendNext();
    });
  });
}

/** A request's bytes: request line, headers (in order, repeats allowed) and body. */
export function requestBytes(
  method: string | Buffer,
  target: string | Buffer,
  headers: [string, string | Buffer][],
  body?: Buffer | string,
  version = 'HTTP/1.1',
): Buffer {
  const parts: Buffer[] = [
    Buffer.isBuffer(method) ? method : Buffer.from(method, 'latin1'),
    Buffer.from(' '),
    Buffer.isBuffer(target) ? target : Buffer.from(target, 'latin1'),
    Buffer.from(` ${version}\r\n`),
  ];
  for (const [name, value] of headers) {
    parts.push(
      Buffer.from(`${name}: `, 'latin1'),
      Buffer.isBuffer(value) ? value : Buffer.from(value, 'latin1'),
    );
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('\r\n'));
  if (body !== undefined) parts.push(Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'));
  return Buffer.concat(parts);
}
