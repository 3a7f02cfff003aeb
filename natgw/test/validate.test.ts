import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FastifySchemaValidationError, preValidationHookHandler, RouteOptions } from 'fastify';
import { type ContractError, isContractError } from 'statuskit';
import {
  checkLengths,
  decimalQueryIntegers,
  given,
  isUuid,
  listOf,
  listPage,
  listQuery,
  namedSchemaError,
  optionalText,
  schemaError,
  sent,
  storableText,
  success,
  uuid,
} from '../src/validate.js';

const id = '6B2F7B1C-28A4-4C36-9A8E-0F5D7E3C9A11';

/** The contract error `action` throws, with its English and Chinese messages. */
function thrown(action: () => unknown): ContractError {
  try {
    action();
  } catch (error) {
    assert.ok(isContractError(error), String(error));
    return error;
  }
  assert.fail('nothing was thrown');
}

const said = (error: ContractError) => [error.status, error.code, error.message, error.messages?.['zh-CN']];

describe('ids', () => {
  test('are UUIDs, compared in lower case', () => {
    assert.equal(uuid(id, 'NAT.0017'), id.toLowerCase());
    assert.equal(isUuid(id), true);
    for (const bad of [`x${id}`, `${id}x`, id.slice(1), id.replace(/-/g, ''), ''])
      assert.equal(isUuid(bad), false, bad);
  });

  test("that are not UUIDs are the field's error, naming the value", () => {
    const error = thrown(() => uuid('xyz', 'NAT.0017'));
    assert.deepEqual(
      [error.status, error.code, error.message],
      [400, 'NAT.0017', "Invalid input for router_id. Reason: 'xyz' is not a valid UUID."],
    );
  });
});

describe('given values', () => {
  test('are absent when empty or null', () => {
    assert.equal(given(null), undefined);
    assert.equal(given(undefined), undefined);
    assert.equal(given(''), undefined);
    assert.equal(given(' '), ' ');
    assert.equal(given('a'), 'a');
  });
});

describe('lengths', () => {
  test('take a name of 64 characters and a description of 255, counted as characters', () => {
    checkLengths({ name: 'n'.repeat(64), description: 'd'.repeat(255) });
    checkLengths({ name: '😀'.repeat(64), description: '😀'.repeat(255) });
    checkLengths({});
  });

  test("refuse one character more, saying how many and the field's own maximum", () => {
    assert.deepEqual(said(thrown(() => checkLengths({ name: 'n'.repeat(65) }))), [
      400,
      'NAT.0015',
      'Invalid input for name. Reason: 65 characters exceeds maximum length of 64.',
      'name 输入无效：超过最大长度 64。',
    ]);
    assert.deepEqual(said(thrown(() => checkLengths({ name: 'n', description: 'd'.repeat(256) }))), [
      400,
      'NAT.0014',
      'Invalid input for description. Reason: 256 characters exceeds maximum length of 255.',
      'description 输入无效：超过最大长度 255。',
    ]);
  });
});

