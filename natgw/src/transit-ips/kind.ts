import { type SqlBool, sql } from 'kysely';
import type { TransitIpRow } from '../db/schema.js';
import { natError } from '../errors.js';
import { claimMigrations, releaseAddress } from '../network/claims.js';
import { anyId, anyOf } from '../resources/filters.js';
import { type Filter, kind } from '../resources/kind.js';
import { listOf, sent, text } from '../validate.js';
import { bindingMigrations } from './bindings.js';
import { assignTransitIp } from './operations.js';

/** A transit IP address as the pages show it. */
const schema = sent({
  id: text,
  project_id: text,
  network_interface_id: text,
  ip_address: text,
  created_at: { type: 'string', examples: ['2019-04-29T02:16:09'] },
  updated_at: { type: 'string', examples: ['2019-04-29T02:16:09'] },
  virsubnet_id: text,
  tags: listOf(sent({ key: text, value: text })),
  gateway_id: {
    type: 'string',
    description: 'The private NAT gateway whose rules use it; empty until one does.',
  },
  enterprise_project_id: text,
  status: { type: 'string', enum: ['ACTIVE', 'FROZEN'] },
});

/** The list's filters (the page's), each one value or several (repeated keys). */
const filters: Record<string, Filter> = {
  id: anyId(),
  project_id: anyId('tenant_id'),
  network_interface_id: anyId(),
  ip_address: anyOf({ type: 'string', maxLength: 64 }),
  gateway_id: anyId(),
  enterprise_project_id: anyOf({ type: 'string', maxLength: 64 }),
  virsubnet_id: anyId(),
  // A transit subnet is the subnet an address is assigned from: natgw names it by the subnet's id.
  transit_subnet_id: anyId('virsubnet_id'),
  // A transit IP has no description: only an empty one matches.
  description: {
    schema: anyOf().schema,
    where: (_, values: string[]) => (values.includes('') ? sql<SqlBool>`1 = 1` : sql<SqlBool>`1 = 0`),
  },
};

/** Transit IP addresses of private NAT (v3): assigned from a subnet, used by private gateways' rules. */
export const transitIps = kind<TransitIpRow>(
  'transit_ip',
  { one: 'a transit IP address', many: 'transit IP addresses' },
  {
    v3: true,
    path: '/private-nat/transit-ips',
    schema,
    // What of the project's network its rows refer to (a new network document keeps them).
    networkUses: { zhCn: '中转 IP', columns: { virsubnet_id: 'networks' } },
    notFound: { code: 'NAT.1002', values: (id) => ({ 0: 'Transit ip', 1: id }) },
    filters,
    page: {},
    create: assignTransitIp,
    deletion: {
      errors: ['NAT.1409', 'NAT.1005'],
      // Rules of a private gateway that use it hold it (their gateway is its `gateway_id`).
      before: async (_trx, row) => {
        if (row.gateway_id !== '') throw natError('NAT.1409', row.id);
      },
      // Its address is free at once, and its port (`network_interface_id`) is deleted.
      clear: { address_key: null },
      after: async (trx, row, { backends }) => {
        await releaseAddress(trx, row.tenant_id, row.id);
        backends.call('port-delete', row.network_interface_id);
      },
    },
    // Under /v3/{project_id}/transit-ips (not under private-nat/), named by `resource_id`.
    tags: {
      table: 'transit_ip_tags',
      column: 'transit_ip_id',
      forms: ['huaweiTags'],
      path: '/transit-ips',
      param: 'resource_id',
    },
    migrations: {
      ...claimMigrations,
      '004-transit-ips': {
        async up(db) {
          await db.schema
            .createTable('transit_ips')
            .addColumn('id', 'text', (c) => c.primaryKey())
            .addColumn('tenant_id', 'text', (c) => c.notNull())
            .addColumn('virsubnet_id', 'text', (c) => c.notNull())
            .addColumn('ip_address', 'text', (c) => c.notNull())
            .addColumn('network_interface_id', 'text', (c) => c.notNull())
            .addColumn('gateway_id', 'text', (c) => c.notNull())
            .addColumn('enterprise_project_id', 'text', (c) => c.notNull())
            .addColumn('address_key', 'text')
            .addColumn('created_at', 'text', (c) => c.notNull())
            .addColumn('pending', 'text')
            .addColumn('pending_until', 'bigint', (c) => c.notNull())
            .addUniqueConstraint('transit_ips_address_unique', ['tenant_id', 'virsubnet_id', 'address_key'])
            .execute();
          await db.schema
            .createIndex('transit_ips_tenant')
            .on('transit_ips')
            .columns(['tenant_id', 'id'])
            .execute();
          await db.schema
            .createTable('transit_ip_tags')
            .addColumn('transit_ip_id', 'text', (c) => c.notNull().references('transit_ips.id'))
            .addColumn('tenant_id', 'text', (c) => c.notNull())
            .addColumn('key', 'text', (c) => c.notNull())
            .addColumn('value', 'text', (c) => c.notNull())
            .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
            .addPrimaryKeyConstraint('transit_ip_tags_pk', ['transit_ip_id', 'key'])
            .execute();
        },
      },
      ...bindingMigrations,
    },
  },
);
