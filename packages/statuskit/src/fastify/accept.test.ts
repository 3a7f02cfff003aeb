import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { acceptable } from './accept.js';

const json = ['application/json'];

describe('acceptable', () => {
  test('lets the most specific range decide, not the first: */* then application/json;q=0 refuses JSON', () => {
    assert.equal(acceptable('*/*, application/json;q=0', json), false);
    assert.equal(acceptable('application/*, application/json;q=0', json), false);
    assert.equal(acceptable('*/*;q=0, application/json', json), true);
    assert.equal(acceptable('application/*;q=0, application/json;q=0.5', json), true);
  });

  test('matches a produced type by its media type, with or without parameters, among several', () => {
    const jsonUtf8 = 'application/json; charset=utf-8';
    for (const produces of [[jsonUtf8], [jsonUtf8, 'text/html'], ['text/html', jsonUtf8]]) {
      assert.equal(acceptable(jsonUtf8, produces), true, String(produces));
      assert.equal(acceptable('application/json', produces), true, String(produces));
      assert.equal(acceptable('application/xml', produces), false, String(produces));
    }
    assert.equal(acceptable('text/html;q=0, application/json;q=0', [jsonUtf8, 'text/html']), false);
    assert.equal(acceptable('application/json', ['text/html', 'application/json ; charset=utf-8']), true);
  });

  test('takes a missing, empty or unparsable header as accepting anything', () => {
    for (const accept of [undefined, '', '*/*', 'nonsense', ', ;q=1'])
      assert.equal(acceptable(accept, json), true);
  });

  test('matches types and parameters without regard to case or spaces', () => {
    assert.equal(acceptable('Application/JSON', json), true);
    assert.equal(acceptable(' text/html ;q=0.5 , application/json ; Q=0.1', json), true);
    assert.equal(acceptable('text/html; q=0.9, application/json; q=0', json), false);
  });

  test('refuses a type the header names nowhere, and one it rules out with q=0', () => {
    assert.equal(acceptable('text/html', json), false);
    assert.equal(acceptable('text/*', json), false);
    assert.equal(acceptable('application/json;q=0', json), false);
    assert.equal(acceptable('application/json;q=0.001', json), true);
  });

  test('serves a route when any of its types is acceptable', () => {
    const both = ['application/json', 'text/html'];
    assert.equal(acceptable('text/html', both), true);
    assert.equal(acceptable('application/json;q=0, text/*', both), true);
    assert.equal(acceptable('application/json;q=0, text/html;q=0', both), false);
  });

  test('matches a range by type and subtype, a subtype wildcard or */*, nothing else', () => {
    assert.equal(acceptable('text/json', json), false);
    assert.equal(acceptable('application/xml', json), false);
    assert.equal(acceptable('application/*', json), true);
    assert.equal(acceptable('text/html, */*;q=0.1', json), true);
  });

  test('lets a more specific range decide wherever it stands, and the first of equals', () => {
    assert.equal(acceptable('application/json;q=0, */*', json), false);
    assert.equal(acceptable('application/json;q=0, application/*', json), false);
    assert.equal(acceptable('application/json;q=0, application/json', json), false);
    assert.equal(acceptable('application/json, application/json;q=0', json), true);
  });

  test('reads the weight from q=, whatever parameters come before it', () => {
    assert.equal(acceptable('application/json;level=1;q=0', json), false);
  });

  test('answers */* and no header alike for any route', () => {
    assert.equal(acceptable('*/*', []), true);
    assert.equal(acceptable(undefined, []), true);
    assert.equal(acceptable('application/json', []), false);
  });

  test('reads an unreadable weight as 1', () => {
    assert.equal(acceptable('application/json;q=x', json), true);
  });

  test('takes the one type a route produces, named exactly, without parsing', () => {
    assert.equal(acceptable('application/json', json), true);
    assert.equal(acceptable('text/html', ['text/html', 'application/json']), true);
    assert.equal(acceptable('application/json', ['text/html', 'application/json']), true);
    // Parameters and all: parsed, the range would lose them and match nothing.
    const utf8 = 'application/json; charset=utf-8';
    assert.equal(acceptable(utf8, [utf8]), true);
  });

  test('lets a route producing */* (a proxy) serve any range the client has not ruled out', () => {
    assert.equal(acceptable('application/xml', ['*/*']), true);
    assert.equal(acceptable('text/html;q=0, image/png', ['*/*']), true);
    assert.equal(acceptable('text/html;q=0', ['*/*']), false);
  });
});
