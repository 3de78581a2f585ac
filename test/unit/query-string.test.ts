import { describe, it, expect } from 'vitest';
import { buildPhpQuery, cleanPhpQuery, parsePhpQuery, phpTrim, PhpMap, QueryStringEncodingError, type PhpValue } from '../../src/http/query-string.js';

type Tree = string | null | Array<[string | number, Tree]>;

/** An ordered, type-exact view of a map: toEqual then checks keys, key types, order and values at once. */
function tree(value: PhpValue): Tree {
  if (value instanceof PhpMap) {
    return value.entries().map(([key, child]): [string | number, Tree] => [key, tree(child)]);
  }
  return value;
}

const parsed = (raw: string): Tree => tree(parsePhpQuery(raw));
const cleaned = (raw: string): Tree => tree(cleanPhpQuery(parsePhpQuery(raw)));

describe('parsePhpQuery: pieces and decoding (docs/pagination.md#php-query-string-rules)', () => {
  it('skips empty pieces and gives "" to a piece without "="', () => {
    expect(parsed('&&a=1&&b&c=&')).toEqual([
      ['a', '1'],
      ['b', ''],
      ['c', ''],
    ]);
  });

  it('splits at the first "=" only', () => {
    expect(parsed('a=b=c')).toEqual([['a', 'b=c']]);
  });

  it('decodes "+" as a space before %XX, so %2B stays a plus', () => {
    expect(parsed('sp=a+b&plus=1%2B1&hex=%41%c3%a9')).toEqual([
      ['sp', 'a b'],
      ['plus', '1+1'],
      ['hex', 'Aé'],
    ]);
  });

  it('keeps invalid percent sequences literally', () => {
    expect(parsed('a=%zz&b=%&c=%2&d=100%')).toEqual([
      ['a', '%zz'],
      ['b', '%'],
      ['c', '%2'],
      ['d', '100%'],
    ]);
  });

  it('ignores everything after "#"', () => {
    expect(parsed('a=1#b=2')).toEqual([['a', '1']]);
  });

  it('keeps a NUL inside a value', () => {
    expect(parsed('a=x%00y')).toEqual([['a', 'x\0y']]);
  });

  it.each(['a=%FF', '%FF=1', 'a=%C0%80', 'a=%ED%A0%80', 'a=%E2%82', 'a[%FF]=1'])('refuses invalid UTF-8 in %s', (raw) => {
    expect(() => parsePhpQuery(raw)).toThrow(QueryStringEncodingError);
    expect(() => parsePhpQuery(raw)).toThrow('The query string is not valid UTF-8.');
  });

  it('is a real Error subclass', () => {
    expect(new QueryStringEncodingError()).toBeInstanceOf(Error);
  });
});

describe('parsePhpQuery: names (docs/pagination.md#php-query-string-rules)', () => {
  it('mangles "." and spaces in the base name', () => {
    expect(parsed('a.b=1&c%20d=2&e+f=3')).toEqual([
      ['a_b', '1'],
      ['c_d', '2'],
      ['e_f', '3'],
    ]);
  });

  it('cuts the name at the first NUL', () => {
    expect(parsed('a%00b=1&%00c=2')).toEqual([['a', '1']]);
  });

  it('removes leading spaces and skips a name left empty', () => {
    expect(parsed('%20%20x=1&+y=2&%20=3&+=4')).toEqual([
      ['x', '1'],
      ['y', '2'],
    ]);
  });

  it('skips pieces whose base is empty', () => {
    expect(parsed('[]=x&=y&[a]=z&k=v')).toEqual([['k', 'v']]);
  });

  it('turns an unclosed first "[" into "_" and mangles the rest', () => {
    expect(parsed('a[b=1&a[b.c%20d=2&x[y[z=3')).toEqual([
      ['a_b', '1'],
      ['a_b_c_d', '2'],
      ['x_y_z', '3'],
    ]);
  });

  it('ends the name at an unclosed "[" after complete groups', () => {
    expect(parsed('a[b][c=1')).toEqual([['a', [['b', '1']]]]);
  });

  it('changes nothing inside brackets', () => {
    expect(parsed('a.b[c.d%20e]=1')).toEqual([['a_b', [['c.d e', '1']]]]);
  });

  it('ignores text after "]" that does not open another bracket', () => {
    expect(parsed('a[b]c=1&d[e]f[g]=2')).toEqual([
      ['a', [['b', '1']]],
      ['d', [['e', '2']]],
    ]);
  });

  it('nests bracket groups, raw or percent-encoded', () => {
    expect(parsed('filter%5Bstatus%5D=open&filter[tags][]=vip')).toEqual([
      [
        'filter',
        [
          ['status', 'open'],
          ['tags', [[0, 'vip']]],
        ],
      ],
    ]);
  });
});

