import type { Migration } from 'kysely';
import type { ResourceRow } from '../resources/kind.js';

/** A private NAT gateway as stored: its one downlink subnet, its address there, its tags (JSON). */
export interface PrivateGatewayRow extends ResourceRow {
  name: string;
  description: string;
  spec: string;
  vpc_id: string;
  virsubnet_id: string;
  ngport_ip_address: string;
  /** `<subnet>/<address>` while the gateway holds the address (unique), null once deleted. */
  ngport_key: string | null;
  enterprise_project_id: string;
  /** The tags given at creation, `[{key, value}]` as JSON text. */
  tags: string;
  updated_at: string;
}

declare module '../db/schema.js' {
  interface Schema {
    private_nat_gateways: PrivateGatewayRow;
  }
}

/** The table; an address of a subnet is held by one gateway at a time (the database decides). */
export const migrations: Record<string, Migration> = {
  '010-private-nat-gateways': {
    async up(db) {
      await db.schema
        .createTable('private_nat_gateways')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('vpc_id', 'text', (c) => c.notNull())
        .addColumn('virsubnet_id', 'text', (c) => c.notNull())
        .addColumn('ngport_ip_address', 'text', (c) => c.notNull())
        .addColumn('ngport_key', 'text')
        .addColumn('enterprise_project_id', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('pending', 'text')
        .addColumn('pending_until', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('private_nat_gateways_ngport_unique', ['ngport_key'])
        .execute();
      await db.schema
        .createIndex('private_nat_gateways_tenant')
        .on('private_nat_gateways')
        .columns(['tenant_id', 'id'])
        .execute();
    },
  },
};
