import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { type NatCode, natError, type TemplateValues } from './errors.js';

/** An operation of a kind, by its table, that reaches a backend: `create`, `batch` (create) or `delete`. */
export interface Reach {
  table: string;
  operation: 'create' | 'batch' | 'delete';
}

/**
 * The services of the real cloud that natgw stands in for, where its operations call them, and
 * the page's code for each one's failure: what a `fails` fault (admin/faults.ts) makes fail.
 */
export const backends = {
  /** The VPC's route table, read before a gateway is placed. */
  'route-table': { code: 'NAT.0112', reached: [{ table: 'nat_gateways', operation: 'create' }] },
  /** The gateway node a new gateway is placed on. */
  'gateway-host': { code: 'NAT.0110', reached: [{ table: 'nat_gateways', operation: 'create' }] },
  /** The gateway node's agent address (`local_ip`). */
  'gateway-host-ip': { code: 'NAT.0111', reached: [{ table: 'nat_gateways', operation: 'create' }] },
  /** The gateway's own port in its internal network. */
  'ng-port-create': { code: 'NAT.0107', reached: [{ table: 'nat_gateways', operation: 'create' }] },
  /** Binding that port to the gateway. */
  'ng-port-bind': { code: 'NAT.0108', reached: [{ table: 'nat_gateways', operation: 'create' }] },
  /** Associating an SNAT rule's EIPs with it. */
  'eip-associate': { code: 'NAT.0212', reached: [{ table: 'snat_rules', operation: 'create' }] },
  /** The VTEP address a DNAT rule is programmed with. */
  vtep: {
    code: 'NAT.0316',
    reached: [
      { table: 'dnat_rules', operation: 'create' },
      { table: 'dnat_rules', operation: 'batch' },
    ],
  },
  /** The port holding a private gateway's or a transit IP's address in its subnet. */
  'port-create': {
    code: 'NAT.1004',
    reached: [
      { table: 'private_nat_gateways', operation: 'create' },
      { table: 'transit_ips', operation: 'create' },
    ],
  },
  /** That port's deletion. */
  'port-delete': {
    code: 'NAT.1005',
    reached: [
      { table: 'private_nat_gateways', operation: 'delete' },
      { table: 'transit_ips', operation: 'delete' },
    ],
  },
} as const satisfies Record<string, { code: NatCode; reached: readonly Reach[] }>;

export type Backend = keyof typeof backends;

export function isBackend(name: string): name is Backend {
  return Object.hasOwn(backends, name);
}

/** What a request's `fails` fault asks: which backend fails, which fault asked, where to log it. */
interface Failing {
  backend: Backend;
  fault: string;
  log: FastifyBaseLogger;
}

/**
 * The calls to the backends, each where the real cloud makes it: `call` does nothing unless
 * the request being served has a `fails` fault for that backend, and then throws the page's
 * error there, inside the operation's transaction, which rolls back whatever it wrote.
 */
export class Backends {
  readonly #failing = new AsyncLocalStorage<Failing>();
  /** Whether any request was ever set to fail: until then a call costs one comparison. */
  #armed = false;

  /** Runs `next` (the rest of a request's handling) with `backend` failing for it. */
  failing(failing: Failing, next: () => void): void {
    this.#armed = true;
    this.#failing.run(failing, next);
  }

  /** The backend is called here: the page's error, its template filled with `values`, if it fails. */
  call(backend: Backend, values: TemplateValues = {}): void {
    if (!this.#armed) return;
    const failing = this.#failing.getStore();
    if (failing?.backend !== backend) return;
    const { code } = backends[backend];
    failing.log.info({ fault: failing.fault, backend, code }, 'fault: backend failed');
    throw natError(code, values);
  }
}

/**
 * The id of a port natgw does not store (a gateway's own port): derived from its owner's id, so
 * that the same resource always names the same port.
 */
export function derivedPortId(ownerId: string): string {
  const hex = createHash('sha256').update(`port:${ownerId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
