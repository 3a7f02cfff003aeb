import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { canonicalRequest, emptyBodyHash, sdkDate, signature, signRequest } from 'statuskit/client';
import { buildApp } from '../src/app.js';
import { defaultConfig, loadConfig } from '../src/config.js';
import { pageIds, project, startService, subnet, type TestService } from './harness.js';

/**
 * What a stranger can try against natgw's AK/SK checks, in raw bytes on a listening natgw:
 * a body it never sends so that the signature is never checked, answers that tell keys and
 * projects apart, signed header names that only Object's prototype has.
 */

const altProject = '27e25061336f4af590faeabeb7fcd9a3';
const keyOf = (user: string) => {
  const key = defaultConfig.accessKeys.find((candidate) => candidate.user === user);
  if (!key) throw new Error(`no access key for ${user}`);
  return { accessKey: key.access, secretKey: key.secret };
};

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Everything the server sent until it closed or the first answer was whole. */
  raw: string;
}

/**
 * Writes `bytes` on a new connection and reads the first answer: whole once its headers and
 * Content-Length bytes are in (HEAD: its headers), or whatever came when the server closed.
 * `endAfterWrite` half-closes the connection once the bytes are written.
 */
function exchange(port: number, bytes: string, options: { head?: boolean; endAfterWrite?: boolean } = {}) {
  return new Promise<Answer | undefined>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(bytes);
      if (options.endAfterWrite) socket.end();
    });
    let raw = '';
    const parsed = (): Answer | undefined => {
      const end = raw.indexOf('\r\n\r\n');
      if (end === -1) return undefined;
      const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const rest = Buffer.from(raw.slice(end + 4));
      const length = options.head ? 0 : Number(headers['content-length'] ?? Number.NaN);
      if (rest.length < length) return undefined;
      const body = rest.subarray(0, length).toString();
      return { status: Number(statusLine?.split(' ')[1]), headers, body, raw };
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      raw += chunk;
      const answer = parsed();
      if (answer) {
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(parsed()));
  });
}

