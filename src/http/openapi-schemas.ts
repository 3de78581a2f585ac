/**
 * The generic pieces of response schemas: primitives, the success envelope and the paginator. Each resource's own
 * shape sits beside its serializer in the module's `*.resource.ts`; routes declare `responseSchema` from both.
 * Schemas document the answers (the serializer compiler is plain JSON.stringify, see app.ts) and are checked
 * against real answers by test/api/response-schemas.test.ts: property order here is the order the API writes, and
 * every property `object()` lists is required.
 */
export type Schema = Record<string, unknown>;

export const nullable = (schema: Schema): Schema => ({ ...schema, nullable: true });
export const string: Schema = { type: 'string' };
export const integer: Schema = { type: 'integer' };
export const boolean: Schema = { type: 'boolean' };
export const timestamp: Schema = { type: 'string', format: 'date-time', example: '2026-11-24T21:09:00Z' };
/** An integer written as a JSON string (ids and counts the API has always answered as text). */
export const integerString: Schema = { type: 'string', pattern: '^[0-9]+$', example: '3' };
/** A JSON object whose keys are free (settings, metadata). */
export const freeObject = (description?: string): Schema => ({ type: 'object', additionalProperties: true, ...(description ? { description } : {}) });

export const arrayOf = (items: Schema): Schema => ({ type: 'array', items });
export const enumOf = (values: readonly string[]): Schema => ({ type: 'string', enum: [...values] });

/** An object whose properties are all required, in the order given. */
export function object(properties: Record<string, Schema>): Schema {
  return { type: 'object', required: Object.keys(properties), properties };
}

// The paginator's parts are the same objects in every list's schema.
const pageUrl = nullable(string);
const pageBound = nullable(integer);
const pageLinks = object({ first: string, last: string, prev: pageUrl, next: pageUrl });
const pageMeta = object({
  current_page: integer,
  from: pageBound,
  last_page: integer,
  links: arrayOf(object({ url: pageUrl, label: string, active: boolean })),
  path: string,
  per_page: integer,
  to: pageBound,
  total: integer,
});

export function paginatorSchema(item: Schema): Schema {
  return object({ data: arrayOf(item), links: pageLinks, meta: pageMeta });
}

/** `{ success, data }`: what single-resource reads and writes answer. */
export function envelopeSchema(data: Schema): Schema {
  return object({ success: { type: 'string', example: 'Conversation created successfully.' }, data });
}

/** `{ data }` without a success sentence: unpaginated lists. */
export function dataSchema(data: Schema): Schema {
  return object({ data });
}

/**
 * A response that is not JSON but raw bytes (file downloads). Fastify takes the `content` form of a response
 * schema as is, and the OpenAPI document shows it as a binary body.
 */
export function binaryResponse(description: string): Schema {
  return { description, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } };
}
