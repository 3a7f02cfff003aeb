import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';

type AnyDb = Kysely<unknown>;

/** The schema, one migration a step; run on every start, by every instance (the migrator locks). */
const migrations: Record<string, Migration> = {
  '001-initial': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('nat_gateways')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text')
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('router_id', 'text', (c) => c.notNull())
        .addColumn('internal_network_id', 'text', (c) => c.notNull())
        .addColumn('admin_state_up', 'integer', (c) => c.notNull())
        .addColumn('enterprise_project_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('pending', 'text')
        .addColumn('pending_until', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('nat_gateways_name_unique', ['tenant_id', 'name_key'])
        .execute();
      await db.schema
        .createTable('snat_rules')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('nat_gateway_id', 'text', (c) => c.notNull().references('nat_gateways.id'))
        .addColumn('network_id', 'text', (c) => c.notNull())
        .addColumn('cidr', 'text', (c) => c.notNull())
        .addColumn('source_type', 'integer', (c) => c.notNull())
        .addColumn('floating_ip_id', 'text', (c) => c.notNull())
        .addColumn('floating_ip_address', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('admin_state_up', 'integer', (c) => c.notNull())
        .addColumn('source_key', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('pending', 'text')
        .addColumn('pending_until', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('snat_rules_source_unique', ['nat_gateway_id', 'source_key'])
        .execute();
      await db.schema
        .createTable('dnat_rules')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('nat_gateway_id', 'text', (c) => c.notNull().references('nat_gateways.id'))
        .addColumn('port_id', 'text', (c) => c.notNull())
        .addColumn('private_ip', 'text', (c) => c.notNull())
        .addColumn('internal_service_port', 'integer', (c) => c.notNull())
        .addColumn('floating_ip_id', 'text', (c) => c.notNull())
        .addColumn('floating_ip_address', 'text', (c) => c.notNull())
        .addColumn('external_service_port', 'integer', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('admin_state_up', 'integer', (c) => c.notNull())
        .addColumn('external_key', 'text', (c) => c.unique())
        .addColumn('internal_key', 'text', (c) => c.unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('pending', 'text')
        .addColumn('pending_until', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('eip_claims')
        .addColumn('floating_ip_id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('rule_id', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('tags')
        .addColumn('nat_gateway_id', 'text', (c) => c.notNull().references('nat_gateways.id'))
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('tags_pk', ['nat_gateway_id', 'key'])
        .execute();
      for (const table of ['nat_gateways', 'snat_rules', 'dnat_rules'] as const) {
        await db.schema.createIndex(`${table}_tenant`).on(table).columns(['tenant_id', 'id']).execute();
      }
    },
  },
  '002-identity': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('revoked_tokens')
        .addColumn('token_id', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('revoked_tokens_expiry')
        .on('revoked_tokens')
        .column('expires_at')
        .execute();
      await db.schema
        .createTable('login_failures')
        .addColumn('user_key', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('last_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('login_failures_pk', ['user_key', 'address'])
        .execute();
      await db.schema.createIndex('login_failures_address').on('login_failures').column('address').execute();
      await db.schema.createIndex('login_failures_last').on('login_failures').column('last_at').execute();
    },
  },
  '003-page-rules': {
    async up(db: AnyDb) {
      // Gateway names are not unique (no page says so): the constraint's column stays empty.
      await db
        .updateTable('nat_gateways' as never)
        .set({ name_key: null } as never)
        .execute();
      // Which gateway holds an EIP (one gateway per EIP, NAT.0404); rules of that gateway share it.
      await db.schema.alterTable('eip_claims').addColumn('nat_gateway_id', 'text').execute();
      await sql`update eip_claims set nat_gateway_id = coalesce(
        (select nat_gateway_id from snat_rules where snat_rules.id = eip_claims.rule_id),
        (select nat_gateway_id from dnat_rules where dnat_rules.id = eip_claims.rule_id))`.execute(db);
      // The block an SNAT rule translates (its cidr, or its subnet's), for overlaps (NAT.0207).
      await db.schema.alterTable('snat_rules').addColumn('source_block', 'text').execute();
      // Rows locked for the rest of a transaction to count against a limit (per VPC, per network).
      await db.schema
        .createTable('locks')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .execute();
    },
  },
  // Each project's network (routers, subnets, ports, EIPs), as a JSON document: it was a file
  // read once at start; in the database, every instance sees a change (its version) at once.
  '014-project-networks': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('project_networks')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
    },
  },
};

/**
 * The service's migrations and those a resource kind adds (resources/kind.ts): named so that
 * they sort after the service's own (`004-…` on), each kind's by its own name.
 */
export function migrationsWith(added: Record<string, Migration>): MigrationProvider {
  for (const name of Object.keys(added))
    if (name in migrations) throw new Error(`the migration ${name} is defined twice`);
  return {
    async getMigrations() {
      return { ...migrations, ...added };
    },
  };
}
