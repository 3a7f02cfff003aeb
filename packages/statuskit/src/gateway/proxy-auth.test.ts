import assert from 'node:assert/strict';
import { test } from 'node:test';
import { basicToken } from './proxy-auth.js';

test('reads the token of a Basic authorization, whatever the case of the scheme and the spaces around it', () => {
  assert.equal(basicToken('Basic Z3c6cHc='), 'Z3c6cHc=');
  assert.equal(basicToken('basic    Z3c6cHc=   '), 'Z3c6cHc=');
  assert.equal(basicToken('BASIC a-b._~+/='), 'a-b._~+/=');
  assert.equal(basicToken('Basic '), '');
  for (const bad of [
    'Basic',
    'Basis Z3c=',
    'Bearr Z3c=',
    'Basicx Z3c=',
    'Bearer Z3c=',
    'Basic Z3c= x',
    'Basic Z3c=!',
    'Basic\tZ3c=',
  ]) {
    assert.equal(basicToken(bad), undefined, bad);
  }
});
