import type { FastifyRequest } from 'fastify';
import type { Migration, RawBuilder, SqlBool, Transaction } from 'kysely';
import type { ContractError } from 'statuskit';
import type { AccountState, Accounts } from '../admin/accounts.js';
import type { Backends } from '../backends.js';
import type { Limits } from '../config.js';
import type { Database } from '../db/database.js';
import type { Pending } from '../db/lifecycle.js';
import type { Schema } from '../db/schema.js';
import { type DocumentedCode, type NatCode, natError, type TemplateValues } from '../errors.js';
import type { prefixes } from '../forms.js';
import type { ProjectNetwork } from '../network/fixture.js';
import { id as idFilter } from './filters.js';
import type { ResourceStore } from './store.js';

/** What every resource row has: an id, its project, and its lifecycle (see db/lifecycle.ts). */
export interface ResourceRow {
  id: string;
  tenant_id: string;
  created_at: string;
  pending: string | null;
  pending_until: number;
}

/** A row as the pages show it (the kind's `schema` says which fields, and serializes them). */
export type View = { id: string } & Record<string, unknown>;

/** When things happen: the clock, and how long a change stays PENDING_*. */
export interface Clock {
  now(): number;
  delayMs: number;
}

/**
 * What the kinds' hooks may use: the database, the clock, the limits, each project's network,
 * the backends the real cloud calls (where a fault can make them fail) and the account states.
 */
export interface Services {
  database: Database;
  clock: Clock;
  limits: Limits;
  network(tenant: string): ProjectNetwork;
  backends: Backends;
  accounts: Accounts;
}

/** The path forms (forms.ts) a kind's routes are served under. */
export type Form = keyof typeof prefixes;

/** A page's code and the text of its message, for one kind of bad paging parameter. */
export type PageError = readonly [NatCode, string];

/** One filter of a list: its query schema, and the condition a value of it puts on a row's column. */
export interface Filter {
  schema: object;
  where(column: string, value: never, now: number): RawBuilder<SqlBool>;
}

/**
 * What an account state refuses of a kind's writes: the page's error, or nothing. A creation
 * sees its parent (for a kind with one), an update or a deletion the row.
 */
export interface AccountRules<Row> {
  create?(state: AccountState, parent: ResourceRow | undefined): ContractError | undefined;
  update?(state: AccountState, row: Row): ContractError | undefined;
  delete?(state: AccountState, row: Row): ContractError | undefined;
}

/** The row a new resource is made of: all but what the machinery fills in. */
export type Fields<Row> = Omit<Row, keyof ResourceRow>;

/**
 * How a resource is created, in one transaction: its parent (locked, and ACTIVE) when it has
 * one, checks and locks before the row is written, the row, the page's errors for the
 * uniqueness constraints its insert may break, and what follows in the same transaction.
 */
export interface Creation<Row, Parent = ResourceRow> {
  /** The parent's id, for a kind with a parent. */
  parent?: string;
  prepare?(trx: Transaction<Schema>, now: number, parent: Parent): Promise<void> | void;
  fields(parent: Parent): Fields<Row>;
  conflict?(constraint: string): ContractError | undefined;
  written?(trx: Transaction<Schema>, row: Row, parent: Parent): Promise<void>;
}

/**
 * How a resource is changed, in one transaction: its parent (for a kind with a parent: the one
 * the request names, locked, and ACTIVE), checks, what runs before and after the change, the
 * changed columns, and the page's errors for the uniqueness constraints the change may break.
 */
export interface Update<Row, Parent = ResourceRow> {
  parent?: string;
  check?(row: Row, parent: Parent): void;
  before?(trx: Transaction<Schema>, row: Row, parent: Parent): Promise<void>;
  changes(row: Row, parent: Parent): Partial<Row>;
  conflict?(constraint: string): ContractError | undefined;
  written?(trx: Transaction<Schema>, row: Row, parent: Parent): Promise<void>;
}

/**
 * What a route's handler knows: the caller's project, the resource's id in the path (for an
 * update; '' for a create), the request, the kind's store and the services.
 */
export interface OperationContext<Row extends ResourceRow> {
  tenant: string;
  id: string;
  request: FastifyRequest;
  store: ResourceStore<Row>;
  services: Services;
}

/**
 * An operation of a kind (create, update, batch create): the page's errors, the body's schema,
 * what it does, and the forms it is served in where not all the kind's are.
 */
export interface Operation<Body, Row extends ResourceRow, Result = View> {
  errors: DocumentedCode[];
  body: object;
  /** A required field of the body left out, where the page has its own error for it (else NAT.0002). */
  missing?(field: string, path: string): ContractError;
  forms?: readonly Form[];
  handle(body: Body, context: OperationContext<Row>): Promise<Result>;
}

