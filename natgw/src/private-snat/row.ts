import type { Migration } from 'kysely';
import type { ResourceRow } from '../resources/kind.js';

/** An SNAT rule of a private NAT gateway as stored. */
export interface PrivateSnatRow extends ResourceRow {
  gateway_id: string;
  /** One of the two is '' (the page's examples show the unused one so). */
  cidr: string;
  virsubnet_id: string;
  description: string;
  /** Its transit IPs and their addresses, comma-separated, in the order given. */
  transit_ip_ids: string;
  transit_ip_addresses: string;
  enterprise_project_id: string;
  /** `network:<id>` or `cidr:<block>` while the rule is alive (unique per gateway), null once deleted. */
  source_key: string | null;
  /** The block it translates (the subnet's or its own), for overlaps. */
  source_block: string;
  updated_at: string;
}

declare module '../db/schema.js' {
  interface Schema {
    private_snat_rules: PrivateSnatRow;
  }
}

/** The table; one rule per source on a gateway (the database decides). */
export const migrations: Record<string, Migration> = {
  '012-private-snat-rules': {
    async up(db) {
      await db.schema
        .createTable('private_snat_rules')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('gateway_id', 'text', (c) => c.notNull())
        .addColumn('cidr', 'text', (c) => c.notNull())
        .addColumn('virsubnet_id', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('transit_ip_ids', 'text', (c) => c.notNull())
        .addColumn('transit_ip_addresses', 'text', (c) => c.notNull())
        .addColumn('enterprise_project_id', 'text', (c) => c.notNull())
        .addColumn('source_key', 'text')
        .addColumn('source_block', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('pending', 'text')
        .addColumn('pending_until', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('private_snat_rules_source_unique', ['gateway_id', 'source_key'])
        .execute();
      await db.schema
        .createIndex('private_snat_rules_tenant')
        .on('private_snat_rules')
        .columns(['tenant_id', 'id'])
        .execute();
    },
  },
};