describe('list pages', () => {
  const gateways = {
    limit: ['NAT.0101', 'get natgateways error limit is invalid.'],
    marker: ['NAT.0101', 'get natgateways error marker is invalid.'],
  } as const;

  test('read limit and marker, and hand on the filters', () => {
    assert.deepEqual(listPage({ limit: ' 20 ', marker: id, name: 'x' }, gateways), {
      page: { limit: 20, marker: id.toLowerCase() },
      filters: { name: 'x' },
    });
    assert.deepEqual(listPage({ limit: '1' }, {}).page, { limit: 1 });
    assert.deepEqual(listPage({ limit: '2000' }, {}).page, { limit: 2000 });
    assert.deepEqual(listPage({}, {}), { page: {}, filters: {} });
  });

  test("refuse a limit outside 1 to 2000 or not a number, with the page's code or NAT.0002", () => {
    for (const limit of ['0', '2001', '9999', '12345', '-1', '1.5', 'abc', '', '1 0']) {
      assert.deepEqual(said(thrown(() => listPage({ limit }, gateways))).slice(0, 3), [
        400,
        'NAT.0101',
        'get natgateways error limit is invalid.',
      ]);
      assert.deepEqual(said(thrown(() => listPage({ limit }, {}))).slice(0, 3), [
        400,
        'NAT.0002',
        'Invalid parameters.',
      ]);
    }
  });

  test("refuse a marker that is no id, with the page's code or NAT.0002", () => {
    assert.equal(
      thrown(() => listPage({ marker: 'abc' }, gateways)).message,
      'get natgateways error marker is invalid.',
    );
    assert.equal(thrown(() => listPage({ marker: 'abc' }, {})).code, 'NAT.0002');
  });

  test('take created_at as the pages write it, one or several, and refuse any other date or time', () => {
    for (const created of ['2024-02-29 23:59:59', '2024-01-31 00:00:00.123456', '2023-12-01 10:00:00.1'])
      assert.deepEqual(listPage({ created_at: created }, {}).filters, { created_at: created });
    assert.deepEqual(listPage({ created_at: ['2024-01-01 00:00:00', '2024-01-02 00:00:00'] }, {}).filters, {
      created_at: ['2024-01-01 00:00:00', '2024-01-02 00:00:00'],
    });
    for (const created of [
      '2023-02-29 00:00:00',
      '2024-04-31 00:00:00',
      '2024-13-01 00:00:00',
      '2024-00-10 00:00:00',
      '2024-01-00 00:00:00',
      '2024-01-01 24:00:00',
      '2024-01-01 23:60:00',
      '2024-01-01 23:59:60',
      '2024-01-01 10:60:00',
      '2024-01-01 10:00:60',
      '2024-01-01 10:59:99',
      '2024-01-01T00:00:00',
      '2024-01-01 00:00:00.1234567',
      ' 2024-01-01 00:00:00',
      '2024-01-01 00:00:00 ',
    ]) {
      assert.deepEqual(said(thrown(() => listPage({ created_at: created }, {}))).slice(0, 3), [
        400,
        'NAT.0001',
        `Invalid value for created_at ${created}.`,
      ]);
    }
    assert.equal(thrown(() => listPage({ created_at: ['2024-01-01 00:00:00', 'x'] }, {})).code, 'NAT.0001');
  });

  test('have a query schema with paging, the common filters and their own', () => {
    const schema = listQuery({ name: { type: 'string' }, port: { type: 'integer', minimum: 0, maximum: 9 } });
    assert.equal(schema.type, 'object');
    assert.deepEqual(Object.keys(schema.properties), [
      'limit',
      'marker',
      'id',
      'tenant_id',
      'description',
      'status',
      'admin_state_up',
      'created_at',
      'name',
      'port',
    ]);
    assert.deepEqual(schema.properties.limit, { type: 'string', maxLength: 16 });
    assert.deepEqual(schema.properties.marker, { type: 'string', maxLength: 64 });
    assert.deepEqual(schema.properties.tenant_id, { type: 'string', maxLength: 64 });
    assert.deepEqual(schema.properties.description, { type: 'string', maxLength: 255 });
    assert.deepEqual(schema.properties.status, { type: 'string', maxLength: 32 });
    assert.deepEqual(schema.properties.admin_state_up, { type: 'boolean' });
    assert.deepEqual(schema.properties.created_at, { type: 'string', maxLength: 32 });
  });

  test('refuse an integer filter declared without its range', () => {
    assert.throws(() => listQuery({ port: { type: 'integer' } }), /the integer filter port needs its range/);
    assert.throws(() => listQuery({ port: { type: 'integer', minimum: 0 } }), /port needs its range/);
    listQuery({ port: { type: 'integer', maximum: 9 } });
    listQuery({ source: { type: 'integer', enum: [0, 1] } });
    listQuery({ name: { type: 'string' } });
  });
});

