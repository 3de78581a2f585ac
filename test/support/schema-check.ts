/**
 * A checker for the OpenAPI 3.0 subset the response schemas use (src/http/openapi-schemas.ts): type, nullable,
 * properties, required, items, enum, pattern, format (date-time as the API writes it, uuid) and
 * additionalProperties. Stricter than JSON Schema where the API is: a key the schema does not list fails unless
 * `additionalProperties` allows it, and the keys of an object must come in the order the schema lists them.
 * A keyword outside the subset fails too, so a schema cannot pass by using something this checker ignores.
 */
type Schema = Record<string, unknown>;

const KNOWN_KEYWORDS = new Set([
  'type',
  'nullable',
  'properties',
  'required',
  'items',
  'enum',
  'pattern',
  'format',
  'additionalProperties',
  'example',
  'description',
]);
/** formatTimestamp (src/platform/clock.ts): UTC, whole seconds, a Z. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function preview(value: unknown): string {
  return JSON.stringify(value)?.slice(0, 80) ?? String(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkString(value: string, schema: Schema, path: string, errors: string[]): void {
  if (schema.format === 'date-time' && !DATE_TIME.test(value)) errors.push(`${path}: ${preview(value)} is not a date-time`);
  if (schema.format === 'uuid' && !UUID.test(value)) errors.push(`${path}: ${preview(value)} is not a uuid`);
  if (schema.format !== undefined && schema.format !== 'date-time' && schema.format !== 'uuid') {
    errors.push(`${path}: format ${String(schema.format)} is not supported by the checker`);
  }
  if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) {
    errors.push(`${path}: ${preview(value)} does not match ${schema.pattern}`);
  }
}

function checkObject(value: Record<string, unknown>, schema: Schema, path: string, errors: string[], reached?: Reached): void {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const declared = Object.keys(properties);
  for (const key of (schema.required ?? []) as string[]) {
    if (!(key in value)) errors.push(`${path}: required key ${key} is missing`);
  }
  const present = Object.keys(value).filter((key) => key in properties);
  const expectedOrder = declared.filter((key) => key in value);
  if (present.join(',') !== expectedOrder.join(',')) {
    errors.push(`${path}: keys in order [${present.join(', ')}], the schema lists [${expectedOrder.join(', ')}]`);
  }
  for (const key of present) checkValue(value[key], properties[key]!, `${path}.${key}`, errors, reached);
  const extra = schema.additionalProperties ?? false;
  for (const key of Object.keys(value).filter((name) => !(name in properties))) {
    if (extra === false) errors.push(`${path}: key ${key} is not in the schema`);
    else if (isPlainObject(extra)) checkValue(value[key], extra, `${path}.${key}`, errors, reached);
  }
}

/** The nullable schemas that met a value (by identity: a resource's schema is one object wherever it is used). */
export type Reached = Set<Schema>;

function checkValue(value: unknown, schema: Schema, path: string, errors: string[], reached?: Reached): void {
  for (const keyword of Object.keys(schema)) {
    if (!KNOWN_KEYWORDS.has(keyword)) errors.push(`${path}: keyword ${keyword} is not supported by the checker`);
  }
  if (value === null) {
    if (schema.nullable !== true) errors.push(`${path}: null, but the schema is not nullable`);
    return;
  }
  if (schema.nullable === true) reached?.add(schema);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push(`${path}: ${preview(value)} is not one of ${schema.enum.join(', ')}`);
  switch (schema.type) {
    case 'object':
      if (isPlainObject(value)) checkObject(value, schema, path, errors, reached);
      else errors.push(`${path}: ${preview(value)} is not an object`);
      return;
    case 'array':
      if (!Array.isArray(value)) errors.push(`${path}: ${preview(value)} is not an array`);
      else if (!isPlainObject(schema.items)) errors.push(`${path}: the array schema has no items`);
      else value.forEach((item, index) => checkValue(item, schema.items as Schema, `${path}[${index}]`, errors, reached));
      return;
    case 'string':
      if (typeof value === 'string') checkString(value, schema, path, errors);
      else errors.push(`${path}: ${preview(value)} is not a string`);
      return;
    case 'integer':
      if (!Number.isInteger(value)) errors.push(`${path}: ${preview(value)} is not an integer`);
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) errors.push(`${path}: ${preview(value)} is not a number`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') errors.push(`${path}: ${preview(value)} is not a boolean`);
      return;
    default:
      errors.push(`${path}: the schema has no type the checker knows (${String(schema.type)})`);
  }
}

/**
 * Every way `value` departs from `schema`, each as `$.path: what`; empty when it conforms. `reached` collects the
 * nullable paths that held a value, so a caller can tell which parts of a schema were checked against more than null.
 */
export function schemaErrors(value: unknown, schema: Schema, reached?: Reached): string[] {
  const errors: string[] = [];
  checkValue(value, schema, '$', errors, reached);
  return errors;
}

/** Every nullable schema inside `schema`, with the first path that leads to it (`[]` for any array index). */
export function nullableSchemas(schema: Schema, path = '$', found = new Map<Schema, string>()): Map<Schema, string> {
  if (schema.nullable === true && !found.has(schema)) found.set(schema, path);
  if (schema.type === 'array' && isPlainObject(schema.items)) nullableSchemas(schema.items, `${path}[]`, found);
  for (const [key, property] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) nullableSchemas(property, `${path}.${key}`, found);
  return found;
}
