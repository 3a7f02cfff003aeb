import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { openDatabase } from '../src/db/database.js';
import { kinds } from '../src/resources/kinds.js';
import { kindMigrations } from '../src/resources/registry.js';
import {
  assertError,
  engines,
  freshPostgres,
  missing,
  project,
  startService,
  type TestService,
} from './harness.js';

const gateways = `/v3/${project}/private-nat/gateways`;
const tagged = `/v3/${project}/private-nat-gateways`;
const altProject = '27e25061336f4af590faeabeb7fcd9a3';
/** The numbered subnets of the VPC private NAT serves. */
const served = (n: number) => `b1000100-0000-4000-8000-${String(n).padStart(12, '0')}`;

type User = 'demo' | 'viewer' | 'alt';

for (const engine of engines()) {
  describe(`private NAT gateway tags on ${engine}`, () => {
    let service: TestService;
    before(async () => {
      service = await startService(engine);
    });
    after(() => service.close());

    async function created(name: string, tags?: object[]) {
      const gateway = { name, downlink_vpcs: [{ virsubnet_id: served(7) }], ...(tags ? { tags } : {}) };
      const response = await service.as('demo', { method: 'POST', url: gateways, payload: { gateway } });
      assert.equal(response.statusCode, 201, response.body);
      return response.json().gateway as { id: string; tags: object[] };
    }
    const add = (id: string, tag: object, user: User = 'demo') =>
      service.as(user, { method: 'POST', url: `${tagged}/${id}/tags`, payload: { tag } });
    const batch = (id: string, action: string, tags: object[]) =>
      service.as('demo', { method: 'POST', url: `${tagged}/${id}/tags/action`, payload: { action, tags } });
    const own = async (id: string) => {
      const response = await service.as('demo', { url: `${tagged}/${id}/tags` });
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as { request_id: string; tags: { key: string; value: string }[] };
    };
    const find = (body: object, user: User = 'demo') =>
      service.as(user, { method: 'POST', url: `${tagged}/resource_instances/action`, payload: body });

    test("the tags given on create are the tag pages' tags, and the tag pages' tags are shown and listed", async () => {
      const gateway = await created('tags_on_create', [{ key: 'key1', value: 'value1' }]);
      assert.deepEqual(gateway.tags, [{ key: 'key1', value: 'value1' }]);
      assert.deepEqual((await own(gateway.id)).tags, [{ key: 'key1', value: 'value1' }]);
      assert.equal((await add(gateway.id, { key: 'key2', value: 'value2' })).statusCode, 204);
      const expected = [
        { key: 'key1', value: 'value1' },
        { key: 'key2', value: 'value2' },
      ];
      const shown = await service.as('demo', { url: `${gateways}/${gateway.id}` });
      assert.deepEqual(shown.json().gateway.tags, expected);
      const listed = await service.as('demo', { url: `${gateways}?id=${gateway.id}` });
      assert.deepEqual(listed.json().gateways[0].tags, expected);
    });

    test("adds (a key again replaces its value), batch-edits, deletes and lists as the pages' examples", async () => {
      const gateway = await created('tag_pages');
      assert.equal((await add(gateway.id, { key: 'key1', value: 'value1' })).statusCode, 204);
      assert.equal((await add(gateway.id, { key: 'key1', value: 'other' })).statusCode, 204);
      assert.deepEqual((await own(gateway.id)).tags, [{ key: 'key1', value: 'other' }]);
      const pair = [
        { key: 'key1', value: 'value1' },
        { key: 'key2', value: 'value2' },
      ];
      assert.equal((await batch(gateway.id, 'create', pair)).statusCode, 204);
      const listed = await own(gateway.id);
      assert.deepEqual(Object.keys(listed).sort(), ['request_id', 'tags']);
      assert.deepEqual(listed.tags, pair);
      // Deleting tags it lacks is no error; a key twice in one batch is.
      assert.equal(
        (await batch(gateway.id, 'delete', [...pair, { key: 'none', value: '' }])).statusCode,
        204,
      );
      assert.deepEqual((await own(gateway.id)).tags, []);
      assertError(
        await batch(gateway.id, 'create', [
          { key: 'k', value: '1' },
          { key: 'k', value: '2' },
        ]),
        400,
        'NAT.1015',
      );
      assert.equal((await add(gateway.id, { key: 'key3', value: 'value3' })).statusCode, 204);
      const removed = await service.as('demo', {
        method: 'DELETE',
        url: `${tagged}/${gateway.id}/tags/key3`,
      });
      assert.equal(removed.statusCode, 204);
      const again = await service.as('demo', { method: 'DELETE', url: `${tagged}/${gateway.id}/tags/key3` });
      assertError(again, 404, 'NAT.1002');
    });

    test('v3 limits: keys of 128 and values of 255 characters, any of them; 20 tags, NAT.1016 past them', async () => {
      const gateway = await created('tag_limits');
      assert.equal(
        (await add(gateway.id, { key: 'a=b/c'.padEnd(128, 'k'), value: '值'.repeat(255) })).statusCode,
        204,
      );
      assertError(await add(gateway.id, { key: 'k'.repeat(129), value: '' }), 400, 'NAT.1015');
      assertError(await add(gateway.id, { key: 'k', value: 'v'.repeat(256) }), 400, 'NAT.1015');
      assertError(await add(gateway.id, { key: ' ', value: 'v' }), 400, 'NAT.1015');
      const nineteen = Array.from({ length: 19 }, (_, n) => ({ key: `k${n}`, value: '' }));
      assert.equal((await batch(gateway.id, 'create', nineteen)).statusCode, 204);
      const over = await add(gateway.id, { key: 'one-more', value: '' });
      assertError(over, 400, 'NAT.1016');
      assert.equal(over.json().error.message, 'The number of tags exceeds the limit 20.');
      assert.equal((await own(gateway.id)).tags.length, 20);
    });

    test("the project's tags, and its gateways by tag (filter and count), with request_id", async () => {
      const first = await created('by_tag_first', [{ key: 'team', value: 'blue' }]);
      const second = await created('by_tag_second', [
        { key: 'team', value: 'red' },
        { key: 'env', value: 'prod' },
      ]);
      const all = await service.as('demo', { url: `${tagged}/tags` });
      assert.equal(all.statusCode, 200);
      assert.equal(typeof all.json().request_id, 'string');
      assert.deepEqual(
        all.json().tags.find((tag: { key: string }) => tag.key === 'team'),
        { key: 'team', values: ['blue', 'red'] },
      );
      const found = await find({
        action: 'filter',
        tags: [{ key: 'team', values: ['red', 'green'] }],
        matches: [{ key: 'resource_name', value: 'BY_TAG' }],
      });
      assert.equal(found.statusCode, 200, found.body);
      assert.equal(typeof found.json().request_id, 'string');
      assert.equal(found.json().total_count, 1);
      assert.deepEqual(found.json().resources, [
        {
          resource_id: second.id,
          resource_detail: {},
          tags: [
            { key: 'env', value: 'prod' },
            { key: 'team', value: 'red' },
          ],
          resource_name: 'by_tag_second',
        },
      ]);
      const counted = await find(
        { action: 'count', tags_any: [{ key: 'team', values: ['blue'] }] },
        'viewer',
      );
      assert.equal(counted.statusCode, 200, counted.body);
      assert.deepEqual(Object.keys(counted.json()).sort(), ['request_id', 'total_count']);
      assert.equal(counted.json().total_count, 1);
      const none = await find({ action: 'filter', not_tags_any: [{ key: 'team', values: [] }] });
      assert.ok(
        !none
          .json()
          .resources.some((resource: { resource_id: string }) =>
            [first.id, second.id].includes(resource.resource_id),
          ),
      );
    });

    test("another project's, an unknown or a deleted gateway: NAT.1002; another project in the path VPC.0007", async () => {
      const gateway = await created('tag_isolation', [{ key: 'key1', value: 'value1' }]);
      assertError(
        await service.as('alt', { url: `/v3/${altProject}/private-nat-gateways/${gateway.id}/tags` }),
        404,
        'NAT.1002',
      );
      assertError(
        await service.as('alt', {
          method: 'POST',
          url: `/v3/${altProject}/private-nat-gateways/${gateway.id}/tags`,
          payload: { tag: { key: 'k', value: 'v' } },
        }),
        404,
        'NAT.1002',
      );
      const theirs = await service.as('alt', { url: `/v3/${altProject}/private-nat-gateways/tags` });
      assert.equal(theirs.statusCode, 200);
      assert.ok(!theirs.json().tags.some((tag: { key: string }) => tag.key === 'key1'));
      assertError(await service.as('alt', { url: `${tagged}/${gateway.id}/tags` }), 400, 'VPC.0007');
      const unknown = await add(missing, { key: 'k', value: 'v' });
      assertError(unknown, 404, 'NAT.1002');
      assert.equal(unknown.json().error.message, `Private nat gateway ${missing} could not be found.`);
      assert.equal(
        (await service.as('demo', { method: 'DELETE', url: `${gateways}/${gateway.id}` })).statusCode,
        204,
      );
      assertError(await service.as('demo', { url: `${tagged}/${gateway.id}/tags` }), 404, 'NAT.1002');
    });

    test('read-only users read the tags and get 403 VPC.2701 on every write; zh-CN messages', async () => {
      const gateway = await created('tag_roles', [{ key: 'key1', value: 'value1' }]);
      assert.equal((await service.as('viewer', { url: `${tagged}/${gateway.id}/tags` })).statusCode, 200);
      assertError(await add(gateway.id, { key: 'k', value: 'v' }, 'viewer'), 403, 'VPC.2701');
      for (const request of [
        {
          method: 'POST' as const,
          url: `${tagged}/${gateway.id}/tags/action`,
          payload: { action: 'delete', tags: [{ key: 'key1', value: 'value1' }] },
        },
        { method: 'DELETE' as const, url: `${tagged}/${gateway.id}/tags/key1` },
      ])
        assertError(await service.as('viewer', request), 403, 'VPC.2701');
      const chinese = await service.as('demo', {
        method: 'DELETE',
        url: `${tagged}/${gateway.id}/tags/none`,
        headers: { 'accept-language': 'zh-CN' },
      });
      assertError(chinese, 404, 'NAT.1002');
      assert.match(chinese.json().error.message, /[\u4e00-\u9fff]/);
    });
  });

  describe(`the tags of private NAT gateways made before the tag table, on ${engine}`, () => {
    test('move from their rows to the tag pages, in their order', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'natgw-tags-migration-'));
      const postgres = engine === 'postgres' ? await freshPostgres() : undefined;
      const location = postgres ? { databaseUrl: postgres.url } : { sqliteFile: join(dir, 'natgw.sqlite') };
      try {
        const all = kindMigrations(kinds);
        const earlier = Object.fromEntries(
          Object.entries(all).filter(([name]) => name < '011-private-nat-gateway-tags'),
        );
        const old = await openDatabase({
          sqliteFile: join(dir, 'natgw.sqlite'),
          ...location,
          migrations: earlier,
        });
        const id = '3320166e-b937-40cc-a35c-02cd3f2b3ee2';
        const stamp = '2026-01-02 03:04:05.000000';
        await (old.db as unknown as Kysely<{ private_nat_gateways: Record<string, unknown> }>)
          .insertInto('private_nat_gateways')
          .values({
            id,
            tenant_id: project,
            name: 'before',
            description: '',
            spec: 'Small',
            vpc_id: '3cb66d44-9f75-4237-bfff-e37b14d23ad2',
            virsubnet_id: '373979ee-f4f0-46c5-80e3-0fbf72646b70',
            ngport_ip_address: '192.168.10.190',
            ngport_key: '373979ee-f4f0-46c5-80e3-0fbf72646b70/192.168.10.190',
            enterprise_project_id: '0',
            tags: JSON.stringify([
              { key: 'zeta', value: '1' },
              { key: 'alpha', value: '2' },
            ]),
            created_at: stamp,
            updated_at: stamp,
            pending: null,
            pending_until: 0,
          })
          .execute();
        await old.close();
        const service = await startService(engine, location);
        try {
          const moved = [
            { key: 'zeta', value: '1' },
            { key: 'alpha', value: '2' },
          ];
          assert.deepEqual((await service.as('demo', { url: `${tagged}/${id}/tags` })).json().tags, moved);
          assert.deepEqual(
            (await service.as('demo', { url: `${gateways}/${id}` })).json().gateway.tags,
            moved,
          );
        } finally {
          await service.close();
        }
      } finally {
        await postgres?.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