describe('parsePhpQuery: storing (docs/pagination.md#php-query-string-rules)', () => {
  it('replaces a duplicate in place', () => {
    expect(parsed('dup=1&x=2&dup=3')).toEqual([
      ['dup', '3'],
      ['x', '2'],
    ]);
  });

  it('lets a plain value replace an array', () => {
    expect(parsed('a[]=1&b=0&a=2')).toEqual([
      ['a', '2'],
      ['b', '0'],
    ]);
  });

  it('lets an array access replace a plain value in place', () => {
    expect(parsed('a=1&b=0&a[]=2')).toEqual([
      ['a', [[0, '2']]],
      ['b', '0'],
    ]);
  });

  it('appends after the largest integer key', () => {
    expect(parsed('a[5]=x&a[]=y&a[k]=z&a[]=w')).toEqual([
      [
        'a',
        [
          [5, 'x'],
          [6, 'y'],
          ['k', 'z'],
          [7, 'w'],
        ],
      ],
    ]);
  });

  it('appends after a negative largest key (PHP ≥ 8.3)', () => {
    expect(parsed('a[-3]=x&a[]=y')).toEqual([
      [
        'a',
        [
          [-3, 'x'],
          [-2, 'y'],
        ],
      ],
    ]);
  });

  it('creates a fresh map for each "[]" group', () => {
    expect(parsed('a[][x]=1&a[][x]=2')).toEqual([
      [
        'a',
        [
          [0, [['x', '1']]],
          [1, [['x', '2']]],
        ],
      ],
    ]);
  });

  it('makes only canonical decimal integers integer keys', () => {
    expect(parsed('5=a&-3=b&05=c&%2B5=d&-0=e&0=f')).toEqual([
      [5, 'a'],
      [-3, 'b'],
      ['05', 'c'],
      ['+5', 'd'],
      ['-0', 'e'],
      [0, 'f'],
    ]);
  });

  it('keeps integer keys within 64 bits, larger ones as strings', () => {
    const map = parsePhpQuery('9223372036854775807=a&9223372036854775808=b&-9223372036854775808=c');
    expect(map.exactEntries()).toEqual([
      [9223372036854775807n, 'a'],
      ['9223372036854775808', 'b'],
      [-9223372036854775808n, 'c'],
    ]);
  });

  it('refuses an append once the largest key is 2^63 − 1', () => {
    const map = parsePhpQuery('a[9223372036854775807]=x&a[]=y');
    const inner = map.get('a');
    expect(inner).toBeInstanceOf(PhpMap);
    expect((inner as PhpMap).exactEntries()).toEqual([[9223372036854775807n, 'x']]);
  });
});

describe('parsePhpQuery: limits (docs/pagination.md#php-query-string-rules)', () => {
  const nested = (levels: number): string => 'a' + '[x]'.repeat(levels);

  it('accepts 64 levels of brackets', () => {
    let value: Tree = '2';
    for (let level = 0; level < 64; level += 1) value = [['x', value]];
    expect(parsed(`${nested(64)}=2`)).toEqual([['a', value]]);
  });

  it('drops a 65-level name and what its base already held', () => {
    expect(parsed(`a=1&b=2&${nested(65)}=2`)).toEqual([['b', '2']]);
    expect(parsed(`a[y]=1&b=2&${nested(65)}=2&c=3`)).toEqual([
      ['b', '2'],
      ['c', '3'],
    ]);
  });

  it('counts an unclosed 65th bracket as too deep, as PHP does', () => {
    expect(parsed(`a=1&${nested(64)}[z=2`)).toEqual([]);
  });

  it('reads only the first 1000 non-empty pieces', () => {
    const pieces = Array.from({ length: 1001 }, (_, index) => `k${index}=${index}&`);
    const map = parsePhpQuery(pieces.join('&'));
    expect(map.size).toBe(1000);
    expect(map.has('k999')).toBe(true);
    expect(map.has('k1000')).toBe(false);
  });

  it('counts duplicates and skipped pieces towards the 1000', () => {
    const skipped = Array.from({ length: 998 }, () => '[]=x').join('&');
    expect(parsed(`dup=1&${skipped}&dup=2&late=3`)).toEqual([['dup', '2']]);
  });
});

