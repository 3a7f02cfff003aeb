import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { ContractError } from 'statuskit';
import type { AccountState } from '../admin/accounts.js';
import { uniqueViolation } from '../db/database.js';
import { alive, type Pending, pageTime, type ResourceStatus, statusAt } from '../db/lifecycle.js';
import type { Schema } from '../db/schema.js';
import { type DocumentedCode, natError } from '../errors.js';
import { v3Fields } from './fields.js';
import { anyValue, common } from './filters.js';
import type {
  AccountRules,
  Creation,
  Filter,
  ResourceKind,
  ResourceRow,
  Services,
  Update,
  View,
} from './kind.js';

/** The kinds' tables, as the machinery sees them: rows of a resource, with columns of their own. */
type Rows = Kysely<Record<string, ResourceRow & Record<string, unknown>>>;

const rows = (db: Kysely<Schema>) => db as unknown as Rows;

/** Paging as `listPage` reads it: at most `limit` rows, those after the `marker` id. */
export interface Page {
  limit?: number | undefined;
  marker?: string | undefined;
  /** The page before the marker instead (still in creation order). */
  reverse?: boolean | undefined;
}

/** A field as its schema shows it: a boolean or an integer where the column holds a number. */
function shape(property: { type?: unknown }, value: unknown): unknown {
  if (property.type === 'boolean') return Boolean(value);
  if (property.type === 'integer') return Number(value);
  return value;
}

/**
 * The resources of one kind, one project at a time: every query is scoped by tenant and sees
 * only the rows alive at its `now`. A change locks its row (FOR UPDATE on PostgreSQL; SQLite has
 * one writer) for its transaction, and so does the creation of a child on its parent: a child's
 * creation and its parent's deletion cannot both succeed.
 */
export class ResourceStore<Row extends ResourceRow = ResourceRow> {
  /**
   * The list's filters by name, every kind's and its own: a Map, so that a query parameter named
   * after an object's own members (`valueOf`, `constructor`) is no filter, as any unknown one.
   */
  readonly #filters: Map<string, Filter['where']>;