describe('schema errors', () => {
  const error = (instancePath: string, keyword: string, params: object, message?: string) =>
    ({ instancePath, keyword, params, message, schemaPath: '' }) as FastifySchemaValidationError;

  test("are the page's NAT.0002 with each broken rule in details, named by its field", () => {
    const answer = schemaError()(
      [
        error('/nat_gateway/spec', 'enum', {}, 'must be equal to one of the allowed values'),
        error(
          '/nat_gateway',
          'required',
          { missingProperty: 'router_id' },
          "must have required property 'router_id'",
        ),
        error(
          '',
          'additionalProperties',
          { additionalProperty: 'extra' },
          'must NOT have additional properties',
        ),
        error('/a~1b/c~0d', 'type', {}),
        error('', 'type', {}, 'must be object'),
      ],
      'body',
    );
    assert.deepEqual([answer.status, answer.code, answer.message], [400, 'NAT.0002', 'Invalid parameters.']);
    assert.deepEqual(answer.details, [
      { field: 'nat_gateway.spec', rule: 'enum', message: 'must be equal to one of the allowed values' },
      {
        field: 'nat_gateway.router_id',
        rule: 'required',
        message: "must have required property 'router_id'",
      },
      { field: 'extra', rule: 'additionalProperties', message: 'must NOT have additional properties' },
      { field: 'a/b.c~d', rule: 'type', message: 'is invalid' },
      { field: 'request', rule: 'type', message: 'must be object' },
    ]);
  });

  test('name the part of the request outside the body', () => {
    const answer = schemaError()(
      [error('/limit', 'maxLength', {}, 'must NOT have more than 16 characters'), error('', 'type', {}, 'x')],
      'querystring',
    );
    assert.deepEqual(
      (answer.details as { field: string }[]).map((problem) => problem.field),
      ['querystring.limit', 'querystring'],
    );
  });

  test("are a route's own error for a required field left out, where it has one", () => {
    const seen: string[][] = [];
    const own = schemaError((field, path) => {
      seen.push([field, path]);
      return schemaError()([], 'body');
    });
    const answer = own(
      [
        error('/dnat_rule/port', 'type', {}, 'must be integer'),
        error('/dnat_rule', 'required', { missingProperty: 'floating_ip_id' }),
      ],
      'body',
    );
    assert.deepEqual(seen, [['floating_ip_id', 'dnat_rule.floating_ip_id']]);
    assert.deepEqual(answer.details, []);
    // A required rule that names no property (no validator writes one) is not the route's to answer.
    assert.equal(own([error('/dnat_rule', 'required', {})], 'body').code, 'NAT.0002');
    // Without a required field missing, the route's own error is not used.
    assert.equal(own([error('/dnat_rule/port', 'type', {}, 'must be integer')], 'body').code, 'NAT.0002');
    assert.equal(seen.length, 1);
  });

  test("of natgw's own API name each broken rule in the message", () => {
    const answer = namedSchemaError(
      [
        error(
          '',
          'required',
          { missingProperty: 'floating_ips' },
          "must have required property 'floating_ips'",
        ),
        error('/cidr', 'pattern', {}),
      ],
      'body',
    );
    assert.deepEqual(said(answer), [
      400,
      'NAT.0002',
      "Invalid parameters: floating_ips must have required property 'floating_ips'; cidr is invalid",
      "参数无效：floating_ips must have required property 'floating_ips'; cidr is invalid",
    ]);
    assert.deepEqual(answer.details, [
      { field: 'floating_ips', rule: 'required', message: "must have required property 'floating_ips'" },
      { field: 'cidr', rule: 'pattern', message: 'is invalid' },
    ]);
  });
});

