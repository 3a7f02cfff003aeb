import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import {
  assertError,
  createGateway,
  engines,
  // The demo project's id: the id the tag pages' examples use.
  project,
  startService,
  type TestService,
} from './harness.js';

/** The alt project's id in the default config. */
const altProject = '27e25061336f4af590faeabeb7fcd9a3';
const missingGateway = 'fe1a4cf0-27fe-4b97-a9b1-2c67c127f0e0';

const tagsOf = (gateway: string, inProject = project) => `/v2.0/${inProject}/nat_gateways/${gateway}/tags`;
const projectTags = (inProject = project) => `/v2.0/${inProject}/nat_gateways/tags`;
const resourceInstances = (inProject = project) =>
  `/v2.0/${inProject}/nat_gateways/resource_instances/action`;

function errorCode(response: LightMyRequestResponse): string {
  return response.json().error.code;
}

function assertNoContent(response: LightMyRequestResponse) {
  assert.equal(response.statusCode, 204, response.body);
  assert.equal(response.body, '');
}

async function addTag(service: TestService, gateway: string, key: string, value: string) {
  return service.as('demo', { method: 'POST', url: tagsOf(gateway), payload: { tag: { key, value } } });
}

async function batch(service: TestService, gateway: string, action: string, tags: unknown[]) {
  return service.as('demo', { method: 'POST', url: `${tagsOf(gateway)}/action`, payload: { action, tags } });
}

async function listTags(service: TestService, gateway: string): Promise<{ key: string; value: string }[]> {
  const response = await service.as('demo', { method: 'GET', url: tagsOf(gateway) });
  assert.equal(response.statusCode, 200, response.body);
  return response.json().tags;
}

async function tagged(service: TestService, tags: Record<string, string>, name?: string) {
  const gateway = await createGateway(service, name);
  if (Object.keys(tags).length > 0) {
    const response = await batch(
      service,
      gateway,
      'create',
      Object.entries(tags).map(([key, value]) => ({ key, value })),
    );
    assertNoContent(response);
  }
  return gateway;
}