/** A resource kind, declared once; the machinery (store.ts, routes.ts) does the rest. */
export interface ResourceKind<Row extends ResourceRow = ResourceRow> {
  /** The body's key for one (`nat_gateway`); also names the list (`nat_gateways`) and id parameter (`nat_gateway_id`). */
  one: string;
  many: string;
  idParam: string;
  /** Its collection's path under each form's prefix (`/nat_gateways`). */
  path: string;
  forms: readonly Form[];
  table: keyof Schema;
  /** For summaries ("Create a NAT gateway", "List NAT gateways"); `many` is also its OpenAPI tag. */
  names: { one: string; many: string };
  /** Its fields as the pages show them (a response schema: Fastify serializes with it). */
  schema: { type: 'object'; required?: readonly string[]; properties: Record<string, object> };
  /**
   * Fields shown in one path form only, beside the schema's (Huawei Cloud's form of a gateway has
   * `enterprise_project_id`, `ngport_ip_address` and `billing_info`).
   */
  formFields?: Partial<Record<Form, Record<string, object>>>;
  /**
   * The fields the schema names that its row does not hold as they are shown (the columns it
   * names are copied, as booleans and integers where it says so, and `status` is derived).
   */
  view?(shown: View, row: Row, services: Services): View;
  /** A malformed id in the path: the page's code, its template filled with the value. */
  badId: NatCode;
  /**
   * None in the project: the page's code, its status (to read, and to delete where it differs)
   * and its template's values (`{ id }` if not given).
   */
  notFound: { code: NatCode; status?: 400 | 404; deleting?: 400 | 404; values?(id: string): TemplateValues };
  /**
   * A change to a row that is not ACTIVE: the page's error (a rule's change still under way is
   * the page's concurrent conflict, NAT.0106, by default).
   */
  notActive(row: Row): ContractError;
  /**
   * The status the page's example answers a creation or an update with, where it is not ACTIVE
   * (a gateway's creation: PENDING_CREATE). Sent even when the change is done at once (no
   * provisioning delay), as the real service answers before its change is done.
   */
  answers?: { create?: Pending; update?: Pending };
  /**
   * Its own list filters (id, description, status, admin_state_up and created_at are every
   * kind's, and its parent's id, first, every child kind's).
   */
  filters: Record<string, Filter>;
  /** The list page's codes for a bad `limit` and `marker` (NAT.0002 where it has none). */
  page: { limit?: PageError; marker?: PageError };
  /** The kind whose resource this one belongs to, by the column holding the parent's id. */
  parent?: {
    kind: ResourceKind;
    column: string;
    /** Also deleted under the parent's path (`/nat_gateways/{id}/snat_rules/{id}`), in these forms. */
    nestedDeletion?: readonly Form[];
  };
  /** Deletion refused while resources of a child kind are alive. */
  inUse?(row: Row): ContractError;
  create?: Operation<never, Row>;
  update?: Operation<never, Row>;
  /** What the project's account state refuses (admin/accounts.ts), checked in the write's transaction. */
  account?: AccountRules<Row>;
  /** Creation of several in one request (`POST <path>/batch`), all or none: 201 with their list. */
  batch?: Operation<never, Row, View[]>;
  /** What deletion does besides starting PENDING_DELETE: its page's errors, checks, columns it clears, releases. */
  deletion?: {
    errors?: DocumentedCode[];
    before?(trx: Transaction<Schema>, row: Row, services: Services): Promise<void>;
    clear?: Partial<Row>;
    after?(trx: Transaction<Schema>, row: Row, services: Services): Promise<void>;
  };
  /**
   * Its tags: the table holding them, by the column holding its id; the forms, the collection's
   * path and the id parameter of the tag routes (the kind's own `path` and `idParam` if not given).
   */
  tags?: { table: keyof Schema; column: string; forms: readonly Form[]; path?: string; param?: string };
  /**
   * The v3 pages' conventions: every answer has a `request_id`, a list also its `page_info` and
   * takes `page_reverse`, and a change is done at once (no PENDING_* state).
   */
  v3?: boolean;
  /**
   * The items of the project's network document its rows refer to, by column (an SNAT rule's
   * EIPs: a comma-separated list), which a new document may not leave out while a row is alive;
   * and its name in Chinese, for the message that says so (network/uses.ts).
   */
  networkUses?: { zhCn: string; columns: Record<string, 'routers' | 'networks' | 'ports' | 'floating_ips'> };
  /** Tables the kind adds, migrated on start after the service's own. */
  migrations?: Record<string, Migration>;
}

/** What a declaration may leave out. */
type Derived = 'one' | 'names' | 'many' | 'idParam' | 'path' | 'table' | 'forms' | 'badId' | 'notActive';

/**
 * A kind named `one` (its body's key; `names` for summaries), declared; what the declaration
 * does not give is derived: `many` the plural of `one` with an s, `idParam` `<one>_id`, `path`
 * `/<many>`, `table` `<many>`, `forms` the v2.0 API's two (`otc`, `huawei`), `badId` the
 * not-found code, `notActive` the page's NAT.0106; and its parent's id is a filter.
 */
export function kind<Row extends ResourceRow>(
  one: string,
  names: ResourceKind['names'],
  declaration: Omit<ResourceKind<Row>, Derived> & Partial<Pick<ResourceKind<Row>, Derived>>,
): ResourceKind<Row> {
  const many = declaration.many ?? `${one}s`;
  const { parent, filters } = declaration;
  return {
    one,
    names,
    many,
    idParam: `${one}_id`,
    path: `/${many}`,
    table: many as keyof Schema,
    // The v3 API's paths are all under `/v3/{project_id}`; the v2.0 API has two forms.
    forms: declaration.v3 ? ['huaweiTags'] : ['otc', 'huawei'],
    badId: declaration.notFound.code,
    // A change meeting one still under way: the pages' "Concurrent conflict requests found"
    // (400); no row of theirs is a 409 for it.
    notActive: () => natError('NAT.0106'),
    ...declaration,
    filters: parent ? { [parent.column]: idFilter(), ...filters } : filters,
  };
}
