import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MethodTable } from './methods.js';

function table(options?: ConstructorParameters<typeof MethodTable>[0]) {
  const methods = new MethodTable(options);
  methods.add(['GET', 'POST'], '/items');
  methods.add('GET', '/items/:id');
  methods.add(['PUT', 'DELETE'], '/items/:itemId');
  methods.add('POST', '/items/:id/rebuild');
  return methods;
}

describe('MethodTable', () => {
  test('lists the methods of a path for Allow, HEAD wherever GET is, and OPTIONS last', () => {
    assert.deepEqual(table().allowed('/items'), ['GET', 'POST', 'HEAD', 'OPTIONS']);
    assert.deepEqual(table().allowed('/items/:id/rebuild'), ['POST', 'OPTIONS']);
  });

  test('takes routes whose parameters are named differently as one path', () => {
    assert.deepEqual(table().allowed('/items/7'), ['GET', 'PUT', 'DELETE', 'HEAD', 'OPTIONS']);
  });

  test('lists OPTIONS once when a route serves it itself', () => {
    const methods = new MethodTable();
    methods.add(['OPTIONS', 'GET'], '/things');
    assert.deepEqual(methods.allowed('/things'), ['OPTIONS', 'GET', 'HEAD']);
  });

  test('gives Allow as one value, made once per path and again after a route is added', () => {
    const methods = table();
    assert.equal(methods.allow('/items/7'), 'GET, PUT, DELETE, HEAD, OPTIONS');
    assert.equal(methods.allow('/items/8'), 'GET, PUT, DELETE, HEAD, OPTIONS');
    methods.add('PATCH', '/items/:id');
    assert.equal(methods.allow('/items/7'), 'GET, PUT, DELETE, PATCH, HEAD, OPTIONS');
    assert.equal(methods.allow('/nothing'), undefined);
  });

  test('gives Allow for the server as a whole (OPTIONS *): every method of every route, again after a route is added', () => {
    const methods = table();
    assert.equal(methods.allowAll(), 'GET, POST, PUT, DELETE, HEAD, OPTIONS');
    methods.add('PATCH', '/other');
    assert.equal(methods.allowAll(), 'GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS');
    assert.equal(new MethodTable().allowAll(), 'OPTIONS');
  });

  test('says whether a route serves a method at a path, HEAD wherever GET is', () => {
    const methods = table();
    assert.equal(methods.serves('/items/7', 'PUT'), true);
    assert.equal(methods.serves('/items/7', 'HEAD'), true);
    assert.equal(methods.serves('/items/7', 'POST'), false);
    assert.equal(methods.serves('/nothing', 'GET'), false);
  });

  test('lists nothing for a path no route has', () => {
    assert.deepEqual(table().allowed('/nothing'), []);
    assert.deepEqual(table().allowed('/items/7/8'), []);
  });

  test("knows HTTP's own methods and PATCH everywhere, and any other method only where a route serves it", () => {
    const methods = table();
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT'])
      assert.equal(methods.knows(method), true, method);
    for (const method of ['PROPFIND', 'LINK', 'MKCOL']) assert.equal(methods.knows(method), false, method);
    // Without any route as well: HTTP's own methods are known before a route serves them.
    const empty = new MethodTable();
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT'])
      assert.equal(empty.knows(method), true, method);
    assert.equal(empty.knows(''), false);
    const webdav = new MethodTable();
    webdav.add('PROPFIND', '/x');
    assert.equal(webdav.knows('PROPFIND'), true);
  });

  test("follows the app's router options for trailing slashes and case", () => {
    const things = (options?: ConstructorParameters<typeof MethodTable>[0]) => {
      const methods = new MethodTable(options);
      methods.add('GET', '/things');
      return methods;
    };
    assert.deepEqual(things().allowed('/things/'), []);
    assert.deepEqual(things().allowed('/THINGS'), []);
    assert.deepEqual(things({ ignoreTrailingSlash: true }).allowed('/things/'), ['GET', 'HEAD', 'OPTIONS']);
    assert.deepEqual(things({ caseSensitive: false }).allowed('/THINGS'), ['GET', 'HEAD', 'OPTIONS']);
  });
});