/** The lines of a request signed with `key` (or, with `forged`, carrying that signature instead). */
function signedRequest(
  port: number,
  request: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    key?: { accessKey: string; secretKey: string };
    forged?: string;
    projectId?: string;
  },
): string {
  const toSign: Record<string, string> = {
    host: `127.0.0.1:${port}`,
    'x-project-id': request.projectId ?? project,
  };
  const signed = signRequest(
    { method: request.method, url: request.path, headers: toSign },
    request.key ?? keyOf('demo'),
  );
  const authorization = request.forged
    ? signed.authorization.replace(/Signature=\w+/, `Signature=${request.forged}`)
    : signed.authorization;
  const headers = {
    ...toSign,
    'x-sdk-date': signed['x-sdk-date'],
    authorization,
    ...request.headers,
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `${request.method} ${request.path} HTTP/1.1\r\n${lines.join('')}\r\n`;
}

/** A 401 VPC.0008 that says nothing of any gateway. */
function refusedWithout(answer: Answer | undefined, what: string, message?: RegExp) {
  assert.ok(answer, `${what}: no answer at all`);
  assert.equal(answer.status, 401, `${what}: ${answer.raw}`);
  assert.doesNotMatch(answer.raw, /nat_gateways"|aksk_secret_gateway/, what);
  if (answer.body !== '') {
    const { error } = JSON.parse(answer.body) as { error: { code: string; message: string } };
    assert.equal(error.code, 'VPC.0008', what);
    if (message) assert.match(error.message, message, what);
  }
}

describe('a signed request whose body is never checked', { timeout: 60_000 }, () => {
  let service: TestService;
  let port: number;
  const limit = 1024 * 1024;

  before(async () => {
    service = await startService('sqlite');
    // A body that stops coming is answered (408) in half a second, not fifteen.
    service.app.server.requestTimeout = 500;
    await service.app.listen({ host: '127.0.0.1', port: 0 });
    port = (service.app.server.address() as AddressInfo).port;
    // A gateway the key's user has: the list a stranger must never see.
    const created = await service.as('demo', {
      method: 'POST',
      url: '/v2.0/nat_gateways',
      payload: {
        nat_gateway: {
          name: 'aksk_secret_gateway',
          spec: '1',
          router_id: pageIds.router,
          internal_network_id: subnet(45),
        },
      },
    });
    assert.equal(created.statusCode, 201, created.body);
  });
  after(() => service.close());

  const lists = [`/v2/${project}/nat_gateways`, '/v2.0/nat_gateways'];
  const tooLarge = /larger than 1048576 bytes: too large for its signature to be checked/;

  for (const path of lists) {
    for (const method of ['GET', 'HEAD']) {
      test(`${method} ${path} with Content-Length over the limit and Signature=deadbeef is 401`, async () => {
        const bytes = signedRequest(port, {
          method,
          path,
          forged: 'deadbeef',
          headers: { 'content-length': String(limit + 1) },
        });
        refusedWithout(await exchange(port, bytes, { head: method === 'HEAD' }), method, tooLarge);
      });
    }
  }

  for (const method of ['POST', 'PUT', 'DELETE']) {
    test(`${method} with Content-Length over the limit and a forged signature is 401`, async () => {
      const path = method === 'POST' ? lists[0] : `/v2/${project}/nat_gateways/${pageIds.router}`;
      const bytes = signedRequest(port, {
        method,
        path: path as string,
        forged: 'deadbeef',
        headers: { 'content-type': 'application/json', 'content-length': String(limit + 1) },
      });
      refusedWithout(await exchange(port, bytes), method, tooLarge);
    });
  }

  test('a GET whose chunked body grows over the limit is 401, however it is signed', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    const chunks = `${`${chunk.length.toString(16)}\r\n${chunk}\r\n`.repeat(17)}0\r\n\r\n`;
    for (const forged of ['deadbeef', undefined]) {
      const bytes = signedRequest(port, {
        method: 'GET',
        path: lists[0] as string,
        ...(forged ? { forged } : {}),
        headers: { 'transfer-encoding': 'chunked' },
      });
      const answer = await exchange(port, bytes + chunks);
      refusedWithout(answer, 'chunked GET', tooLarge);
    }
  });

  test('a GET with a small chunked body and a forged signature is 401: the signature does not match', async () => {
    const bytes = signedRequest(port, {
      method: 'GET',
      path: lists[0] as string,
      forged: 'deadbeef',
      headers: { 'transfer-encoding': 'chunked' },
    });
    refusedWithout(await exchange(port, `${bytes}5\r\nhello\r\n0\r\n\r\n`), 'chunked GET', /does not match/);
  });

  test('a GET declaring more body than the limit and sending a little is 401 at once', async () => {
    const bytes = signedRequest(port, {
      method: 'GET',
      path: lists[0] as string,
      forged: 'deadbeef',
      headers: { 'content-length': String(limit + 1) },
    });
    refusedWithout(await exchange(port, `${bytes}{"a":1}`), 'lying GET', tooLarge);
  });

  test('a GET declaring more body than it sends gets 408 or 400, or a close, never an answer from the handler', async () => {
    for (const endAfterWrite of [false, true]) {
      const bytes = signedRequest(port, {
        method: 'GET',
        path: lists[0] as string,
        headers: { 'content-length': '100' },
      });
      const answer = await exchange(port, `${bytes}{"a":1}`, { endAfterWrite });
      if (answer) {
        // 408 when the body stops coming; 400 when the client ends its side before it is whole.
        assert.equal(answer.status, endAfterWrite ? 400 : 408, answer.raw);
        assert.doesNotMatch(answer.raw, /aksk_secret_gateway/);
      }
    }
  });

  test('a GET declaring less body than it sends is checked over what it declared: 401', async () => {
    const bytes = signedRequest(port, {
      method: 'GET',
      path: lists[0] as string,
      forged: 'deadbeef',
      headers: { 'content-length': '2' },
    });
    refusedWithout(await exchange(port, `${bytes}{}GET / HTTP/1.1\r\n\r\n`), 'short GET', /does not match/);
  });

  test('the same requests signed with the secret key are served: GET, HEAD and a body', async () => {
    for (const method of ['GET', 'HEAD']) {
      const answer = await exchange(port, signedRequest(port, { method, path: lists[0] as string }), {
        head: method === 'HEAD',
      });
      assert.equal(answer?.status, 200, answer?.raw);
    }
    const path = lists[0] as string;
    const headers: Record<string, string> = { host: `127.0.0.1:${port}`, 'x-project-id': project };
    const signed = signRequest({ method: 'GET', url: path, headers, body: 'hello' }, keyOf('demo'));
    const lines = Object.entries({ ...headers, ...signed, 'content-length': '5' })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    const answer = await exchange(port, `GET ${path} HTTP/1.1\r\n${lines}\r\nhello`);
    assert.equal(answer?.status, 200, answer?.raw);
    assert.match(String(answer?.body), /aksk_secret_gateway/);
  });
});

describe('answers to a request signed without the secret', { timeout: 60_000 }, () => {
  let service: TestService;
  let port: number;

  before(async () => {
    service = await startService('sqlite');
    await service.app.listen({ host: '127.0.0.1', port: 0 });
    port = (service.app.server.address() as AddressInfo).port;
  });
  after(() => service.close());

  /** The answer, without what differs from one request to the next (its id and date). */
  const comparable = (answer: Answer | undefined) => {
    assert.ok(answer);
    const { 'x-request-id': _, 'x-openstack-request-id': __, date: ___, ...headers } = answer.headers;
    const body = answer.body.replace(/req-[0-9a-f-]{36}/g, 'req-?');
    return { status: answer.status, headers, body };
  };

  for (const [what, method, body] of [
    ['a GET', 'GET', undefined],
    ['a POST with a body', 'POST', JSON.stringify({ nat_gateway: { name: 'x' } })],
  ] as const) {
    test(`${what}: an unknown key, a wrong signature and a project without a role get one answer`, async () => {
      const path = `/v2/${project}/nat_gateways`;
      const send = (request: { key?: { accessKey: string; secretKey: string }; projectId?: string }) => {
        const head = signedRequest(port, {
          method,
          path: request.projectId ? `/v2/${request.projectId}/nat_gateways` : path,
          ...request,
          headers: {
            'content-type': 'application/json',
            ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
          },
        });
        return exchange(port, head + (body ?? ''));
      };
      const guessed = 'guessed-secret-key-000000000000000000001';
      const answers = [
        await send({ key: { accessKey: 'NOSUCHKEY0000000000X', secretKey: guessed } }),
        await send({ key: { ...keyOf('demo'), secretKey: guessed } }),
        await send({ key: { ...keyOf('demo'), secretKey: guessed }, projectId: altProject }),
        await send({ key: { ...keyOf('alt'), secretKey: guessed } }),
      ].map(comparable);
      const [first, ...others] = answers;
      assert.equal(first?.status, 401);
      assert.match(String(first?.body), /"VPC\.0008"/);
      assert.match(String(first?.body), /The signature does not match the request/);
      for (const other of others) assert.deepEqual(other, first);
    });
  }

  test('with the secret, a project where the key has no role may be named: the caller proved the key', async () => {
    const answer = await exchange(
      port,
      signedRequest(port, { method: 'GET', path: `/v2/${altProject}/nat_gateways`, projectId: altProject }),
    );
    refusedWithout(answer, 'no role', new RegExp(`no role in project ${altProject}`));
  });

  test('the reason is in the log, not in the answer', async () => {
    const lines: string[] = [];
    const config = loadConfig(
      {},
      { sqliteFile: ':memory:', provisioningDelayMs: 0, maxEventLoopDelayMs: 0, drainMs: 0 },
    );
    const logged = await buildApp(config, {
      logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } },
    });
    try {
      await logged.listen({ host: '127.0.0.1', port: 0 });
      const loggedPort = (logged.server.address() as AddressInfo).port;
      const guessed = {
        accessKey: 'NOSUCHKEY0000000000X',
        secretKey: 'guessed-secret-key-000000000000000000001',
      };
      await exchange(
        loggedPort,
        signedRequest(loggedPort, { method: 'GET', path: '/v2.0/nat_gateways', key: guessed }),
      );
      await exchange(
        loggedPort,
        signedRequest(loggedPort, {
          method: 'GET',
          path: '/v2.0/nat_gateways',
          key: { ...keyOf('demo'), secretKey: guessed.secretKey },
        }),
      );
      const reasons = lines.filter((line) => line.includes('AK/SK'));
      assert.ok(
        reasons.some((line) => /the access key is not known/.test(line) && line.includes('NOSUCHKEY')),
      );
      assert.ok(reasons.some((line) => /the signature does not match/.test(line)));
      assert.ok(lines.every((line) => !line.includes(keyOf('demo').secretKey)));
    } finally {
      await logged.close();
    }
  });
});