describe('cleanPhpQuery (docs/pagination.md#php-query-string-rules)', () => {
  it('trims " \\t\\n\\r\\0\\x0B" and nothing else', () => {
    expect(cleaned('a=%00%0B%20x%09%0A%0D&b=%0Cy&c=%C2%A0z')).toEqual([
      ['a', 'x'],
      ['b', '\fy'],
      ['c', '\u00a0z'],
    ]);
  });

  it('turns empty values into null, recursively', () => {
    expect(cleaned('search=&channel_type=%20&a[]=&a[k]=%20v%20')).toEqual([
      ['search', null],
      ['channel_type', null],
      [
        'a',
        [
          [0, null],
          ['k', 'v'],
        ],
      ],
    ]);
  });

  it('leaves top-level password fields untouched but trims nested ones', () => {
    expect(cleaned('password=%20p%20&password_confirmation=%20&current_password=%00x%00&a[password]=%20q&pass=%20r')).toEqual([
      ['password', ' p '],
      ['password_confirmation', ' '],
      ['current_password', '\0x\0'],
      ['a', [['password', 'q']]],
      ['pass', 'r'],
    ]);
  });

  it('does not modify its input', () => {
    const source = parsePhpQuery('a=%20x');
    cleanPhpQuery(source);
    expect(source.get('a')).toBe(' x');
  });
});

describe('phpTrim', () => {
  it('strips the PHP default list at both ends only', () => {
    expect(phpTrim('\0\x0B \t\n\ra b\r\n\t \x0B\0')).toBe('a b');
    expect(phpTrim('\u00a0x\u200b')).toBe('\u00a0x\u200b');
    expect(phpTrim(' \0 ')).toBe('');
  });
});

describe('buildPhpQuery (docs/pagination.md#links)', () => {
  it('serialises the map of a worked example', () => {
    const map = PhpMap.fromEntries([
      ['status', 'open'],
      [
        'labels',
        PhpMap.fromEntries([
          [0, 'vip'],
          [1, 'b c'],
        ]),
      ],
      ['q', 'a&b'],
      ['n', null],
      ['e', ''],
      ['page', '2'],
    ]);
    expect(buildPhpQuery(map)).toBe('status=open&labels%5B0%5D=vip&labels%5B1%5D=b%20c&q=a%26b&e=&page=2');
  });

  it('drops the empty values of a worked example request after cleaning', () => {
    const query = cleanPhpQuery(parsePhpQuery('status=open&labels[]=vip&labels[]=b%20c&q=a%26b&n=&e=&page=2'));
    expect(buildPhpQuery(query)).toBe('status=open&labels%5B0%5D=vip&labels%5B1%5D=b%20c&q=a%26b&page=2');
  });

  it("is rawurlencode with upper-case hex, fixing ! * ' ( )", () => {
    const map = PhpMap.fromEntries([
      ['keep', "-_.~!*'()"],
      ['k y', ' +&=/?#%[]'],
      ['uni', 'José😀'],
    ]);
    expect(buildPhpQuery(map)).toBe('keep=-_.~%21%2A%27%28%29&k%20y=%20%2B%26%3D%2F%3F%23%25%5B%5D&uni=Jos%C3%A9%F0%9F%98%80');
  });

  it('writes nothing for null values, empty maps and maps of nulls', () => {
    const map = PhpMap.fromEntries([
      ['a', null],
      ['b', new PhpMap()],
      [
        'c',
        PhpMap.fromEntries([
          [0, null],
          ['x', PhpMap.fromEntries([['y', null]])],
        ]),
      ],
    ]);
    expect(buildPhpQuery(map)).toBe('');
  });

  it('encodes nested keys and keeps nested integer keys', () => {
    const map = parsePhpQuery('a[5]=x&a[]=y&f[t%20s][-1]=z&9=n');
    expect(buildPhpQuery(map)).toBe('a%5B5%5D=x&a%5B6%5D=y&f%5Bt%20s%5D%5B-1%5D=z&9=n');
  });
});

describe('PhpMap', () => {
  it('treats a canonical decimal string and the integer as one key', () => {
    const map = new PhpMap().set('5', 'a').set(5, 'b').set('05', 'c');
    expect(map.entries()).toEqual([
      [5, 'b'],
      ['05', 'c'],
    ]);
    expect(map.get('5')).toBe('b');
    expect(map.has(5)).toBe(true);
  });

  it('keeps a replaced key in place and forgets deleted keys', () => {
    const map = PhpMap.fromEntries([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ]);
    map.set('a', '4');
    expect(map.delete('b')).toBe(true);
    expect(map.delete('b')).toBe(false);
    expect(map.entries()).toEqual([
      ['a', '4'],
      ['c', '3'],
    ]);
    expect(map.get('b')).toBeUndefined();
  });

  it('does not reuse the index of a deleted integer key when appending', () => {
    const map = PhpMap.fromEntries([
      [0, 'a'],
      [1, 'b'],
    ]);
    map.delete(1);
    map.append('c');
    expect(map.keys()).toEqual([0, 2]);
  });

  it('returns integer keys beyond 2^53 as exact decimal text', () => {
    const map = new PhpMap().set(9007199254740993n, 'x');
    expect(map.keys()).toEqual(['9007199254740993']);
    expect(map.get('9007199254740993')).toBe('x');
  });
});
