import type { Migration } from 'kysely';
import type { ResourceRow } from '../resources/kind.js';

/** A DNAT rule of a private NAT gateway as stored (ports as the pages show them: decimal strings). */
export interface PrivateDnatRow extends ResourceRow {
  gateway_id: string;
  description: string;
  transit_ip_id: string;
  /** The backend's port, '' for a rule on an address alone. */
  network_interface_id: string;
  type: string;
  protocol: string;
  private_ip_address: string;
  internal_service_port: string;
  transit_service_port: string;
  enterprise_project_id: string;
  /** `<transit ip>/<protocol>/<port>` while alive (unique: NAT.1310), null once deleted. */
  transit_key: string | null;
  /** `<gateway>/<private ip>/<protocol>/<port>` while alive (unique: NAT.1307), null once deleted. */
  internal_key: string | null;
  updated_at: string;
}

declare module '../db/schema.js' {
  interface Schema {
    private_dnat_rules: PrivateDnatRow;
  }
}

/** The table; its unique keys decide between rules that would receive or send the same traffic. */
export const migrations: Record<string, Migration> = {
  '013-private-dnat-rules': {
    async up(db) {
      await db.schema
        .createTable('private_dnat_rules')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('gateway_id', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('transit_ip_id', 'text', (c) => c.notNull())
        .addColumn('network_interface_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('private_ip_address', 'text', (c) => c.notNull())
        .addColumn('internal_service_port', 'text', (c) => c.notNull())
        .addColumn('transit_service_port', 'text', (c) => c.notNull())
        .addColumn('enterprise_project_id', 'text', (c) => c.notNull())
        .addColumn('transit_key', 'text')
        .addColumn('internal_key', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('pending', 'text')
        .addColumn('pending_until', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('private_dnat_rules_transit_unique', ['transit_key'])
        .addUniqueConstraint('private_dnat_rules_internal_unique', ['internal_key'])
        .execute();
      await db.schema
        .createIndex('private_dnat_rules_tenant')
        .on('private_dnat_rules')
        .columns(['tenant_id', 'id'])
        .execute();
    },
  },
};
