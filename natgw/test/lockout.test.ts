import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { passwordAuthBody } from 'statuskit/client';
import type { Config } from '../src/config.js';
import { addressKey } from '../src/identity/lockout.js';
import { assertError, engines, startService, type TestService } from './harness.js';

const lockout = {
  failureAttempts: 5,
  durationSeconds: 60,
  addressFailureAttempts: 20,
  userFailureAttempts: 20,
};

function login(
  service: TestService,
  user: string,
  password: string,
  from: string,
  headers: Record<string, string> = {},
) {
  return service.app.inject({
    method: 'POST',
    url: '/v3/auth/tokens',
    remoteAddress: from,
    headers,
    payload: passwordAuthBody({ username: user, password, project: 'demo' }),
  });
}

/** Asserts the lockout's answer: 503 with the configured Retry-After and no token. */
function assertLockedOut(response: Awaited<ReturnType<typeof login>>, retryAfter = lockout.durationSeconds) {
  assertError(response, 503, 'NAT.0102');
  assert.equal(response.headers['retry-after'], String(retryAfter));
  assert.equal(response.headers['x-subject-token'], undefined);
}

for (const engine of engines()) {
  describe(`login lockout on ${engine}`, () => {
    const start = (overrides: Partial<Config> = {}) =>
      startService(engine, { loginLockout: lockout, ...overrides });

    test('after 5 wrong passwords from one address, that address gets 503 for the user even with the right one', async () => {
      const service = await start();
      for (let guess = 0; guess < 5; guess++) {
        assertError(await login(service, 'demo', `guess-${guess}`, '203.0.113.7'), 401, 'VPC.0008');
      }
      assertLockedOut(await login(service, 'demo', 'guess-5', '203.0.113.7'));
      assertLockedOut(await login(service, 'demo', 'demo-password', '203.0.113.7'));
      // The user from another address, and another user from the attacker's, are not locked out.
      assert.equal((await login(service, 'demo', 'demo-password', '198.51.100.1')).statusCode, 201);
      assert.equal((await login(service, 'viewer', 'viewer-password', '203.0.113.7')).statusCode, 201);
      await service.close();
    });

    test('the right password forgets the failures before it', async () => {
      const service = await start();
      for (let round = 0; round < 3; round++) {
        for (let guess = 0; guess < 4; guess++) {
          assertError(await login(service, 'demo', 'wrong', '203.0.113.7'), 401, 'VPC.0008');
        }
        assert.equal((await login(service, 'demo', 'demo-password', '203.0.113.7')).statusCode, 201);
      }
      await service.close();
    });

    test('an address that fails 20 times, whatever the users, gets 503 for every user; other addresses do not', async () => {
      const service = await start();
      for (let guess = 0; guess < 20; guess++) {
        const response = await login(service, `user-${guess % 10}`, 'wrong', '203.0.113.7');
        assertError(response, 401, 'VPC.0008');
      }
      assertLockedOut(await login(service, 'viewer', 'viewer-password', '203.0.113.7'));
      assert.equal((await login(service, 'viewer', 'viewer-password', '203.0.113.8')).statusCode, 201);
      await service.close();
    });

    test('a guess spread over many addresses locks out the addresses that failed, not a clean one', async () => {
      const service = await start();
      // 20 addresses, one failure each: under every per-address limit.
      for (let host = 1; host <= 20; host++) {
        assertError(await login(service, 'demo', 'wrong', `203.0.113.${host}`), 401, 'VPC.0008');
      }
      // Past 20 failures for the user, an address that failed for it may not try again.
      for (let host = 1; host <= 20; host++) {
        assertLockedOut(await login(service, 'demo', 'wrong', `203.0.113.${host}`));
      }
      assertLockedOut(await login(service, 'demo', 'demo-password', '203.0.113.1'));
      // The legitimate user, from an address with no failure, still logs in.
      assert.equal((await login(service, 'demo', 'demo-password', '198.51.100.1')).statusCode, 201);
      await service.close();
    });

    test('30 concurrent guesses from one address get 5 password checks at most', async () => {
      const service = await start();
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, guess) => login(service, 'demo', `guess-${guess}`, '203.0.113.7')),
      );
      const statuses = answers.map((answer) => answer.statusCode);
      assert.equal(statuses.filter((status) => status === 401).length <= 5, true, String(statuses));
      assert.equal(statuses.filter((status) => status === 503).length >= 25, true, String(statuses));
      await service.close();
    });

    test('a lockout ends durationSeconds after the last attempt', async () => {
      const service = await start({ loginLockout: { ...lockout, durationSeconds: 1 } });
      for (let guess = 0; guess < 5; guess++) await login(service, 'demo', 'wrong', '203.0.113.7');
      assertLockedOut(await login(service, 'demo', 'demo-password', '203.0.113.7'), 1);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      assert.equal((await login(service, 'demo', 'demo-password', '203.0.113.7')).statusCode, 201);
      await service.close();
    });

    test('limits of 0 turn the lockout off', async () => {
      const off = {
        failureAttempts: 0,
        durationSeconds: 60,
        addressFailureAttempts: 0,
        userFailureAttempts: 0,
      };
      const service = await start({ loginLockout: off });
      for (let guess = 0; guess < 30; guess++) {
        assertError(await login(service, 'demo', 'wrong', '203.0.113.7'), 401, 'VPC.0008');
      }
      assert.equal((await login(service, 'demo', 'demo-password', '203.0.113.7')).statusCode, 201);
      await service.close();
    });

    test("behind a trusted proxy the client's address is X-Forwarded-For's; from anyone else it is ignored", async () => {
      const proxied = await start({ trustProxy: '127.0.0.1' });
      const via = (client: string) => ({ 'x-forwarded-for': client });
      for (let guess = 0; guess < 5; guess++) {
        await login(proxied, 'demo', 'wrong', '127.0.0.1', via('203.0.113.7'));
      }
      assertLockedOut(await login(proxied, 'demo', 'demo-password', '127.0.0.1', via('203.0.113.7')));
      assert.equal(
        (await login(proxied, 'demo', 'demo-password', '127.0.0.1', via('203.0.113.8'))).statusCode,
        201,
      );
      await proxied.close();

      const direct = await start();
      for (let guess = 0; guess < 5; guess++) {
        await login(direct, 'demo', 'wrong', '203.0.113.7', via(`198.51.100.${guess}`));
      }
      assertLockedOut(await login(direct, 'demo', 'demo-password', '203.0.113.7', via('198.51.100.99')));
      await direct.close();
    });

    test('behind the proxy only its own entry counts: entries a client wrote before it never do', async () => {
      // A client on loopback through a gateway on loopback: the gateway appends 127.0.0.1.
      const proxied = await start({ trustProxy: 'loopback' });
      const via = (entries: string) => ({ 'x-forwarded-for': entries });
      for (let guess = 0; guess < 5; guess++) {
        await login(proxied, 'demo', 'wrong', '127.0.0.1', via('127.0.0.1'));
      }
      for (const forged of [
        '10.9.9.9, 127.0.0.1',
        '10.9.9.10,127.0.0.1',
        '203.0.113.9, 10.0.0.1, 127.0.0.1',
      ]) {
        assertLockedOut(await login(proxied, 'demo', 'demo-password', '127.0.0.1', via(forged)));
      }
      // What the proxy itself appended is still the client's address.
      assert.equal(
        (await login(proxied, 'demo', 'demo-password', '127.0.0.1', via('127.0.0.1, 203.0.113.8')))
          .statusCode,
        201,
      );
      await proxied.close();
    });

    test("with a proxy secret, a request without it is not the proxy's, whatever address it comes from", async () => {
      const secret = 'a-secret-the-gateway-sends-00000001';
      const proxied = await start({ trustProxy: 'loopback', proxySecret: secret });
      // Direct, from loopback: rotating X-Forwarded-For, every failure is counted for 127.0.0.1.
      for (let guess = 0; guess < 5; guess++) {
        const headers = { 'x-forwarded-for': `10.9.9.${guess}` };
        assertError(await login(proxied, 'demo', 'wrong', '127.0.0.1', headers), 401, 'VPC.0008');
      }
      for (const headers of [
        { 'x-forwarded-for': '10.9.9.99' },
        { 'x-forwarded-for': '10.9.9.99', 'x-natgw-proxy-secret': 'a-secret-the-gateway-sends-00000002' },
        { 'x-forwarded-for': '10.9.9.99', 'x-natgw-proxy-secret': 'guess' },
      ]) {
        assertLockedOut(await login(proxied, 'demo', 'demo-password', '127.0.0.1', headers));
      }
      // The gateway, with the secret, names another client: counted apart, it logs in.
      const fromGateway = { 'x-forwarded-for': '203.0.113.8', 'x-natgw-proxy-secret': secret };
      assert.equal((await login(proxied, 'demo', 'demo-password', '127.0.0.1', fromGateway)).statusCode, 201);
      await proxied.close();
    });
  });
}

describe('the address a lockout counts by', () => {
  test('is an IPv4 address as it is, an IPv4-mapped one unmapped, and an IPv6 address its /64', () => {
    assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:0db8:0001:0002::1'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
  });
});
