/** The canonical JSON of an Idempotency-Key's request fingerprint (docs/idempotency.md#the-same-request). */
import { describe, expect, it } from 'vitest';
import { canonicalJson, fingerprintPath } from '../../src/modules/idempotency/request-fingerprint.js';

describe('canonicalJson', () => {
  it('sorts keys at every level, drops white space and writes numbers as JSON.stringify does', () => {
    expect(canonicalJson(JSON.parse('{"a":1,"b":2.0}'))).toBe(canonicalJson(JSON.parse('{ "b": 2, "a": 1 }')));
    expect(canonicalJson({ z: [{ y: 1, x: null }], a: 'é\n' })).toBe('{"a":"é\\n","z":[{"x":null,"y":1}]}');
    expect(canonicalJson({})).toBe('{}');
  });

  it('orders keys by code point, not by UTF-16 code unit', () => {
    // U+FF61 sorts before U+1F600 by code point; by UTF-16 units the surrogate 0xD83D would come first.
    expect(canonicalJson({ '\u{1F600}': 1, '\uFF61': 2 })).toBe('{"\uFF61":2,"\u{1F600}":1}');
  });

  it('keeps the last of duplicate keys, as the JSON parser does', () => {
    expect(canonicalJson(JSON.parse('{"a":1,"a":2}'))).toBe('{"a":2}');
  });
});

describe('fingerprintPath', () => {
  it('drops the query string and one trailing slash', () => {
    expect(fingerprintPath('/api/v1/customers/?page=2')).toBe('/api/v1/customers');
    expect(fingerprintPath('/api/v1/customers//')).toBe('/api/v1/customers/');
    expect(fingerprintPath('/api/v1/customers')).toBe('/api/v1/customers');
  });
});