async function filter(service: TestService, body: Record<string, unknown>, user: 'demo' | 'alt' = 'demo') {
  const response = await service.as(user, {
    method: 'POST',
    url: resourceInstances(user === 'alt' ? altProject : project),
    payload: { action: 'filter', ...body },
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as {
    resources: { resource_id: string; resource_name: string; resource_detail: unknown; tags: unknown[] }[];
    total_count: number;
  };
}

/** The ids `filter` selects, as a sorted list. */
async function selected(service: TestService, body: Record<string, unknown>) {
  const { resources } = await filter(service, body);
  return resources.map((resource) => resource.resource_id).sort();
}

const sorted = (...ids: string[]) => [...ids].sort();

for (const engine of engines()) {
  describe(`NAT gateway tags on ${engine}`, { timeout: 60_000 }, () => {
    let service: TestService;
    before(async () => {
      service = await startService(engine);
    });
    after(async () => {
      await service.close();
    });

    test("adding the page's example tag answers 204 with no body, and the gateway's tags list it", async () => {
      const gateway = await createGateway(service);
      const response = await service.as('demo', {
        method: 'POST',
        url: `/v2.0/9ad601814ac94c80bf7bb9073ded66fc/nat_gateways/${gateway}/tags`,
        payload: { tag: { key: 'key1', value: 'value1' } },
      });
      assertNoContent(response);
      const list = await service.as('demo', {
        method: 'GET',
        url: `/v2.0/9ad601814ac94c80bf7bb9073ded66fc/nat_gateways/${gateway}/tags`,
      });
      assert.equal(list.statusCode, 200);
      assert.deepEqual(list.json(), { tags: [{ key: 'key1', value: 'value1' }] });
    });

    test("querying a gateway's tags answers the page's example body, oldest tag first", async () => {
      const gateway = await createGateway(service);
      assertNoContent(await addTag(service, gateway, 'key1', 'value1'));
      assertNoContent(await addTag(service, gateway, 'key2', 'value2'));
      const response = await service.as('demo', { method: 'GET', url: tagsOf(gateway) });
      assert.deepEqual(response.json(), {
        tags: [
          { key: 'key1', value: 'value1' },
          { key: 'key2', value: 'value2' },
        ],
      });
    });

    test('a gateway without tags lists an empty array', async () => {
      const gateway = await createGateway(service);
      assert.deepEqual(await listTags(service, gateway), []);
    });

    test("adding a tag with an existing key replaces that tag's value", async () => {
      const gateway = await createGateway(service);
      assertNoContent(await addTag(service, gateway, 'key1', 'value1'));
      assertNoContent(await addTag(service, gateway, 'key1', 'value2'));
      assert.deepEqual(await listTags(service, gateway), [{ key: 'key1', value: 'value2' }]);
    });

    test('a tag may have an empty value, a 36-character key and a 43-character value', async () => {
      const gateway = await createGateway(service);
      assertNoContent(await addTag(service, gateway, 'empty', ''));
      // Unicode characters, not bytes or UTF-16 units, are counted.
      assertNoContent(await addTag(service, gateway, `${'键'.repeat(35)}😀`, `${'值'.repeat(42)}😀`));
      assert.deepEqual(await listTags(service, gateway), [
        { key: 'empty', value: '' },
        { key: `${'键'.repeat(35)}😀`, value: `${'值'.repeat(42)}😀` },
      ]);
    });

    test('an illegal tag is refused with 400 NAT.1015 and not stored', async () => {
      const gateway = await createGateway(service);
      const illegal: { key?: string; value?: string }[] = [
        { key: '', value: 'v' },
        { key: '   ', value: 'v' },
        { key: 'k'.repeat(37), value: 'v' },
        { key: 'k', value: 'v'.repeat(44) },
        { key: 'k\u0001', value: 'v' },
        { key: 'k', value: 'v\n' },
        { key: 'k' },
        { value: 'v' },
        ...[...'=*<>\\,|/'].flatMap((character) => [
          { key: `k${character}`, value: 'v' },
          { key: 'k', value: `v${character}` },
        ]),
      ];
      for (const tag of illegal) {
        const response = await service.as('demo', { method: 'POST', url: tagsOf(gateway), payload: { tag } });
        assertError(response, 400, 'NAT.1015');
        assert.equal(response.json().error.message, 'Tags parameter is illegal.');
      }
      assert.deepEqual(await listTags(service, gateway), []);
    });

    test('a body without tag is a 400 schema error', async () => {
      const gateway = await createGateway(service);
      assertError(
        await service.as('demo', { method: 'POST', url: tagsOf(gateway), payload: { key: 'k', value: 'v' } }),
        400,
        'NAT.0002',
      );
    });

    test('a gateway takes 20 tags; the 21st is refused with 400 NAT.1016, a replacement is not', async () => {
      const gateway = await createGateway(service);
      for (let index = 0; index < 20; index++)
        assertNoContent(await addTag(service, gateway, `k${index}`, 'v'));
      const over = await addTag(service, gateway, 'k20', 'v');
      assertError(over, 400, 'NAT.1016');
      assert.equal(over.json().error.message, 'The number of tags exceeds the limit 20.');
      assertNoContent(await addTag(service, gateway, 'k7', 'replaced'));
      const tags = await listTags(service, gateway);
      assert.equal(tags.length, 20);
      assert.equal(tags.find((tag) => tag.key === 'k7')?.value, 'replaced');
      assert.equal(
        tags.some((tag) => tag.key === 'k20'),
        false,
      );
    });

    test('20 concurrent adds of different keys to a gateway with 10 tags leave exactly 20', async () => {
      const gateway = await createGateway(service);
      for (let index = 0; index < 10; index++)
        assertNoContent(await addTag(service, gateway, `old${index}`, 'v'));
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, index) => addTag(service, gateway, `new${index}`, 'v')),
      );
      const added = responses.filter((response) => response.statusCode === 204).length;
      const refused = responses.filter(
        (response) => response.statusCode === 400 && errorCode(response) === 'NAT.1016',
      ).length;
      assert.equal(added, 10);
      assert.equal(refused, 10);
      assert.equal((await listTags(service, gateway)).length, 20);
    });

    test('tags of an unknown gateway are 404 NAT.0105, and of a malformed id 404 NAT.0021', async () => {
      assertError(await addTag(service, missingGateway, 'key1', 'value1'), 404, 'NAT.0105');
      assertError(await service.as('demo', { method: 'GET', url: tagsOf(missingGateway) }), 404, 'NAT.0105');
      assertError(
        await service.as('demo', { method: 'DELETE', url: `${tagsOf(missingGateway)}/key1` }),
        404,
        'NAT.0105',
      );
      assertError(
        await batch(service, missingGateway, 'create', [{ key: 'k', value: 'v' }]),
        404,
        'NAT.0105',
      );
      assertError(await addTag(service, 'not-a-uuid', 'key1', 'value1'), 404, 'NAT.0021');
    });

    test("deleting the page's example tag answers 204 with no body, and the tag is gone", async () => {
      const gateway = await createGateway(service);
      assertNoContent(await addTag(service, gateway, 'key1', 'value1'));
      assertNoContent(await addTag(service, gateway, 'key2', 'value2'));
      const response = await service.as('demo', {
        method: 'DELETE',
        url: `/v2.0/9ad601814ac94c80bf7bb9073ded66fc/nat_gateways/${gateway}/tags/key1`,
      });
      assertNoContent(response);
      assert.deepEqual(await listTags(service, gateway), [{ key: 'key2', value: 'value2' }]);
    });

    test('deleting a key the gateway does not have is 404 NAT.1002', async () => {
      const gateway = await createGateway(service);
      assertNoContent(await addTag(service, gateway, 'key1', 'value1'));
      const response = await service.as('demo', { method: 'DELETE', url: `${tagsOf(gateway)}/key2` });
      assertError(response, 404, 'NAT.1002');
      assert.equal(response.json().error.message, 'Tag key2 could not be found.');
      assert.deepEqual(await listTags(service, gateway), [{ key: 'key1', value: 'value1' }]);
    });

    test('deleting an empty or blank key is 400 NAT.1015', async () => {
      const gateway = await tagged(service, { key1: 'value1' });
      for (const key of ['', '%20%20']) {
        assertError(
          await service.as('demo', { method: 'DELETE', url: `${tagsOf(gateway)}/${key}` }),
          400,
          'NAT.1015',
        );
      }
      assert.deepEqual(await listTags(service, gateway), [{ key: 'key1', value: 'value1' }]);
    });

    test('a key with non-ASCII characters is deleted by its percent-encoded form', async () => {
      const gateway = await createGateway(service);
      assertNoContent(await addTag(service, gateway, '环境 a', 'prod'));
      assertNoContent(
        await service.as('demo', {
          method: 'DELETE',
          url: `${tagsOf(gateway)}/${encodeURIComponent('环境 a')}`,
        }),
      );
      assert.deepEqual(await listTags(service, gateway), []);
    });

    test("the batch page's create example adds both tags with 204", async () => {
      const gateway = await createGateway(service);
      const response = await service.as('demo', {
        method: 'POST',
        url: `/v2.0/9ad601814ac94c80bf7bb9073ded66fc/nat_gateways/${gateway}/tags/action`,
        payload: {
          action: 'create',
          tags: [
            { key: 'key1', value: 'value1' },
            { key: 'key2', value: 'value2' },
          ],
        },
      });
      assertNoContent(response);
      assert.deepEqual(await listTags(service, gateway), [
        { key: 'key1', value: 'value1' },
        { key: 'key2', value: 'value2' },
      ]);
    });

    test("the batch page's delete example deletes tags by key and value, keeping a tag whose value differs", async () => {
      const gateway = await tagged(service, { key1: 'value1', key2: 'other', key3: 'value3' });
      // The page's example misses a closing quote after value1; this is the body it means.
      const response = await service.as('demo', {
        method: 'POST',
        url: `/v2.0/9ad601814ac94c80bf7bb9073ded66fc/nat_gateways/${gateway}/tags/action`,
        payload: {
          action: 'delete',
          tags: [
            { key: 'key1', value: 'value1' },
            { key: 'key2', value: 'value2' },
          ],
        },
      });
      assertNoContent(response);
      assert.deepEqual(await listTags(service, gateway), [
        { key: 'key2', value: 'other' },
        { key: 'key3', value: 'value3' },
      ]);
    });

    test('a batch delete without a value deletes by key, and missing tags are no error', async () => {
      const gateway = await tagged(service, { key1: 'value1', key2: 'value2' });
      assertNoContent(
        await batch(service, gateway, 'delete', [{ key: 'key1' }, { key: 'absent', value: 'x' }]),
      );
      assert.deepEqual(await listTags(service, gateway), [{ key: 'key2', value: 'value2' }]);
    });

    test("a batch delete does not check the tags' characters but refuses an empty or over-long key", async () => {
      const gateway = await tagged(service, { key1: 'value1' });
      assertNoContent(await batch(service, gateway, 'delete', [{ key: 'a*b=c', value: '<x>' }]));
      assertNoContent(
        await batch(service, gateway, 'delete', [{ key: 'k'.repeat(127), value: 'v'.repeat(255) }]),
      );
      assertError(await batch(service, gateway, 'delete', [{ key: '' }]), 400, 'NAT.1015');
      assertError(await batch(service, gateway, 'delete', [{ key: 'k'.repeat(128) }]), 400, 'NAT.1015');
      assertError(
        await batch(service, gateway, 'delete', [{ key: 'k', value: 'v'.repeat(256) }]),
        400,
        'NAT.1015',
      );
      assert.deepEqual(await listTags(service, gateway), [{ key: 'key1', value: 'value1' }]);
    });

    test('a batch create replaces existing keys, and counts them once toward the limit', async () => {
      const gateway = await createGateway(service);
      assertNoContent(
        await batch(
          service,
          gateway,
          'create',
          Array.from({ length: 18 }, (_, index) => ({ key: `k${index}`, value: 'v' })),
        ),
      );
      assertNoContent(
        await batch(service, gateway, 'create', [
          { key: 'k0', value: 'new' },
          { key: 'k1', value: 'new' },
          { key: 'n0', value: 'v' },
          { key: 'n1', value: 'v' },
        ]),
      );
      const tags = await listTags(service, gateway);
      assert.equal(tags.length, 20);
      assert.equal(tags.find((tag) => tag.key === 'k0')?.value, 'new');
    });

    test('a batch create past the limit is 400 NAT.1016 and adds or replaces nothing', async () => {
      const gateway = await tagged(
        service,
        Object.fromEntries(Array.from({ length: 19 }, (_, index) => [`k${index}`, 'v'])),
      );
      const response = await batch(service, gateway, 'create', [
        { key: 'k0', value: 'changed' },
        { key: 'n0', value: 'v' },
        { key: 'n1', value: 'v' },
      ]);
      assertError(response, 400, 'NAT.1016');
      const tags = await listTags(service, gateway);
      assert.equal(tags.length, 19);
      assert.equal(tags.find((tag) => tag.key === 'k0')?.value, 'v');
    });

    test('a batch create with a duplicate key or an illegal tag is 400 NAT.1015 and adds nothing', async () => {
      const gateway = await createGateway(service);
      assertError(
        await batch(service, gateway, 'create', [
          { key: 'key1', value: 'value1' },
          { key: 'key1', value: 'value2' },
        ]),
        400,
        'NAT.1015',
      );
      assertError(
        await batch(service, gateway, 'create', [
          { key: 'key1', value: 'value1' },
          { key: 'key|2', value: 'value2' },
        ]),
        400,
        'NAT.1015',
      );
      assertError(await batch(service, gateway, 'create', [{ key: 'key1' }]), 400, 'NAT.1015');
      assertError(await batch(service, gateway, 'create', []), 400, 'NAT.1015');
      assert.deepEqual(await listTags(service, gateway), []);
    });

    test('a batch with an unknown action or without tags is a 400 schema error', async () => {
      const gateway = await createGateway(service);
      assertError(await batch(service, gateway, 'update', [{ key: 'k', value: 'v' }]), 400, 'NAT.0002');
      assertError(
        await service.as('demo', {
          method: 'POST',
          url: `${tagsOf(gateway)}/action`,
          payload: { action: 'create' },
        }),
        400,
        'NAT.0002',
      );
    });

    test("a project id in the URL other than the token's is 400 VPC.0007 on every operation, changing nothing", async () => {
      const gateway = await tagged(service, { key1: 'value1' });
      const requests = [
        { method: 'POST', url: tagsOf(gateway, altProject), payload: { tag: { key: 'x', value: 'y' } } },
        { method: 'DELETE', url: `${tagsOf(gateway, altProject)}/key1` },
        { method: 'GET', url: tagsOf(gateway, altProject) },
        {
          method: 'POST',
          url: `${tagsOf(gateway, altProject)}/action`,
          payload: { action: 'delete', tags: [{ key: 'key1' }] },
        },
        { method: 'GET', url: projectTags(altProject) },
        { method: 'POST', url: resourceInstances(altProject), payload: { action: 'count' } },
        // A project that does not exist at all, and a body that would fail validation.
        { method: 'GET', url: projectTags('0123456789abcdef0123456789abcdef') },
        { method: 'POST', url: tagsOf(gateway, altProject), payload: { nonsense: true } },
      ] as const;
      for (const request of requests) {
        const response = await service.as('demo', request);
        assertError(response, 400, 'VPC.0007');
        assert.equal(response.json().error.message, 'urlTenantId is not equal tokenTenantId');
      }
      assert.deepEqual(await listTags(service, gateway), [{ key: 'key1', value: 'value1' }]);
    });

    test("another project neither sees nor changes a gateway's tags", async () => {
      const gateway = await tagged(service, { secret: 'value' });
      const asAlt = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: Record<string, unknown>) =>
        service.as('alt', { method, url, ...(payload === undefined ? {} : { payload }) });
      assertError(await asAlt('GET', tagsOf(gateway, altProject)), 404, 'NAT.0105');
      assertError(
        await asAlt('POST', tagsOf(gateway, altProject), { tag: { key: 'x', value: 'y' } }),
        404,
        'NAT.0105',
      );
      assertError(await asAlt('DELETE', `${tagsOf(gateway, altProject)}/secret`), 404, 'NAT.0105');
      assertError(
        await asAlt('POST', `${tagsOf(gateway, altProject)}/action`, {
          action: 'delete',
          tags: [{ key: 'secret' }],
        }),
        404,
        'NAT.0105',
      );
      const tags = await asAlt('GET', projectTags(altProject));
      assert.deepEqual(tags.json(), { tags: [] });
      assert.deepEqual(await filter(service, {}, 'alt'), { resources: [], total_count: 0 });
      // Through the alt user's own URL, with demo's project id: refused before anything is looked up.
      assertError(await asAlt('GET', tagsOf(gateway)), 400, 'VPC.0007');
      assert.deepEqual(await listTags(service, gateway), [{ key: 'secret', value: 'value' }]);
    });

    test('a read-only user may read tags but gets 403 on every write', async () => {
      const gateway = await tagged(service, { key1: 'value1' });
      const writes = [
        { method: 'POST', url: tagsOf(gateway), payload: { tag: { key: 'x', value: 'y' } } },
        { method: 'DELETE', url: `${tagsOf(gateway)}/key1` },
        {
          method: 'POST',
          url: `${tagsOf(gateway)}/action`,
          payload: { action: 'create', tags: [{ key: 'x', value: 'y' }] },
        },
        {
          method: 'POST',
          url: `${tagsOf(gateway)}/action`,
          payload: { action: 'delete', tags: [{ key: 'key1' }] },
        },
      ] as const;
      for (const request of writes) assertError(await service.as('viewer', request), 403, 'VPC.2701');
      const read = await service.as('viewer', { method: 'GET', url: tagsOf(gateway) });
      assert.equal(read.statusCode, 200);
      assert.deepEqual(read.json(), { tags: [{ key: 'key1', value: 'value1' }] });
      assert.equal((await service.as('viewer', { method: 'GET', url: projectTags() })).statusCode, 200);
    });

    test('a request without a token is 401', async () => {
      const gateway = await createGateway(service);
      const response = await service.app.inject({ method: 'GET', url: tagsOf(gateway) });
      assert.equal(response.statusCode, 401);
    });

    test('a deleted gateway has no tags to list, and its tags leave the project', async () => {
      const gateway = await tagged(service, { gone_key: 'gone_value' });
      const deleted = await service.as('demo', { method: 'DELETE', url: `/v2.0/nat_gateways/${gateway}` });
      assertNoContent(deleted);
      assertError(await service.as('demo', { method: 'GET', url: tagsOf(gateway) }), 404, 'NAT.0105');
      assertError(await addTag(service, gateway, 'k', 'v'), 404, 'NAT.0105');
      const all = await service.as('demo', { method: 'GET', url: projectTags() });
      assert.equal(
        all.json().tags.some((tag: { key: string }) => tag.key === 'gone_key'),
        false,
      );
    });
  });

  describe(`NAT gateway tags of a gateway being deleted on ${engine}`, { timeout: 30_000 }, () => {
    test('a gateway in PENDING_DELETE takes no tag changes (400 NAT.0103) but still lists its tags', async () => {
      const service = await startService(engine, { provisioningDelayMs: 2_000 });
      try {
        const gateway = await createGateway(service);
        // PENDING_CREATE takes tags.
        assertNoContent(await addTag(service, gateway, 'key1', 'value1'));
        await sleep(2_100);
        assertNoContent(await service.as('demo', { method: 'DELETE', url: `/v2.0/nat_gateways/${gateway}` }));
        assertError(await addTag(service, gateway, 'key2', 'value2'), 400, 'NAT.0103');
        assertError(await batch(service, gateway, 'delete', [{ key: 'key1' }]), 400, 'NAT.0103');
        assert.deepEqual(await listTags(service, gateway), [{ key: 'key1', value: 'value1' }]);
      } finally {
        await service.close();
      }
    });
  });

  describe(`NAT gateway tags of a project on ${engine}`, { timeout: 60_000 }, () => {
    let service: TestService;
    before(async () => {
      service = await startService(engine);
    });
    after(async () => {
      await service.close();
    });

    test("querying the project's tags answers the page's example: each key with its values", async () => {
      await tagged(service, { key1: 'value1', key2: 'value3' });
      await tagged(service, { key1: 'value2', key2: 'value4' });
      await tagged(service, { key1: 'value1' });
      await tagged(service, {});
      const response = await service.as('demo', {
        method: 'GET',
        url: '/v2.0/9ad601814ac94c80bf7bb9073ded66fc/nat_gateways/tags',
      });
      assert.equal(response.statusCode, 200);
      assert.deepEqual(response.json(), {
        tags: [
          { key: 'key1', values: ['value1', 'value2'] },
          { key: 'key2', values: ['value3', 'value4'] },
        ],
      });
    });
  });

  describe(`NAT gateways by tag on ${engine}`, { timeout: 60_000 }, () => {
    let service: TestService;
    // a: env=prod, tier=web     b: env=dev, tier=web     c: env=prod, owner=alice     d: no tags
    const ids = { a: '', b: '', c: '', d: '' };
    before(async () => {
      service = await startService(engine);
      // Created in this order a few milliseconds apart, so that newest first is d, c, b, a.
      ids.a = await tagged(service, { env: 'prod', tier: 'web' }, 'nat_alpha');
      await sleep(5);
      ids.b = await tagged(service, { env: 'dev', tier: 'web' }, 'nat_Beta');
      await sleep(5);
      ids.c = await tagged(service, { env: 'production', owner: 'alice' }, 'nat_gamma');
      await sleep(5);
      ids.d = await tagged(service, {}, 'other_delta');
    });
    after(async () => {
      await service.close();
    });

    test("the page's filter example, limit and offset as strings, finds the matching gateway", async () => {
      const gateway = await tagged(
        service,
        { key2: 'value4', key3: 'xvalue5x', key4: 'value9', key1: 'value0' },
        'nat_gateways_page',
      );
      const body = {
        offset: '100',
        limit: '100',
        action: 'filter',
        matches: [{ key: 'resource_name', value: 'nat_gateways' }],
        not_tags: [{ key: 'key1', values: ['*value1', 'value2'] }],
        tags: [{ key: 'key2', values: ['*value3', 'value4'] }],
        tags_any: [{ key: 'key3', values: ['*value5', 'value6'] }],
        not_tags_any: [{ key: 'key4', values: ['*value7', 'value8'] }],
      };
      const response = await service.as('demo', {
        method: 'POST',
        url: '/v2.0/9ad601814ac94c80bf7bb9073ded66fc/nat_gateways/resource_instances/action',
        payload: body,
      });
      assert.equal(response.statusCode, 200, response.body);
      // One gateway matches; offset 100 skips past it.
      assert.deepEqual(response.json(), { resources: [], total_count: 1 });
      const first = await filter(service, { ...body, offset: '0' });
      assert.deepEqual(first, {
        resources: [
          {
            resource_id: gateway,
            resource_detail: {},
            // Newest tag first.
            tags: [
              { key: 'key1', value: 'value0' },
              { key: 'key4', value: 'value9' },
              { key: 'key3', value: 'xvalue5x' },
              { key: 'key2', value: 'value4' },
            ],
            resource_name: 'nat_gateways_page',
          },
        ],
        total_count: 1,
      });
      // The page's count example counts the same gateway, and answers total_count alone.
      const { offset: _offset, limit: _limit, ...countBody } = body;
      const count = await service.as('demo', {
        method: 'POST',
        url: '/v2.0/9ad601814ac94c80bf7bb9073ded66fc/nat_gateways/resource_instances/action',
        payload: { ...countBody, action: 'count' },
      });
      assert.equal(count.statusCode, 200);
      assert.deepEqual(count.json(), { total_count: 1 });
      // Tag the gateway with a value that not_tags excludes: it is no longer found.
      assertNoContent(await addTag(service, gateway, 'key1', 'a_value1_b'));
      assert.deepEqual((await filter(service, { ...body, offset: '0' })).total_count, 0);
      assert.deepEqual(
        (await service.as('demo', { method: 'DELETE', url: `${tagsOf(gateway)}/key1` })).statusCode,
        204,
      );
    });

    test('without criteria every gateway of the project is found, newest first, untagged ones with no tags', async () => {
      const result = await filter(service, {});
      const ours = result.resources.filter((resource) => Object.values(ids).includes(resource.resource_id));
      assert.deepEqual(
        ours.map((resource) => resource.resource_id),
        [ids.d, ids.c, ids.b, ids.a],
      );
      const delta = ours[0];
      assert.deepEqual(delta, {
        resource_id: ids.d,
        resource_detail: {},
        tags: [],
        resource_name: 'other_delta',
      });
    });

    test('tags: different keys must all match, values of one key are alternatives', async () => {
      assert.deepEqual(
        await selected(service, { tags: [{ key: 'tier', values: ['web'] }] }),
        sorted(ids.a, ids.b),
      );
      assert.deepEqual(
        await selected(service, {
          tags: [
            { key: 'tier', values: ['web'] },
            { key: 'env', values: ['prod'] },
          ],
        }),
        [ids.a],
      );
      assert.deepEqual(
        await selected(service, { tags: [{ key: 'env', values: ['prod', 'dev'] }] }),
        sorted(ids.a, ids.b),
      );
      assert.deepEqual(await selected(service, { tags: [{ key: 'env', values: ['staging'] }] }), []);
    });

    test('tags with no values, or null values, match any value of the key', async () => {
      assert.deepEqual(
        await selected(service, { tags: [{ key: 'env', values: [] }] }),
        sorted(ids.a, ids.b, ids.c),
      );
      assert.deepEqual(await selected(service, { tags: [{ key: 'owner', values: null }] }), [ids.c]);
    });

    test('a value starting with * matches the values containing the rest', async () => {
      assert.deepEqual(
        await selected(service, { tags: [{ key: 'env', values: ['*prod'] }] }),
        sorted(ids.a, ids.c),
      );
      assert.deepEqual(await selected(service, { tags: [{ key: 'env', values: ['*duct'] }] }), [ids.c]);
      // Without the asterisk the value must be equal.
      assert.deepEqual(await selected(service, { tags: [{ key: 'env', values: ['duct'] }] }), []);
      // The match is on the value only, and case-sensitive.
      assert.deepEqual(await selected(service, { tags: [{ key: 'env', values: ['*PROD'] }] }), []);
    });

    test('tags_any: a gateway matching any one of the keys is found', async () => {
      assert.deepEqual(
        await selected(service, {
          tags_any: [
            { key: 'owner', values: ['alice'] },
            { key: 'env', values: ['dev'] },
          ],
        }),
        sorted(ids.b, ids.c),
      );
    });

    test('not_tags: gateways matching all of the keys are left out', async () => {
      const all = await selected(service, {});
      assert.deepEqual(
        await selected(service, {
          not_tags: [
            { key: 'env', values: ['prod'] },
            { key: 'tier', values: ['web'] },
          ],
        }),
        all.filter((id) => id !== ids.a),
      );
      assert.deepEqual(
        await selected(service, { not_tags: [{ key: 'tier', values: [] }] }),
        all.filter((id) => id !== ids.a && id !== ids.b),
      );
    });

    test('not_tags_any: gateways matching any one of the keys are left out', async () => {
      const all = await selected(service, {});
      assert.deepEqual(
        await selected(service, {
          not_tags_any: [
            { key: 'env', values: ['prod'] },
            { key: 'owner', values: ['*ali'] },
          ],
        }),
        all.filter((id) => id !== ids.a && id !== ids.c),
      );
    });

    test('criteria combine: tags, tags_any, not_tags and not_tags_any all apply', async () => {
      assert.deepEqual(
        await selected(service, {
          tags: [{ key: 'tier', values: [] }],
          tags_any: [
            { key: 'env', values: ['*'] },
            { key: 'owner', values: [] },
          ],
          not_tags_any: [{ key: 'env', values: ['dev'] }],
        }),
        [ids.a],
      );
    });

    test('matches on resource_name is a case-insensitive substring; on resource_id exact', async () => {
      assert.deepEqual(await selected(service, { matches: [{ key: 'resource_name', value: 'BETA' }] }), [
        ids.b,
      ]);
      assert.deepEqual(
        await selected(service, { matches: [{ key: 'resource_name', value: 'nat_' }] }).then((found) =>
          found.filter((id) => Object.values(ids).includes(id)),
        ),
        sorted(ids.a, ids.b, ids.c),
      );
      assert.deepEqual(await selected(service, { matches: [{ key: 'resource_id', value: ids.c }] }), [ids.c]);
      assert.deepEqual(
        await selected(service, { matches: [{ key: 'resource_id', value: ids.c.slice(0, 8) }] }),
        [],
      );
    });

    test('limit and offset page through the gateways, newest first; numbers are taken too', async () => {
      const criteria = { tags: [{ key: 'env', values: [] }] };
      const page1 = await filter(service, { ...criteria, limit: '2', offset: '0' });
      assert.deepEqual(
        page1.resources.map((resource) => resource.resource_id),
        [ids.c, ids.b],
      );
      assert.equal(page1.total_count, 3);
      const page2 = await filter(service, { ...criteria, limit: 2, offset: 2 });
      assert.deepEqual(
        page2.resources.map((resource) => resource.resource_id),
        [ids.a],
      );
      assert.equal(page2.total_count, 3);
    });

    test('count answers total_count alone, for the same criteria as filter', async () => {
      const response = await service.as('demo', {
        method: 'POST',
        url: resourceInstances(),
        payload: { action: 'count', tags: [{ key: 'tier', values: ['web'] }] },
      });
      assert.equal(response.statusCode, 200);
      assert.deepEqual(response.json(), { total_count: 2 });
    });

    test('a limit outside 1-1000, a bad offset or an unknown action is a 400 schema error', async () => {
      for (const body of [
        { action: 'filter', limit: '0' },
        { action: 'filter', limit: '1001' },
        { action: 'filter', limit: 'ten' },
        { action: 'filter', offset: '-1' },
        { action: 'filter', offset: 'x' },
        { action: 'list' },
        {},
        { action: 'filter', matches: [{ key: 'tenant_id', value: 'x' }] },
      ]) {
        const response = await service.as('demo', {
          method: 'POST',
          url: resourceInstances(),
          payload: body,
        });
        assertError(response, 400, 'NAT.0002');
      }
      assert.equal((await filter(service, { limit: '1000' })).total_count >= 4, true);
    });

    test('illegal tag criteria are 400 NAT.1015', async () => {
      const tooManyKeys = Array.from({ length: 21 }, (_, index) => ({ key: `k${index}`, values: [] }));
      const tooManyValues = [{ key: 'k', values: Array.from({ length: 11 }, (_, index) => `v${index}`) }];
      for (const criteria of [
        { tags: [{ key: '', values: ['v'] }] },
        { tags_any: [{ key: '  ', values: [] }] },
        { not_tags: [{ key: 'k'.repeat(128), values: [] }] },
        { not_tags_any: [{ key: 'k', values: ['v'.repeat(256)] }] },
        {
          tags: [
            { key: 'k', values: [] },
            { key: ' k ', values: [] },
          ],
        },
        { tags: [{ key: 'k', values: ['v', 'v'] }] },
        { tags: tooManyKeys },
        { tags_any: tooManyValues },
      ]) {
        for (const action of ['filter', 'count']) {
          const response = await service.as('demo', {
            method: 'POST',
            url: resourceInstances(),
            payload: { action, ...criteria },
          });
          assertError(response, 400, 'NAT.1015');
        }
      }
      // Twenty keys of ten values each are within the limits.
      const twenty = Array.from({ length: 20 }, (_, index) => ({
        key: `k${index}`,
        values: Array.from({ length: 10 }, (_, value) => `v${value}`),
      }));
      assert.equal((await filter(service, { tags_any: twenty })).total_count, 0);
    });
  });
}