describe("signed header names that only Object's prototype has", { timeout: 60_000 }, () => {
  let service: TestService;
  let port: number;

  before(async () => {
    service = await startService('sqlite');
    await service.app.listen({ host: '127.0.0.1', port: 0 });
    port = (service.app.server.address() as AddressInfo).port;
  });
  after(() => service.close());

  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    test(`SignedHeaders with ${name}, signed with the secret key, is 401: not in the request`, async () => {
      // The signer knows the secret and signs what a prototype lookup would find for the name.
      const path = `/v2/${project}/nat_gateways`;
      const date = sdkDate(new Date());
      const found = Object.hasOwn(Object.prototype, name) && name !== '__proto__';
      const headers: Record<string, string> = Object.create(null);
      Object.assign(headers, { host: `127.0.0.1:${port}`, 'x-project-id': project, 'x-sdk-date': date });
      if (found) headers[name] = String((Object.prototype as Record<string, unknown>)[name]);
      const names = ['host', 'x-project-id', 'x-sdk-date', name].sort();
      const canonical = canonicalRequest({ method: 'GET', url: path, headers }, names, emptyBodyHash);
      const { accessKey, secretKey } = keyOf('demo');
      const authorization = `SDK-HMAC-SHA256 Access=${accessKey}, SignedHeaders=${names.join(';')}, Signature=${signature(secretKey, date, String(canonical))}`;
      const bytes =
        `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nx-project-id: ${project}\r\n` +
        `x-sdk-date: ${date}\r\nauthorization: ${authorization}\r\n\r\n`;
      refusedWithout(
        await exchange(port, bytes),
        name,
        // Header names are read in lower case: `toString` is `tostring`, which nothing has.
        new RegExp(`signed header ${name} is not in the request`, 'i'),
      );
    });
  }
});
