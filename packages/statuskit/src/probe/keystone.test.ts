import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Keystone, keystoneMissing, startKeystone } from '../../test/keystone.js';
import { formatReport, type Report, runProbe } from './index.js';

/**
 * The probe on a real OpenStack Keystone, a server nobody here wrote, with `--resource
 * /v3/projects`: each verdict below was read from the evidence and is what Keystone really does.
 */
describe('the probe against a real OpenStack Keystone', { skip: keystoneMissing() }, () => {
  let keystone: Keystone;
  let report: Report;
  before(
    async () => {
      keystone = await startKeystone();
      report = await runProbe({
        baseUrl: keystone.url,
        keystone: {
          authUrl: `${keystone.url}/v3`,
          user: 'admin',
          password: 'admin-password',
          project: 'admin',
        },
        readonlyToken: await keystone.token('reader'),
        resource: '/v3/projects',
        createBody: { project: { name: 'probe', domain_id: 'default', description: 'made by the probe' } },
        updateBody: { project: { description: 'changed by the probe' } },
        // Keystone hashes passwords with bcrypt and serves one request at a time: a token can take seconds.
        timeoutMs: 20_000,
        slowBoundMs: 4_000,
      });
    },
    { timeout: 600_000 },
  );
  after(() => keystone?.close());

  const verdict = (id: string) => {
    const check = report.checks.find((candidate) => candidate.id === id);
    assert.ok(check, `no check ${id}`);
    return check;
  };

  test('finds no OpenAPI document and works on the resource of the flags', (t) => {
    t.diagnostic(
      `Keystone set up and answering in ${keystone.setupMs} ms; the probe took ${report.durationMs} ms`,
    );
    for (const line of keystone
      .stderr()
      .split('\n')
      .filter((text) => /^\w+(\.\w+)*(Error|Exception)\b/.test(text)))
      t.diagnostic(`Keystone: ${line}`);
    assert.equal(report.target.openapi, undefined);
    assert.equal(report.target.resource, '/v3/projects');
  });

  test('passes what Keystone does by the contract', () => {
    for (const id of [
      'no-credentials',
      'bad-credentials',
      'read-only-write',
      'malformed-json',
      'schema-violation',
      'head-like-get',
      'read-back',
      'duplicate',
      'delete',
      'read-after-delete',
      'inside-profile',
      'no-leak',
    ])
      assert.equal(verdict(id).verdict, 'pass', `${id}\n${formatReport(report)}`);
    assert.equal(
      verdict('no-credentials').evidence[0]?.headers['www-authenticate']?.startsWith('Keystone uri='),
      true,
    );
  });

  test('updates a project with PATCH, the method Keystone names in Allow when PUT is refused', () => {
    assert.equal(verdict('update').verdict, 'pass');
    assert.equal(verdict('update').observed, '200 (PATCH)');
  });

  test('fails create for its missing Location and carries on with the project the body names', () => {
    assert.equal(verdict('create').verdict, 'fail');
    assert.equal(verdict('create').observed, '201, no Location (went on with the resource the body names)');
    assert.match(
      verdict('read-back').evidence[0]?.request ?? '',
      /^GET http:\/\/127\.0\.0\.1:\d+\/v3\/projects\/[0-9a-f]{32}$/,
    );
  });

  test("fails where Keystone's answers leave the contract, each with its evidence", () => {
    const observed = Object.fromEntries(
      ['unknown-route', 'wrong-method', 'unknown-method', 'not-acceptable', 'zh-CN'].map((id) => [
        id,
        verdict(id).verdict === 'fail' ? verdict(id).observed : 'PASS',
      ]),
    );
    assert.deepEqual(observed, {
      'unknown-route': '404 (not a contract body)', // Flask's HTML page
      'wrong-method': '500 (no Allow)', // DELETE on the collection: an unhandled error, text/plain
      'unknown-method': '405 (not a contract body)', // PROPFIND: 405 where RFC 9110 §9.1 says 501
      'not-acceptable': '200', // Accept: application/xml answered with JSON
      'zh-CN': 'not Chinese: 404, 401, 400', // English only
    });
    assert.match(verdict('unknown-route').evidence[0]?.body ?? '', /<html/);
    assert.equal(verdict('one-dialect').verdict, 'fail'); // HTML, text/plain and {"error": …}
    assert.equal(verdict('request-id').verdict, 'fail'); // the 500 carries none
  });

  test('finds that a slow client holds the whole server, apart from the slow request itself', () => {
    assert.match(verdict('slow-request').observed, /^no answer in \d+ ms$/);
    assert.equal(verdict('serves-beside-slow').verdict, 'fail');
    assert.match(verdict('serves-beside-slow').observed, /^no answer in \d+ ms$/);
  });

  test('judges every check, skipping none', () => {
    assert.equal(report.checks.length, 23);
    assert.deepEqual([report.passed, report.failed, report.skipped], [13, 10, 0], formatReport(report));
  });
});
