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

/** A new id in OpenStack's form. @example newRequestId() // 'req-3f1c…' */
export function newRequestId(): string {
  return `req-${randomUUID()}`;
}

/** The caller's id when well-formed, else a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return isWellFormedRequestId(header) ? header : newRequestId();
}
