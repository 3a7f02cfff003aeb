import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errorCodes } from '../src/error-codes.js';
import { zhCnMessages } from '../src/error-codes.zh-CN.js';
import { fill, natError, placeholders } from '../src/errors.js';
import { buildErrorCodes } from '../tools/error-codes.js';

const natCodes = Object.keys(errorCodes).filter((code) => code.startsWith('NAT.'));
/** The VPC codes natgw sends: a bad project in the URL, a bad token, a read-only write, no VPC. */
const vpcCodesSent = ['VPC.0003', 'VPC.0007', 'VPC.0008', 'VPC.2701'];
const han = /\p{Script=Han}/u;

describe('the error-code table', () => {
  test('is the error-code page, rebuilt from it with nothing changed', () => {
    assert.deepEqual(buildErrorCodes(), JSON.parse(JSON.stringify(errorCodes)));
  });

  test("holds the page's 116 NAT codes (77 public-NAT 0xxx), each with a status, a template and a description", () => {
    assert.equal(natCodes.length, 116);
    assert.equal(natCodes.filter((code) => code.startsWith('NAT.0')).length, 77);
    for (const code of natCodes) {
      const row = errorCodes[code as keyof typeof errorCodes];
      assert.ok(
        row.statuses.length > 0 && row.statuses.every((status) => status >= 400 && status < 600),
        code,
      );
      assert.ok(row.messages.length > 0 && row.messages.every((message) => message.length > 0), code);
      assert.ok(row.description.length > 0, code);
    }
  });

  test("keeps the page's word: NAT.0103 is 400 with its template, NAT.0105 is 400 or 404", () => {
    assert.deepEqual(errorCodes['NAT.0103'], {
      statuses: [400],
      messages: ['NatGateway %(nat_gateway_id)s is not ACTIVE.'],
      description: 'The NAT gateway is not activated.',
    });
    assert.deepEqual(errorCodes['NAT.0105'].statuses, [400, 404]);
    assert.equal(errorCodes['NAT.0101'].messages.length, 15);
  });
});

describe('natError', () => {
  test("sends a code with the page's status and its template filled", () => {
    const error = natError('NAT.0103', { nat_gateway_id: 'abc' });
    assert.deepEqual(
      [error.status, error.code, error.message],
      [400, 'NAT.0103', 'NatGateway abc is not ACTIVE.'],
    );
    assert.equal(
      natError('NAT.0017', 'xyz').message,
      "Invalid input for router_id. Reason: 'xyz' is not a valid UUID.",
    );
    assert.equal(
      natError('NAT.1206', { 0: '1', 1: '1' }).message,
      'Update (1) spec to (1) are the same as the original.',
    );
  });

  test('picks one of several messages, and for NAT.0105 the status the caller names', () => {
    assert.equal(
      natError('NAT.0301', {}, { variant: 'dnatrules error marker' }).message,
      'get dnatrules error marker is invalid.',
    );
    assert.equal(natError('NAT.0105', { nat_gateway_id: 'x' }, { status: 404 }).status, 404);
    assert.throws(() => natError('NAT.0105', { nat_gateway_id: 'x' }), /say which/);
    assert.throws(() => natError('NAT.0103', {}, { status: 409 }), /not sent with 409/);
    assert.throws(() => natError('NAT.0301', {}, { variant: 'no such text' }), /no message/);
  });
});

describe('the zh-CN messages', () => {
  test('give every NAT code, and every VPC code natgw sends, a Chinese message per page message', () => {
    for (const code of [...natCodes, ...vpcCodesSent]) {
      const entry = (zhCnMessages as Record<string, string | readonly string[] | undefined>)[code];
      assert.ok(entry !== undefined, `${code} has no zh-CN message`);
      const translations = typeof entry === 'string' ? [entry] : entry;
      const messages: readonly string[] = errorCodes[code as keyof typeof errorCodes].messages;
      assert.equal(translations.length, typeof entry === 'string' ? 1 : messages.length, code);
      for (const [index, translation] of translations.entries()) {
        assert.match(translation, han, `${code} is not Chinese`);
        assert.deepEqual(placeholders(translation), placeholders(messages[index] ?? ''), code);
      }
    }
  });

  test('give the Chinese of the message sent where a code has several, not the first one', () => {
    const chinese = (code: 'NAT.0101' | 'NAT.0301', variant: string) =>
      natError(code, {}, { variant }).messages?.['zh-CN'];
    assert.equal(chinese('NAT.0101', 'natgateways error limit'), '查询 NAT 网关：limit 无效。');
    assert.equal(chinese('NAT.0101', 'natgateways error marker'), '查询 NAT 网关：marker 无效。');
    assert.equal(chinese('NAT.0301', 'dnatrules error marker'), '查询 DNAT 规则：marker 无效。');
    assert.equal(chinese('NAT.0101', 'Lack of user authority'), '用户权限不足。');
  });

  test('name no code outside the page', () => {
    for (const code of Object.keys(zhCnMessages)) assert.ok(code in errorCodes, code);
  });

  test('fill like the English ones', () => {
    assert.equal(
      fill(zhCnMessages['NAT.0103'], { nat_gateway_id: 'abc' }),
      'NAT 网关 abc 不处于 ACTIVE 状态。',
    );
  });
});
