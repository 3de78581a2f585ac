import { describe, expect, it } from 'vitest';
import { containsNul, normalizeInput } from '../../src/http/validation.js';
import { jsonDepth } from '../../src/http/body-parsers.js';
import { parsePhpQuery } from '../../src/http/query-string.js';
import { strictFormParams } from '../../src/modules/oauth/server/form.js';
import { OAuthError } from '../../src/modules/oauth/server/oauth-error.js';

/** An array nested `depth` levels around `leaf`, built without recursion. */
function nestedArrays(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let level = 0; level < depth; level += 1) value = [value];
  return value;
}

describe('normalizeInput without recursion', () => {
  it('normalises 200,000 levels without overflowing the stack', () => {
    let result = normalizeInput({ tree: nestedArrays(200_000, '  leaf  ') }) as Record<string, unknown>;
    let node: unknown = result.tree;
    for (let level = 0; level < 200_000; level += 1) node = (node as unknown[])[0];
    expect(node).toBe('leaf');
    result = normalizeInput({ tree: nestedArrays(3, '') }) as Record<string, unknown>;
    expect(result).toEqual({ tree: [[[null]]] });
  });

  it('keeps key order, trims, turns "" into null and leaves only top-level password strings as sent', () => {
    const input = { b: ' x ', a: [' y ', '', { password: ' nested ' }], password: ' secret ', nested: { password: ' inner ', z: 1, y: true } };
    const result = normalizeInput(input);
    expect(JSON.stringify(result)).toBe('{"b":"x","a":["y",null,{"password":" nested "}],"password":" secret ","nested":{"password":"inner","z":1,"y":true}}');
    expect(input.b).toBe(' x ');
  });

  it('keeps "__proto__" an ordinary key', () => {
    const result = normalizeInput(JSON.parse('{"__proto__": {"polluted": " yes "}, "a": 1}')) as Record<string, unknown>;
    expect(Object.keys(result)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect((result as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('containsNul', () => {
  it('finds a NUL in strings, nested values, object keys and parsed query maps', () => {
    expect(containsNul('a\u0000b')).toBe(true);
    expect(containsNul({ list: [{ deep: ['x', 'y\u0000'] }] })).toBe(true);
    expect(containsNul({ 'key\u0000': 1 })).toBe(true);
    expect(containsNul(nestedArrays(100_000, '\u0000'))).toBe(true);
    expect(containsNul(parsePhpQuery('filter[a]=x%00').get('filter'))).toBe(true);
  });

  it('finds nothing in clean values', () => {
    for (const value of ['abc', 12, null, true, { a: ['b', { c: 'd' }] }, parsePhpQuery('filter[a]=1').get('filter'), 'U+2400 ␀ is not NUL']) {
      expect(containsNul(value)).toBe(false);
    }
  });
});

describe('jsonDepth', () => {
  it.each([
    ['1', 0],
    ['{}', 1],
    ['{"a":[1,{"b":[]}]}', 4],
    ['{"a":"[[[{{{"}', 1],
    ['{"a":"\\"[[[","b":[]}', 2],
    ['{"a":"\\\\","b":[[]]}', 3],
  ])('%s → %i', (text, depth) => {
    expect(jsonDepth(text)).toBe(depth);
  });

  it('measures a megabyte of brackets in one pass', () => {
    expect(jsonDepth('['.repeat(500_000) + ']'.repeat(500_000))).toBe(500_000);
  });
});

describe('strictFormParams', () => {
  const refusal = (text: string) => {
    try {
      strictFormParams(text);
    } catch (error) {
      return error instanceof OAuthError ? [error.error, error.description] : error;
    }
    return null;
  };

  it('decodes as URLSearchParams does for valid input', () => {
    const text = 'a=1&b=x+y&c=%C3%A7%F0%9F%99%82&d&e=%zz&a=2&=empty';
    expect([...strictFormParams(text)]).toEqual([...new URLSearchParams(text)]);
  });

  it('refuses invalid UTF-8 and NUL in names and values', () => {
    expect(refusal('a=%FF')).toEqual(['invalid_request', 'The request is not valid UTF-8.']);
    expect(refusal('a%C3=1')).toEqual(['invalid_request', 'The request is not valid UTF-8.']);
    expect(refusal('code=a%00b')).toEqual(['invalid_request', 'The code parameter must not contain NUL characters.']);
    expect(refusal('co%00de=x')).toEqual(['invalid_request', 'The code parameter must not contain NUL characters.']);
  });
});
