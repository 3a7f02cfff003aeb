import type { Generated, Kysely, Migration } from 'kysely';
import type { ResourceRow } from '../resources/kind.js';

/** A private NAT gateway as stored: its one downlink subnet and its address there (its tags: the tag table). */
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
  updated_at: string;
}

/** A tag of a private NAT gateway. */
export interface PrivateGatewayTagRow {
  gateway_id: string;
  tenant_id: string;
  key: string;
  value: string;
  position: Generated<number>;
}

declare module '../db/schema.js' {
  interface Schema {
    private_nat_gateways: PrivateGatewayRow;
    private_nat_gateway_tags: PrivateGatewayTagRow;
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
  // Their tags move to a table of their own, as every tagged kind's, which the tag pages serve.
  '011-private-nat-gateway-tags': {
    async up(db) {
      await db.schema
        .createTable('private_nat_gateway_tags')
        .addColumn('gateway_id', 'text', (c) => c.notNull().references('private_nat_gateways.id'))
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('private_nat_gateway_tags_pk', ['gateway_id', 'key'])
        .execute();
      // The tables as they were before this step: the tags still JSON in the gateways' rows.
      const before = db as unknown as Kysely<{
        private_nat_gateways: { id: string; tenant_id: string; tags: string };
        private_nat_gateway_tags: Omit<PrivateGatewayTagRow, 'position'> & { position: number };
      }>;
      const gateways = await before
        .selectFrom('private_nat_gateways')
        .select(['id', 'tenant_id', 'tags'])
        .execute();
      for (const { id, tenant_id, tags } of gateways) {
        const parsed = JSON.parse(tags) as { key: string; value: string }[];
        for (const [index, { key, value }] of parsed.entries())
          await before
            .insertInto('private_nat_gateway_tags')
            .values({ gateway_id: id, tenant_id, key, value, position: index + 1 })
            .execute();
      }
      await db.schema.alterTable('private_nat_gateways').dropColumn('tags').execute();
    },
  },
};
