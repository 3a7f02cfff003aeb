import type { Socket } from 'node:net';
import { type Language, negotiateLanguage, requestIdFrom, requestIdHeaders } from '../index.js';
import type { Contract } from './contract.js';
import { closeLingering } from './linger.js';

/** Node's parser and timer errors, as the contract's codes (before the profile's fallback). */
function statusOf(code: string | undefined): number {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  if (code === 'HPE_INVALID_METHOD') return 501;
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  return 400;
}

/** A header's value out of the raw bytes Node could not parse, for the request id and language. */
function rawHeader(packet: unknown, name: string): string | undefined {
  if (!Buffer.isBuffer(packet)) return undefined;
  return new RegExp(`\\r\\n${name}:[ \\t]*([^\\r\\n]*)`, 'i').exec(packet.toString('latin1'))?.[1]?.trim();
}

type ClientError = Error & { code?: string; rawPacket?: unknown };
type HttpSocket = Socket & {
  _httpMessage?: { headersSent?: boolean; req?: { headers: Record<string, string | string[] | undefined> } };
};

/**
 * Answers what Node rejects before any route sees it: a method token its parser does not know
 * (501), headers or a body that came too slowly (408), headers too large (431, then the
 * profile's fallback), anything else malformed (400). The answer goes on the socket in the
 * contract's body, with the request id, and the connection is closed.
 */
export function answerClientError(contract: Contract, error: ClientError, socket: HttpSocket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // A request whose body came too slowly was parsed: its headers say who asked, and in what language.
  const parsed = socket._httpMessage?.req?.headers;
  const header = (name: string) => rawHeader(error.rawPacket, name) ?? parsed?.[name]?.toString();
  const requestId = requestIdFrom(header(requestIdHeaders[0]));
  const lang = negotiateLanguage(header('accept-language'));
  contract.log.info({ reqId: requestId, err: error.code }, 'request rejected by the HTTP parser');
  answerOnSocket(contract, socket, statusOf(error.code), requestId, lang);
}

/** Writes the contract's answer for `status` straight on a socket and closes the connection, lingering (linger.ts). */
export function answerOnSocket(
  contract: Contract,
  socket: HttpSocket,
  status: number,
  requestId: string,
  lang: Language,
): void {
  // A response already on its way cannot be replaced; the connection can only be cut.
  if (!socket.writable || socket._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const answer = contract.answer(contract.errorFor(status), lang, requestId);
  const headers: Record<string, string> = {
    ...answer.headers,
    'content-length': String(Buffer.byteLength(answer.body)),
    connection: 'close',
  };
  for (const name of requestIdHeaders) headers[name] = requestId;
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  closeLingering(
    socket,
    contract.linger,
    `HTTP/1.1 ${answer.status} ${contract.profile.text(answer.status).phrase}\r\n${head.join('')}\r\n${answer.body}`,
  );
}
