import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { passwordAuthBody } from 'statuskit/client';
import { loadConfig } from '../src/config.js';
import { project, startService, type TestService } from './harness.js';

const base = 'http://127.0.0.1:8080';

describe('identity discovery and the catalog', () => {
  let service: TestService;
  before(async () => {
    service = await startService('sqlite', { region: loadConfig({ NATGW_REGION: 'eu-de' }).region });
  });
  after(() => service.close());

  test("GET /v3 answers Keystone's version document, to anyone", async () => {
    const response = await service.app.inject({ url: '/v3' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), {
      version: {
        id: 'v3.0',
        status: 'stable',
        updated: '2013-03-06T00:00:00Z',
        links: [{ rel: 'self', href: `${base}/v3/` }],
        'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
      },
    });
    assert.deepEqual((await service.app.inject({ url: '/v3/' })).json(), response.json());
  });

  test("GET / lists the NAT API's one version, as the page's example", async () => {
    // querying_all_api_versions.rst: the example's only entry (its host written x.x.x.x).
    const { versions } = (await service.app.inject({ url: '/' })).json();
    assert.deepEqual(versions, [
      {
        id: 'v2.0',
        links: [{ href: `${base}/v2.0/`, rel: 'self' }],
        min_version: '',
        status: 'CURRENT',
        updated: '2018-09-30T00:00:00Z',
        version: '',
      },
    ]);
  });

  test('the token’s catalog names the API in both forms, private NAT (natv3) and the identity API, in the region of NATGW_REGION', async () => {
    const response = await service.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: passwordAuthBody({ username: 'demo', password: 'demo-password', project: 'demo' }),
    });
    const catalog: { type: string; endpoints: { url: string; region: string; interface: string }[] }[] =
      response.json().token.catalog;
    assert.deepEqual(
      catalog.map((entry) => [entry.type, entry.endpoints.find((one) => one.interface === 'public')?.url]),
      [
        ['nat', base],
        ['natv2', `${base}/v2/${project}`],
        ['natv3', `${base}/v3`],
        ['identity', `${base}/v3`],
      ],
    );
    assert.deepEqual(
      new Set(catalog.flatMap((entry) => entry.endpoints.map((one) => one.region))),
      new Set(['eu-de']),
    );
  });

  test('the region is RegionOne unless NATGW_REGION says otherwise', () => {
    assert.equal(loadConfig({}).region, 'RegionOne');
  });
});
