import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConflictError } from 'statuskit';
import { conflict, documented, fill, natError, placeholders, zhCnTemplate } from '../src/errors.js';

describe('templates', () => {
  test('are filled by name, by position, or all with one value', () => {
    assert.equal(fill('a %(x)s b %(y)d c', { x: 'X', y: 2 }), 'a X b 2 c');
    assert.equal(fill('%s then %d then %s', { 0: 'first', 1: 2, 2: 'third' }), 'first then 2 then third');
    assert.equal(fill("'********-****' and '*'", { 0: 'id', 1: 'one' }), "'id' and 'one'");
    assert.equal(fill('%(a)s, %s and %(b)s', 'v'), 'v, v and v');
    assert.equal(fill('no placeholder'), 'no placeholder');
  });

  test('are emptied where a value is missing, or kept as written when asked', () => {
    assert.equal(fill('a %(x)s b %s c ***', {}), 'a  b  c ');
    assert.equal(fill('a %(x)s b %s c ***', {}, true), 'a %(x)s b %s c ***');
    assert.equal(fill('a %(x)s b %(y)s', { y: 0 }, true), 'a %(x)s b 0');
  });

  test('name their placeholders, positional ones by number', () => {
    assert.deepEqual(placeholders('%(a)s %s %(b)d %d ****-** *'), ['a', '0', 'b', '1', '2', '3']);
    assert.deepEqual(placeholders('none'), []);
  });
});

describe("the page's errors", () => {
  test('speak both languages, from the zh-CN template of the message sent', () => {
    const error = natError('NAT.0103', { nat_gateway_id: 'abc' });
    assert.deepEqual(error.messages, {
      en: 'NatGateway abc is not ACTIVE.',
      'zh-CN': 'NAT 网关 abc 不处于 ACTIVE 状态。',
    });
    const marker = natError('NAT.0301', {}, { variant: 'dnatrules error marker' });
    assert.equal(marker.messages?.['zh-CN'], '查询 DNAT 规则：marker 无效。');
    assert.equal(
      natError('NAT.0301', {}, { variant: 'dnatRules error limit' }).message,
      'get dnatRules error limit is invalid.',
    );
  });

  test('speak English alone for a code without a Chinese message', () => {
    const error = natError('VPC.0002');
    assert.equal(error.message, 'Available zone Name is null.');
    assert.equal(error.messages, undefined);
  });

  test('fill the gaps the page writes without placeholders, in both languages, before the placeholders', () => {
    const error = natError(
      'NAT.0105',
      { nat_gateway_id: 'g' },
      {
        status: 404,
        gaps: (template) => template.replace('NatGateway', 'Gateway').replace('NAT 网关', '网关'),
      },
    );
    assert.deepEqual(error.messages, { en: 'Gateway g does not exist.', 'zh-CN': '网关 g 不存在。' });
    assert.equal(error.status, 404);
    assert.equal(natError('NAT.0105', { nat_gateway_id: 'g' }, { status: 400 }).status, 400);
  });

  test('keep unfilled placeholders when asked, and carry details only when given', () => {
    const kept = natError('NAT.0103', {}, { keepUnfilled: true });
    assert.deepEqual(kept.messages, {
      en: 'NatGateway %(nat_gateway_id)s is not ACTIVE.',
      'zh-CN': 'NAT 网关 %(nat_gateway_id)s 不处于 ACTIVE 状态。',
    });
    assert.equal(natError('NAT.0103').message, 'NatGateway  is not ACTIVE.');
    assert.deepEqual(natError('NAT.0002', {}, { details: [{ field: 'x' }] }).details, [{ field: 'x' }]);
    assert.equal(natError('NAT.0002').details, undefined);
    assert.equal(natError('NAT.0002').code, 'NAT.0002');
  });

  test('refuse a status the code is not sent with, and a message the code does not have', () => {
    assert.throws(() => natError('NAT.0105', {}), /^Error: NAT.0105 has statuses 400\/404: say which$/);
    assert.throws(() => natError('NAT.0103', {}, { status: 409 }), /^Error: NAT.0103 is not sent with 409$/);
    assert.throws(
      () => natError('NAT.0301', {}, { variant: 'nope' }),
      /^Error: NAT.0301 has no message with "nope"$/,
    );
  });

  test("of natgw's own API are the contract's 409 in both languages", () => {
    const error = conflict('In use.', '使用中。');
    assert.ok(error instanceof ConflictError);
    assert.deepEqual(error.messages, { en: 'In use.', 'zh-CN': '使用中。' });
  });

  test('find the Chinese template of a message by its place', () => {
    assert.equal(zhCnTemplate('NAT.0103'), 'NAT 网关 %(nat_gateway_id)s 不处于 ACTIVE 状态。');
    assert.equal(zhCnTemplate('NAT.0103', 3), 'NAT 网关 %(nat_gateway_id)s 不处于 ACTIVE 状态。');
    assert.equal(zhCnTemplate('NAT.0301'), '查询 DNAT 规则：limit 无效。');
    assert.equal(zhCnTemplate('NAT.0301', 1), '查询 DNAT 规则：marker 无效。');
    assert.equal(zhCnTemplate('NAT.0301', 99), undefined);
    assert.equal(zhCnTemplate('VPC.0002'), undefined);
  });
});

describe('the documented errors of a route', () => {
  test('give status, code and message template, the status and message a route names', () => {
    assert.deepEqual(
      documented('NAT.0103', { code: 'NAT.0105', status: 404 }, { code: 'NAT.0301', variant: 'marker' }),
      [
        { status: 400, code: 'NAT.0103', message: 'NatGateway %(nat_gateway_id)s is not ACTIVE.' },
        { status: 404, code: 'NAT.0105', message: 'NatGateway %(nat_gateway_id)s does not exist.' },
        { status: 400, code: 'NAT.0301', message: 'get dnatrules error marker is invalid.' },
      ],
    );
    assert.deepEqual(documented({ code: 'NAT.0105', status: 400 })[0]?.status, 400);
    assert.deepEqual(documented({ code: 'NAT.0103' })[0]?.status, 400);
    assert.deepEqual(documented(), []);
  });

  test('refuse what the page does not send', () => {
    assert.throws(() => documented('NAT.0105'), /^Error: NAT.0105 has statuses 400\/404: say which$/);
    assert.throws(
      () => documented({ code: 'NAT.0103', status: 404 }),
      /^Error: NAT.0103 is not sent with 404$/,
    );
    assert.throws(
      () => documented({ code: 'NAT.0301', variant: 'nope' }),
      /^Error: NAT.0301 has no message with "nope"$/,
    );
  });
});