describe('integer query parameters', () => {
  /** The error the route's last preValidation hook gives for `query`, or undefined. */
  function checked(route: RouteOptions, query: Record<string, unknown>): ContractError | undefined {
    const hooks = [route.preValidation].flat();
    const check = hooks.at(-1) as preValidationHookHandler;
    let result: unknown = 'not called';
    (check as (request: unknown, reply: unknown, done: (error?: unknown) => void) => void)(
      { query },
      {},
      (error) => {
        result = error;
      },
    );
    assert.notEqual(result, 'not called');
    return result as ContractError | undefined;
  }

  const route = (
    properties: Record<string, object>,
    preValidation?: preValidationHookHandler | preValidationHookHandler[],
  ) =>
    ({
      method: 'GET',
      url: '/',
      handler: () => undefined,
      schema: { querystring: { type: 'object', properties } },
      ...(preValidation === undefined ? {} : { preValidation }),
    }) as RouteOptions;

  test('are decimal digits, one or repeated, before the schema coerces them', () => {
    const listing = route({
      port: { type: 'integer' },
      ports: { type: 'array', items: { type: 'integer' } },
      name: { type: 'string' },
    });
    decimalQueryIntegers(listing);
    assert.equal(checked(listing, {}), undefined);
    assert.equal(checked(listing, { port: '80', ports: ['1', '2'], name: '0x10' }), undefined);
    for (const bad of ['0x10', ' 1', '1e1', '+1', '-1', '', '1.0']) {
      const error = checked(listing, { port: bad });
      assert.deepEqual([error?.status, error?.code], [400, 'NAT.0002'], bad);
      assert.deepEqual(error?.details, [
        { field: 'querystring.port', rule: 'type', message: 'must be integer' },
      ]);
    }
    assert.deepEqual(checked(listing, { ports: ['1', 'x'] })?.details, [
      { field: 'querystring.ports', rule: 'type', message: 'must be integer' },
    ]);
    assert.equal(checked(listing, { port: 8 })?.code, 'NAT.0002');
  });

  test("leave a route without them as it is, and keep a route's own hooks", () => {
    const plain = route({
      name: { type: 'string' },
      names: { type: 'array', items: { type: 'string' } },
      anything: { type: 'array' },
    });
    decimalQueryIntegers(plain);
    assert.equal(plain.preValidation, undefined);
    const noSchema = { method: 'GET', url: '/', handler: () => undefined } as RouteOptions;
    decimalQueryIntegers(noSchema);
    assert.equal(noSchema.preValidation, undefined);
    const own: preValidationHookHandler = (_request, _reply, done) => done();
    const one = route({ port: { type: 'integer' } }, own);
    decimalQueryIntegers(one);
    assert.equal([one.preValidation].flat().length, 2);
    assert.equal([one.preValidation].flat()[0], own);
    const two = route({ port: { type: 'integer' } }, [own, own]);
    decimalQueryIntegers(two);
    assert.equal([two.preValidation].flat().length, 3);
    const none = route({ port: { type: 'integer' } });
    decimalQueryIntegers(none);
    assert.equal([none.preValidation].flat().length, 1);
  });
});

describe('response schemas', () => {
  test('require every property sent, with a description where given', () => {
    assert.deepEqual(sent({ id: { type: 'string' }, port: { type: 'integer' } }, 'A rule.'), {
      type: 'object',
      description: 'A rule.',
      required: ['id', 'port'],
      properties: { id: { type: 'string' }, port: { type: 'integer' } },
    });
    assert.equal('description' in sent({}), false);
    assert.deepEqual(listOf({ type: 'string' }), { type: 'array', items: { type: 'string' } });
    assert.deepEqual(optionalText(255), { type: ['string', 'null'], maxLength: 255 });
  });

  test('of a creation send Location, and of a deletion no body', () => {
    assert.deepEqual(success.created({ type: 'object' }), {
      201: {
        type: 'object',
        headers: { Location: { type: 'string', format: 'uri', description: 'The URL of the new resource.' } },
      },
    });
    assert.deepEqual(success.noContent, { 204: { type: 'null' } });
  });
});

describe('storable text', () => {
  test('is any text without a NUL or a lone surrogate', () => {
    storableText({
      params: { id },
      query: { name: 'a😀b' },
      body: { rule: { description: 'é\u00a0', ports: [1, null] } },
    });
    storableText({ params: undefined, query: null, body: 'plain' });
  });

  test('refuses a NUL or a lone surrogate anywhere, naming its field', () => {
    const cases: [Parameters<typeof storableText>[0], string][] = [
      [{ params: { key: 'a\0b' }, query: {}, body: undefined }, 'params.key'],
      [{ params: {}, query: { marker: '\uD800' }, body: undefined }, 'query.marker'],
      [
        { params: {}, query: {}, body: { nat_gateway: { description: 'x\uDC00' } } },
        'nat_gateway.description',
      ],
      [{ params: {}, query: {}, body: { tags: [{ key: '\uDBFFx' }] } }, 'tags.0.key'],
      [{ params: {}, query: {}, body: 'a\uDFFF\uD800' }, ''],
    ];
    for (const [request, field] of cases) {
      const error = thrown(() => storableText(request));
      assert.deepEqual([error.status, error.code], [400, 'NAT.0002'], field);
      assert.deepEqual(error.details, [
        { field, rule: 'text', message: 'must not contain a NUL character or a lone UTF-16 surrogate' },
      ]);
    }
    assert.equal(
      thrown(() => storableText({ params: {}, query: {}, body: '\0' }, 'NAT.0301')).code,
      'NAT.0301',
    );
  });
});
