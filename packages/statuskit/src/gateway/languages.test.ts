import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';
import {
  closedAfterwards,
  closedPort,
  contractUpstream,
  fixedUpstream,
  type Running,
  silentUpstream,
  type startGateway,
} from '../../test/upstreams.js';
import { parseErrorBody } from '../index.js';

const bounded = { timeout: 10_000 };
const chinese = /\p{Script=Han}/u;
const zh = { 'accept-language': 'zh-CN' };

const closed = closedAfterwards();
async function upstream<T extends Running>(started: Promise<T>): Promise<T> {
  return closed.track(await started);
}
async function gateway(options: Parameters<typeof startGateway>[0]) {
  return (await closed.gateway(options)).url;
}

/** A request through the gateway (by node:http: fetch refuses a 407); status, language, message. */
function ask(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; language: string | undefined; message: string; body: string }>(
    (resolve, reject) => {
      http
        .get(url, { headers, agent: false }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: response.statusCode ?? 0,
              language: response.headers['content-language'],
              message: parseErrorBody(body)?.message ?? '',
              body,
            });
          });
        })
        .on('error', reject);
    },
  );
}

describe('the languages of the answers the gateway writes', () => {
  test(
    'answers 407 in Chinese to a caller who asks for Chinese, and in English to others',
    bounded,
    async () => {
      const echo = await upstream(fixedUpstream(200, {}, 'ok'));
      const url = await gateway({ upstreams: [echo.url], proxyAuth: 'gw:pw' });
      const chineseAnswer = await ask(`${url}/things`, zh);
      assert.equal(chineseAnswer.status, 407);
      assert.equal(chineseAnswer.language, 'zh-CN');
      assert.equal(chineseAnswer.message, '需要代理身份认证。');
      const english = await ask(`${url}/things`);
      assert.equal(english.language, 'en');
      assert.equal(english.message, 'Proxy authentication is required.');
    },
  );

  test('answers 502, 503 and 504 in Chinese', bounded, async () => {
    const down = await closedPort();
    const silent = await upstream(silentUpstream());
    for (const [status, options] of [
      [502, { upstreams: [down.url] }],
      [504, { upstreams: [silent.url], timeout: 200 }],
      [503, { upstreams: [(await closedPort()).url], health: { downFor: 5_000 } }],
    ] as const) {
      const url = await gateway(options);
      if (status === 503) await ask(`${url}/things`); // takes the only upstream out
      const answer = await ask(`${url}/things`, zh);
      assert.equal(answer.status, status, answer.body);
      assert.equal(answer.language, 'zh-CN', answer.body);
      assert.match(answer.message, chinese, answer.body);
    }
  });

  test('rewrites an upstream’s HTML error page into a Chinese answer', bounded, async () => {
    const html = await upstream(fixedUpstream(500, { 'content-type': 'text/html' }, '<h1>Oops</h1>'));
    const answer = await ask(`${await gateway({ upstreams: [html.url] })}/things`, zh);
    assert.equal(answer.status, 500);
    assert.equal(answer.language, 'zh-CN');
    assert.equal(answer.message, '请求未完成，服务异常。');
  });

  test(
    'labels an upstream’s message it keeps in the language the upstream said it is in',
    bounded,
    async () => {
      const body = (message: string) => JSON.stringify({ error_code: 'NAT.0103', error_msg: message });
      const english = await upstream(
        fixedUpstream(409, { 'content-type': 'application/json' }, body('Busy.')),
      );
      const inChinese = await upstream(
        fixedUpstream(
          409,
          { 'content-type': 'application/json', 'content-language': 'zh-CN' },
          body('忙碌中。'),
        ),
      );
      const fromEnglish = await ask(`${await gateway({ upstreams: [english.url] })}/things`, zh);
      assert.deepEqual([fromEnglish.language, fromEnglish.message], ['en', 'Busy.']);
      const fromChinese = await ask(`${await gateway({ upstreams: [inChinese.url] })}/things`, zh);
      assert.deepEqual([fromChinese.language, fromChinese.message], ['zh-CN', '忙碌中。']);
    },
  );

  test('passes a contract upstream’s Chinese answer through as it is', bounded, async () => {
    const service = await upstream(contractUpstream());
    const answer = await ask(`${await gateway({ upstreams: [service.url] })}/nothing`, zh);
    assert.equal(answer.status, 404);
    assert.equal(answer.language, 'zh-CN');
    assert.equal(answer.message, '找不到资源 /nothing。');
  });
});
