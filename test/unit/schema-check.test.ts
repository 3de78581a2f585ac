/** The response-schema checker (test/support/schema-check.ts) refuses each kind of departure it is meant to catch. */
import { describe, expect, it } from 'vitest';
import { schemaErrors } from '../support/schema-check.js';
import {
  arrayOf,
  boolean,
  enumOf,
  freeObject,
  integer,
  integerString,
  nullable,
  object,
  paginatorSchema,
  string,
  timestamp,
} from '../../src/http/openapi-schemas.js';

const item = object({
  id: integer,
  name: string,
  at: nullable(timestamp),
  kind: enumOf(['a', 'b']),
  count: integerString,
  tags: arrayOf(string),
  flag: boolean,
});
const good = { id: 1, name: 'x', at: '2026-11-24T21:09:00Z', kind: 'a', count: '3', tags: ['t'], flag: true };

describe('schemaErrors', () => {
  it('accepts a conforming value, nulls where nullable, and a paginator around it', () => {
    expect(schemaErrors(good, item)).toEqual([]);
    expect(schemaErrors({ ...good, at: null }, item)).toEqual([]);
    const page = {
      data: [good],
      links: { first: 'f', last: 'l', prev: null, next: null },
      meta: { current_page: 1, from: 1, last_page: 1, links: [{ url: null, label: 'x', active: false }], path: 'p', per_page: 15, to: 1, total: 1 },
    };
    expect(schemaErrors(page, paginatorSchema(item))).toEqual([]);
  });

  it('refuses keys out of the declared order', () => {
    const { id, name, ...rest } = good;
    expect(schemaErrors({ name, id, ...rest }, item)).toEqual([
      '$: keys in order [name, id, at, kind, count, tags, flag], the schema lists [id, name, at, kind, count, tags, flag]',
    ]);
  });

  it('refuses a key the schema does not list, unless additionalProperties allows it', () => {
    expect(schemaErrors({ ...good, secret: 'x' }, item)).toEqual(['$: key secret is not in the schema']);
    expect(schemaErrors({ any: { thing: 1 } }, freeObject())).toEqual([]);
    const flags = { type: 'object', additionalProperties: { type: 'boolean' } };
    expect(schemaErrors({ a: true, b: 'yes' }, flags)).toEqual(['$.b: "yes" is not a boolean']);
  });

  it('refuses a missing required key, a null where not nullable, and wrong types, recursively', () => {
    const { flag: _flag, ...withoutFlag } = good;
    expect(schemaErrors(withoutFlag, item)).toEqual(['$: required key flag is missing']);
    expect(schemaErrors({ ...good, name: null }, item)).toEqual(['$.name: null, but the schema is not nullable']);
    expect(schemaErrors({ ...good, id: '1' }, item)).toEqual(['$.id: "1" is not an integer']);
    expect(schemaErrors({ ...good, id: 1.5 }, item)).toEqual(['$.id: 1.5 is not an integer']);
    expect(schemaErrors({ ...good, tags: ['t', 2] }, item)).toEqual(['$.tags[1]: 2 is not a string']);
    expect(schemaErrors({ ...good, flag: 'true' }, item)).toEqual(['$.flag: "true" is not a boolean']);
    expect(schemaErrors([good], item)).toEqual([`$: ${JSON.stringify([good]).slice(0, 80)} is not an object`]);
    expect(schemaErrors({ data: [{ ...good, tags: 'x' }] }, object({ data: arrayOf(item) }))).toEqual(['$.data[0].tags: "x" is not an array']);
  });

  it('refuses values outside an enum, a pattern or a format', () => {
    expect(schemaErrors({ ...good, kind: 'c' }, item)).toEqual(['$.kind: "c" is not one of a, b']);
    expect(schemaErrors({ ...good, count: '-3' }, item)).toEqual(['$.count: "-3" does not match ^[0-9]+$']);
    expect(schemaErrors({ ...good, at: '2026-11-24 21:09:00' }, item)).toEqual(['$.at: "2026-11-24 21:09:00" is not a date-time']);
    expect(schemaErrors({ ...good, at: '2026-11-24T21:09:00.123Z' }, item)).toEqual(['$.at: "2026-11-24T21:09:00.123Z" is not a date-time']);
    expect(schemaErrors('not-a-uuid', { type: 'string', format: 'uuid' })).toEqual(['$: "not-a-uuid" is not a uuid']);
  });

  it('refuses schemas outside the subset it understands, so none passes unchecked', () => {
    expect(schemaErrors(1, { oneOf: [integer] })).toEqual([
      '$: keyword oneOf is not supported by the checker',
      '$: the schema has no type the checker knows (undefined)',
    ]);
    expect(schemaErrors('x', { type: 'string', format: 'email' })).toEqual(['$: format email is not supported by the checker']);
    expect(schemaErrors([1], { type: 'array' })).toEqual(['$: the array schema has no items']);
  });
});
