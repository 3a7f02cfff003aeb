import type { Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import type { Schema } from '../db/schema.js';
import { type Network, ProjectNetwork } from './fixture.js';

/**
 * Each project's network, kept in the database (`project_networks`: the document and a version
 * bumped by each replacement) and cached here, so that resources look it up synchronously. The
 * cache is brought up to date by `refresh`, which the app calls once per writing request: a
 * replacement made through another instance sharing the database is seen before the next write
 * is checked against it, while reads cost nothing.
 */
export class NetworkStore {
  readonly #cached = new Map<string, { version: number; network: ProjectNetwork }>();

  constructor(readonly database: Database) {}

  /** Gives every project without a network its first one (`first(id)`), then loads them all. */
  async start(projects: readonly string[], first: (id: string) => Network): Promise<void> {
    const { db } = this.database;
    const stored = new Set(
      (await db.selectFrom('project_networks').select('tenant_id').execute()).map((row) => row.tenant_id),
    );
    for (const tenant of projects.filter((id) => !stored.has(id))) {
      // Instances starting together: the first insert wins, the others keep it.
      await db
        .insertInto('project_networks')
        .values({ tenant_id: tenant, document: JSON.stringify(first(tenant)), version: 1 })
        .onConflict((conflict) => conflict.column('tenant_id').doNothing())
        .execute();
    }
    await this.refresh();
  }

  /** The project's network as last loaded; a project without one has an empty network. */
  network(tenant: string): ProjectNetwork {
    return this.#cached.get(tenant)?.network ?? new ProjectNetwork();
  }

  /** Reloads the networks whose version changed since they were loaded: one query when none did. */
  async refresh(): Promise<void> {
    const { db } = this.database;
    const versions = await db.selectFrom('project_networks').select(['tenant_id', 'version']).execute();
    const stale = versions
      .filter((row) => this.#cached.get(row.tenant_id)?.version !== Number(row.version))
      .map((row) => row.tenant_id);
    if (stale.length === 0) return;
    const rows = await db
      .selectFrom('project_networks')
      .selectAll()
      .where('tenant_id', 'in', stale)
      .execute();
    for (const row of rows) this.#remember(row.tenant_id, Number(row.version), row.document);
  }

  /** The project's network as stored now, or undefined when it has none. */
  async read(tenant: string): Promise<Network | undefined> {
    const row = await this.database.db
      .selectFrom('project_networks')
      .select(['version', 'document'])
      .where('tenant_id', '=', tenant)
      .executeTakeFirst();
    if (!row) return undefined;
    return this.#remember(tenant, Number(row.version), row.document).network;
  }

  /**
   * Replaces the project's network in one transaction, with its row locked (FOR UPDATE on
   * PostgreSQL; SQLite has one writer): `check` sees the stored network and may throw, which
   * changes nothing.
   */
  async replace(
    tenant: string,
    network: Network,
    check: (trx: Transaction<Schema>, stored: Network) => Promise<void>,
  ): Promise<void> {
    const document = JSON.stringify(network);
    const { db, engine } = this.database;
    const version = await db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom('project_networks')
        .select(['version', 'document'])
        .where('tenant_id', '=', tenant);
      if (engine === 'postgres') query = query.forUpdate();
      const row = await query.executeTakeFirst();
      await check(trx, row ? (JSON.parse(row.document) as Network) : new ProjectNetwork().network);
      const next = Number(row?.version ?? 0) + 1;
      await trx
        .insertInto('project_networks')
        .values({ tenant_id: tenant, document, version: next })
        .onConflict((conflict) => conflict.column('tenant_id').doUpdateSet({ document, version: next }))
        .execute();
      return next;
    });
    this.#remember(tenant, version, document);
  }

  #remember(tenant: string, version: number, document: string): ProjectNetwork {
    const cached = this.#cached.get(tenant);
    if (cached?.version === version) return cached.network;
    const network = new ProjectNetwork(JSON.parse(document) as Network);
    this.#cached.set(tenant, { version, network });
    return network;
  }
}
