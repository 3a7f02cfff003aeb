import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Config, defaultConfig } from '../src/config.js';
import { credentialLines, exposure, isLoopback } from '../src/development.js';
import { proxies } from '../src/identity/client-address.js';

/** An operator's own configuration: none of the built-in users or keys. */
const own: Config = {
  ...defaultConfig,
  projects: [{ name: 'ops', id: '0c5f3a1e2b7d4c9a8e6f1d2c3b4a5e6f' }],
  users: [{ name: 'operator', password: 'operator-password-3f9d', project: 'ops', role: 'read-write' }],
  accessKeys: [{ access: 'OPERATORAK0000000001', secret: 'operator-secret-key-5e0c', user: 'operator' }],
};

describe('the development credentials', () => {
  test('loopback is localhost, 127.0.0.0/8 and ::1; wildcards, other addresses and names are not', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
      assert.equal(isLoopback(host), true, host);
    }
    for (const host of ['0.0.0.0', '::', '192.0.2.2', 'fd00::2', '::ffff:192.0.2.2', 'example.com', '']) {
      assert.equal(isLoopback(host), false, host);
    }
  });

  test('beyond loopback they are refused, or with NATGW_ALLOW_DEV_CREDENTIALS=1 warned of', () => {
    assert.equal(exposure(defaultConfig, ['127.0.0.1', '::1'], {}), undefined);
    const refused = exposure(defaultConfig, ['127.0.0.1', '0.0.0.0'], {});
    assert.equal(refused?.refuse, true);
    assert.match(String(refused?.message), /^refusing to listen on 0\.0\.0\.0 \(beyond loopback\)/);
    const allowed = exposure(defaultConfig, ['0.0.0.0'], { NATGW_ALLOW_DEV_CREDENTIALS: '1' });
    assert.equal(allowed?.refuse, false);
    assert.match(String(allowed?.message), /^warning: listening on 0\.0\.0\.0/);
    // The operator's own credentials listen anywhere.
    assert.equal(exposure(own, ['0.0.0.0'], {}), undefined);
    // One built-in password or secret key left among them is enough to refuse.
    const oneLeft = { ...own, accessKeys: [...own.accessKeys, ...defaultConfig.accessKeys.slice(0, 1)] };
    assert.match(String(exposure(oneLeft, ['::'], {})?.message), /access key NATGWDEMOAK000000001/);
  });

  test("a banner prints them, said to be development ones, and of an operator's own only where they are", () => {
    const shown = credentialLines(defaultConfig, 'http://127.0.0.1:8080', {});
    assert.deepEqual(
      shown.map(([label]) => label),
      ['development credentials', 'users', 'AK/SK', 'token'],
    );
    assert.match(JSON.stringify(shown), /demo \/ demo-password/);
    const hidden = credentialLines(own, 'http://127.0.0.1:8080', { NATGW_CONFIG: '/etc/natgw.json' });
    assert.deepEqual(hidden.slice(0, 1), [
      [
        'credentials',
        '1 user and 1 access key from the NATGW_CONFIG file /etc/natgw.json (passwords and secret keys are not printed)',
      ],
    ]);
    const text = hidden.map(([, line]) => line).join('\n');
    for (const secret of ['operator-password-3f9d', 'operator-secret-key-5e0c', 'demo-password']) {
      assert.equal(text.includes(secret), false, secret);
    }
    assert.match(text, /"name":"USER","password":"PASSWORD"/);
  });
});

test('the proxies natgw trusts are addresses, CIDRs or loopback; anything else is refused', () => {
  const list = proxies('loopback, 192.0.2.0/24, 2001:db8::1');
  assert.equal(list.check('127.0.0.9', 'ipv4'), true);
  assert.equal(list.check('::1', 'ipv6'), true);
  assert.equal(list.check('192.0.2.200', 'ipv4'), true);
  assert.equal(list.check('2001:db8::1', 'ipv6'), true);
  assert.equal(list.check('198.51.100.1', 'ipv4'), false);
  for (const bad of ['gateway.local', '10.0.0.0/33', '10.0.0.0/', '']) {
    assert.throws(() => proxies(bad), /is not an address, a CIDR or loopback/, bad);
  }
});
