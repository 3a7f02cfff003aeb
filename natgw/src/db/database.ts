import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type Migration, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrationsWith } from './migrations.js';
import type { Schema } from './schema.js';

export type Engine = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<Schema>;
  engine: Engine;
  close(): Promise<void>;
}

// BIGINT columns hold epoch milliseconds, well inside a double.
pg.types.setTypeParser(pg.types.builtins.INT8, Number);

/**
 * The SQLite file holds the token signing key (and every project's data): readable by its owner
 * alone, as Keystone keeps its fernet keys. A new file is created 0600 (SQLite gives its `-wal`
 * and `-shm` files the same mode); an existing one open to others is closed to them.
 */
function ownerOnly(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path) && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  }
}

/**
 * One query layer, two engines: PostgreSQL when `databaseUrl` is set (many instances may share
 * it), else an SQLite file (created on first start). Migrations run before it is returned.
 */
export async function openDatabase(options: {
  databaseUrl?: string | undefined;
  sqliteFile: string;
  /** Told when an idle PostgreSQL connection is lost (a server restart, a terminated backend). */
  onIdleError?: (error: Error) => void;
  /** Migrations of the resource kinds, after the service's own. */
  migrations?: Record<string, Migration>;
}): Promise<Database> {
  const engine: Engine = options.databaseUrl ? 'postgres' : 'sqlite';
  let db: Kysely<Schema>;
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    // pg emits an idle client's lost connection on the pool, and without a listener that is an
    // uncaught exception: the whole service would go down. The pool drops the client; the next
    // query opens a new connection.
    pool.on('error', (error) => options.onIdleError?.(error));
    db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  } else {
    if (options.sqliteFile !== ':memory:') ownerOnly(options.sqliteFile);
    const file = new SQLite(options.sqliteFile);
    // WAL lets readers run beside the writer; a busy timeout lets two processes share the file.
    file.pragma('journal_mode = WAL');
    file.pragma('busy_timeout = 5000');
    file.pragma('foreign_keys = ON');
    db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: file }) });
  }
  const { error } = await new Migrator({
    db,
    provider: migrationsWith(options.migrations ?? {}),
    // The service's steps and the kinds' are named apart, and so are those of changes made side
    // by side: one that sorts before a step a database already ran still runs, once.
    allowUnorderedMigrations: true,
  }).migrateToLatest();
  if (error) {
    await db.destroy();
    throw error;
  }
  return { db, engine, close: () => db.destroy() };
}

/**
 * The constraint a write broke, when it broke a uniqueness rule: the database, not a check
 * before the insert, decides which of two racing writers wins.
 */
export function uniqueViolation(error: unknown): string | undefined {
  const e = error as { code?: string; constraint?: string; message?: string };
  if (e.code === '23505') return e.constraint ?? 'unique';
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return /UNIQUE constraint failed: (.*)$/.exec(e.message ?? '')?.[1] ?? 'unique';
  }
  return undefined;
}
