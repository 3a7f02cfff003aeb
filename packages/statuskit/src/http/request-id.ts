import { randomUUID } from 'node:crypto';

/**
 * The headers that carry the request id, both on every answer with the same value: OpenStack's
 * keystoneauth1 reads only `X-Openstack-Request-Id`, the Huawei Cloud SDK only `X-Request-Id`.
 * The first is the one read from callers.
 */
export const requestIdHeaders = ['x-request-id', 'x-openstack-request-id'] as const;

const wellFormed = /^[A-Za-z0-9._:-]{1,128}$/;

/** Whether a caller's id may be kept: 1 to 128 characters of letters, digits and `._:-`. */
export function isWellFormedRequestId(value: unknown): value is string {
  return typeof value === 'string' && wellFormed.test(value);
}

/**
 * New ids are a random UUID v4 per process whose last 32 bits count up from a random start:
 * unique across processes and restarts by the 90 random bits of the prefix, unique within a
 * process by the counter (a new prefix comes long before it could wrap), and with none of the
 * CSPRNG's cost on every request.
 */
let prefix = '';
let counter = 0;
let left = 0;
/** Two hex digits per byte, so that the counter is written without `toString(16)`, slow in V8. */
const hex = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

function newPrefix(): void {
  const uuid = randomUUID();
  prefix = `req-${uuid.slice(0, 28)}`;
  counter = Number.parseInt(uuid.slice(28), 16) | 0;
  left = 2 ** 30;
}

/** A new id in OpenStack's form, `req-` and a UUID v4. @example newRequestId() // 'req-3f1c…' */
export function newRequestId(): string {
  if (--left < 0) newPrefix();
  counter = (counter + 1) | 0;
  return (
    prefix +
    hex[(counter >>> 24) & 0xff] +
    hex[(counter >>> 16) & 0xff] +
    hex[(counter >>> 8) & 0xff] +
    hex[counter & 0xff]
  );
}

/** The caller's id when well-formed, else a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return isWellFormedRequestId(header) ? header : newRequestId();
}