  constructor(
    readonly kind: ResourceKind<Row>,
    readonly services: Services,
    /** The kinds whose resources belong to this one's: one alive refuses deletion (`inUse`). */
    readonly children: readonly ResourceKind[] = [],
    readonly parent?: ResourceStore,
  ) {
    this.#filters = new Map([
      // The v3 pages' lists take only their own filters.
      ...Object.entries(kind.v3 ? {} : common),
      ...Object.entries(kind.filters).map(([name, filter]) => [name, filter.where] as const),
    ]);
  }

  get #db() {
    return this.services.database.db;
  }

  /** The row as the pages show it at `now`. */
  view(row: Row, now: number): View {
    const shown: View = { id: row.id };
    const columns = row as unknown as Record<string, unknown>;
    // Every form's fields: each form's response schema sends its own.
    const properties = Object.assign(
      {},
      this.kind.schema.properties,
      ...Object.values(this.kind.formFields ?? {}),
    );
    for (const [name, property] of Object.entries(properties as Record<string, { type?: unknown }>)) {
      if (name === 'status') shown.status = statusAt(row, now);
      else if (name in columns) shown[name] = shape(property, columns[name]);
    }
    if (this.kind.v3) Object.assign(shown, v3Fields(columns));
    return this.kind.view ? this.kind.view(shown, row, this.services) : shown;
  }

  /** None in the project: the kind's not-found, with the status the page gives it to read or to delete. */
  missing(id: string, deleting = false) {
    const { code, values, status, deleting: whenDeleting } = this.kind.notFound;
    const chosen = deleting ? (whenDeleting ?? status) : status;
    return natError(code, values ? values(id) : { id }, chosen === undefined ? {} : { status: chosen });
  }

  /** The page's errors for a resource named in the path: a malformed id, none in the project. */
  documentedMissing(deleting = false): DocumentedCode[] {
    const { code, status, deleting: whenDeleting } = this.kind.notFound;
    const chosen = deleting ? (whenDeleting ?? status) : status;
    return code === this.kind.badId
      ? [code]
      : [this.kind.badId, chosen === undefined ? code : { code, status: chosen }];
  }

  /** A live row of the project with its status, locked for the transaction with `lock`; or `missing`. */
  async find(
    db: Kysely<Schema>,
    tenant: string,
    id: string,
    now: number,
    options: { lock?: boolean; deleting?: boolean } = {},
  ): Promise<Row & { status: ResourceStatus }> {
    let query = rows(db)
      .selectFrom(this.kind.table)
      .selectAll()
      .where('id', '=', id)
      .where('tenant_id', '=', tenant)
      .where(alive(now));
    if (options.lock && this.services.database.engine === 'postgres') query = query.forUpdate();
    const row = (await query.executeTakeFirst()) as Row | undefined;
    if (!row) throw this.missing(id, options.deleting);
    return { ...row, status: statusAt(row, now) };
  }

  /** A row that is not ACTIVE takes no change (the kind's `notActive`). */
  requireActive(row: Row & { status: ResourceStatus }): void {
    if (row.status !== 'ACTIVE') throw this.kind.notActive(row);
  }

  /** The live, ACTIVE row, locked for the rest of the transaction. */
  async lockActive(trx: Transaction<Schema>, tenant: string, id: string, now: number) {
    const row = await this.find(trx, tenant, id, now, { lock: true });
    this.requireActive(row);
    return row;
  }

  async get(tenant: string, id: string): Promise<View> {
    const now = this.services.clock.now();
    const [shown] = await this.#tagged(this.#db, [
      this.view(await this.find(this.#db, tenant, id, now), now),
    ]);
    return shown as View;
  }

  /** The views with their tags (oldest first), for a tagged kind whose schema shows them. */
  async #tagged(db: Kysely<Schema>, views: View[]): Promise<View[]> {
    const tags = this.kind.tags;
    if (!tags || !('tags' in this.kind.schema.properties) || views.length === 0) return views;
    const found = (await rows(db)
      .selectFrom(tags.table)
      .select([`${tags.column} as id`, 'key' as never, 'value' as never])
      .where(tags.column as never, 'in', views.map((view) => view.id) as never)
      .orderBy('position' as never)
      .orderBy('key' as never)
      .execute()) as unknown as { id: string; key: string; value: string }[];
    const byId = new Map(views.map((view) => [view.id, [] as { key: string; value: string }[]]));
    for (const { id, key, value } of found) byId.get(id)?.push({ key, value });
    return views.map((view) => ({ ...view, tags: byId.get(view.id) ?? [] }));
  }

  /**
   * The project's rows that the filters select, in the order they were made (as the pages'
   * examples list them: by `created_at`, then id), after the marker (before it, with `reverse`).
   * A marker that names no resource of the project is the page's bad marker.
   */
  async list(tenant: string, filters: Record<string, unknown>, page: Page): Promise<View[]> {
    const now = this.services.clock.now();
    let query = rows(this.#db)
      .selectFrom(this.kind.table)
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where(alive(now));
    for (const [name, value] of Object.entries(filters)) {
      const where = this.#filters.get(name);
      if (value === undefined || !where) continue;
      // The v2.0 lists take each filter repeated (any of the values); the v3 filters take arrays themselves.
      query = query.where(
        Array.isArray(value) && !this.kind.v3
          ? anyValue(where, name, value, now)
          : where(name, value as never, now),
      );
    }
    if (page.marker !== undefined) {
      const marker = await rows(this.#db)
        .selectFrom(this.kind.table)
        .select(['created_at', 'id'])
        .where('tenant_id', '=', tenant)
        .where('id', '=', page.marker)
        .executeTakeFirst();
      if (!marker) throw this.#badMarker();
      const after = page.reverse ? '<' : '>';
      query = query.where((eb) =>
        eb.or([
          eb('created_at', after, marker.created_at),
          eb.and([eb('created_at', '=', marker.created_at), eb('id', after, marker.id)]),
        ]),
      );
    }
    const order = page.reverse ? 'desc' : 'asc';
    const found = await query
      .orderBy('created_at', order)
      .orderBy('id', order)
      .limit(page.limit ?? 2000)
      .execute();
    if (page.reverse) found.reverse();
    return this.#tagged(
      this.#db,
      found.map((row) => this.view(row as Row, now)),
    );
  }

  /** The list page's error for a marker that names nothing (NAT.0002 where it has none). */
  #badMarker() {
    const marker = this.kind.page.marker;
    return marker ? natError(marker[0], {}, { variant: marker[1] }) : natError('NAT.0002');
  }

  /**
   * Creates a resource, PENDING_CREATE for the provisioning delay, in one transaction: its parent
   * locked and ACTIVE, the kind's checks, the row, the page's error for a uniqueness constraint
   * the insert breaks (the database decides between racing writers), and what follows.
   */
  async create<Parent extends ResourceRow = ResourceRow>(
    tenant: string,
    steps: Creation<Row, Parent>,
  ): Promise<View> {
    const [created] = await this.createMany(tenant, [steps]);
    return created as View;
  }

  /**
   * Creates resources in one transaction, in order, all or none: each sees those before it
   * (their uniqueness, their claims, the limits they count against).
   */
  async createMany<Parent extends ResourceRow = ResourceRow>(
    tenant: string,
    creations: readonly Creation<Row, Parent>[],
  ): Promise<View[]> {
    return this.#db.transaction().execute(async (trx) => {
      const now = this.services.clock.now();
      const created: View[] = [];
      for (const steps of creations) {
        const parent = (await this.#parentOf(trx, tenant, steps.parent, now)) as unknown as Parent;
        await this.#allowed(trx, tenant, (rules, state) => rules.create?.(state, parent));
        await steps.prepare?.(trx, now, parent);
        const row = {
          id: randomUUID(),
          tenant_id: tenant,
          ...steps.fields(parent),
          created_at: pageTime(now),
          ...this.#pending('PENDING_CREATE', now),
        } as unknown as Row;
        await rows(trx)
          .insertInto(this.kind.table)
          .values(row as unknown as Record<string, unknown>)
          .execute()
          .catch(this.#conflict(steps));
        await steps.written?.(trx, row, parent);
        created.push(this.#answered(this.view(row, now), 'create'));
      }
      return this.#tagged(trx, created);
    });
  }

  /**
   * Changes an ACTIVE resource, which is PENDING_UPDATE for the provisioning delay, in one
   * transaction: for a child kind, the parent the request names locked and ACTIVE first (one of
   * another parent is `missing`), then the row; `check` sees both, `before` runs before the
   * change, `written` after it (with the row as changed), as for a creation.
   */
  async update<Parent extends ResourceRow = ResourceRow>(
    tenant: string,
    id: string,
    steps: Update<Row, Parent>,
  ): Promise<View> {
    await this.#db.transaction().execute(async (trx) => {
      const now = this.services.clock.now();
      const parent = (await this.#parentOf(trx, tenant, steps.parent, now)) as unknown as Parent;
      const row = await this.lockActive(trx, tenant, id, now);
      const column = this.kind.parent?.column;
      if (parent && column && (row as unknown as Record<string, unknown>)[column] !== parent.id)
        throw this.missing(id);
      await this.#allowed(trx, tenant, (rules, state) => rules.update?.(state, row));
      steps.check?.(row, parent);
      await steps.before?.(trx, row, parent);
      const changes = steps.changes(row, parent);
      await rows(trx)
        .updateTable(this.kind.table)
        .set({ ...changes, ...this.#pending('PENDING_UPDATE', now) })
        .where('id', '=', id)
        .execute()
        .catch(this.#conflict(steps));
      await steps.written?.(trx, { ...row, ...changes }, parent);
    });
    return this.#answered(await this.get(tenant, id), 'update');
  }

  /** A view as the page's example answers the change: the kind's status for it where it has one. */
  #answered(view: View, change: 'create' | 'update'): View {
    const status = this.kind.answers?.[change];
    return status !== undefined && view.status === 'ACTIVE' ? { ...view, status } : view;
  }

  /** The parent a request names, locked and ACTIVE; none where the kind has no parent. */
  async #parentOf(trx: Transaction<Schema>, tenant: string, id: string | undefined, now: number) {
    return id === undefined ? undefined : this.parent?.lockActive(trx, tenant, id, now);
  }

  /** Throws what the project's account state refuses of a write, for a kind whose state can refuse it. */
  async #allowed(
    trx: Transaction<Schema>,
    tenant: string,
    refusal: (rules: AccountRules<Row>, state: AccountState) => ContractError | undefined,
  ): Promise<void> {
    const rules = this.kind.account;
    if (!rules) return;
    const refused = refusal(rules, await this.services.accounts.state(trx, tenant));
    if (refused) throw refused;
  }

  /** The page's error for a uniqueness constraint a write broke, or the error itself. */
  #conflict(steps: { conflict?(constraint: string): ContractError | undefined }) {
    return (error: unknown): never => {
      const constraint = uniqueViolation(error);
      throw (constraint === undefined ? undefined : steps.conflict?.(constraint)) ?? error;
    };
  }

  /**
   * Starts deleting an ACTIVE resource with no live child: PENDING_DELETE for the provisioning
   * delay, then gone. What the kind's deletion clears and releases is free at once.
   */
  async delete(tenant: string, id: string): Promise<void> {
    const { before, clear, after } = this.kind.deletion ?? {};
    await this.#db.transaction().execute(async (trx) => {
      const now = this.services.clock.now();
      const row = await this.find(trx, tenant, id, now, { lock: true, deleting: true });
      this.requireActive(row);
      await this.#allowed(trx, tenant, (rules, state) => rules.delete?.(state, row));
      for (const child of this.children) {
        const live = await rows(trx)
          .selectFrom(child.table)
          .select('id')
          .where(child.parent?.column ?? '', '=', id)
          .where(alive(now))
          .executeTakeFirst();
        if (live) throw this.kind.inUse?.(row) ?? new Error(`${this.kind.one} ${id} is in use`);
      }
      await before?.(trx, row, this.services);
      await rows(trx)
        .updateTable(this.kind.table)
        .set({ ...clear, ...this.#pending('PENDING_DELETE', now) })
        .where('id', '=', id)
        .execute();
      await after?.(trx, row, this.services);
    });
  }

  #pending(state: Pending, now: number) {
    return { pending: state, pending_until: now + (this.kind.v3 ? 0 : this.services.clock.delayMs) };
  }
}
