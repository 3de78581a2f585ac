import { AppError, validationError, type FieldErrors } from './errors.js';
import { phpTrim } from './query-string.js';
import { parseFilterInt } from './pagination.js';
import type { Queryable } from '../platform/db/db.js';

/**
 * Input rules declared once: the same declaration validates (Laravel's rules and English messages, api.md §8.1)
 * and documents itself as JSON Schema for the OpenAPI page.
 */
export type InputSource = 'query' | 'body';

const UNTRIMMED_FIELDS = new Set(['password', 'password_confirmation', 'current_password']);
const MAX_SAFE = 9007199254740991n;

/** api.md §2.2: trim every string, then "" becomes null, recursively; password fields are left as sent. */
export function normalizeInput(value: unknown, key?: string): unknown {
  if (typeof value === 'string') {
    if (key && UNTRIMMED_FIELDS.has(key)) return value;
    const trimmed = phpTrim(value);
    return trimmed === '' ? null : trimmed;
  }
  if (Array.isArray(value)) return value.map((item) => normalizeInput(item));
  if (value && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [name, inner] of Object.entries(value)) result[name] = normalizeInput(inner, key === undefined ? name : undefined);
    return result;
  }
  return value;
}

export function attributeName(field: string): string {
  return field.replace(/_/g, ' ');
}

function toInteger(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER ? value : null;
  if (typeof value !== 'string') return null;
  const parsed = parseFilterInt(value);
  if (parsed === null || parsed > MAX_SAFE || parsed < -MAX_SAFE) return null;
  return Number(parsed);
}

function toBoolean(value: unknown, source: InputSource): boolean | null {
  if (value === true || value === 1 || value === '1') return true;
  if (value === false || value === 0 || value === '0') return false;
  if (source === 'query' && value === 'true') return true;
  if (source === 'query' && value === 'false') return false;
  return null;
}

type Kind = 'string' | 'integer' | 'boolean' | 'enum' | 'array' | 'object' | 'date';

export interface RuleContext {
  tenantId: number | null;
  db: Queryable;
  /** What the route's `load` found for the path ids (e.g. the conversation a quoted message must belong to). */
  loaded: any;
}

type ExistsCheck = (value: any, context: RuleContext) => Promise<boolean>;

export class FieldRule<Output = unknown> {
  private isRequired = false;
  private isNullable = false;
  private minimum: number | null = null;
  private maximum: number | null = null;
  private existsCheck: ExistsCheck | null = null;
  private requiredWhen: { field: string; value: string } | null = null;
  private text: string | undefined;

  constructor(
    readonly kind: Kind,
    private readonly choices: readonly string[] = [],
  ) {}

  required(): this {
    this.isRequired = true;
    return this;
  }

  nullable(): this {
    this.isNullable = true;
    return this;
  }

  min(value: number): this {
    this.minimum = value;
    return this;
  }

  max(value: number): this {
    this.maximum = value;
    return this;
  }

  /** Laravel's required_if: required when another field of the same input has this value. */
  requiredIf(field: string, value: string): this {
    this.requiredWhen = { field, value };
    return this;
  }

  /** `exists`: an id of the current tenant; anything else reads "The selected … is invalid." */
  exists(check: ExistsCheck): this {
    this.existsCheck = check;
    return this;
  }

  describe(text: string): this {
    this.text = text;
    return this;
  }

  /** Returns the converted value, or the message of the first rule that fails. */
  async check(
    field: string,
    present: boolean,
    raw: unknown,
    source: InputSource,
    context: RuleContext,
    input: Record<string, unknown> = {},
  ): Promise<{ ok: true; value: Output | null | undefined } | { ok: false; message: string }> {
    const attribute = attributeName(field);
    const fail = (message: string) => ({ ok: false as const, message });
    const missing = raw === null || raw === undefined || (Array.isArray(raw) && raw.length === 0);
    if (this.isRequired && missing) return fail(`The ${attribute} field is required.`);
    const when = this.requiredWhen;
    if (when && missing && input[when.field] === when.value) {
      return fail(`The ${attribute} field is required when ${attributeName(when.field)} is ${when.value}.`);
    }
    if (!present) return { ok: true, value: undefined };
    if (raw === null && this.isNullable) return { ok: true, value: null };

    let value: unknown;
    switch (this.kind) {
      case 'string':
        if (typeof raw !== 'string') return fail(`The ${attribute} field must be a string.`);
        value = raw;
        break;
      case 'integer':
        value = toInteger(raw);
        if (value === null) return fail(`The ${attribute} field must be an integer.`);
        break;
      case 'boolean':
        value = toBoolean(raw, source);
        if (value === null) return fail(`The ${attribute} field must be true or false.`);
        break;
      case 'enum':
        if (typeof raw !== 'string' || !this.choices.includes(raw)) return fail(`The selected ${attribute} is invalid.`);
        value = raw;
        break;
      case 'array':
        if (!Array.isArray(raw)) return fail(`The ${attribute} field must be an array.`);
        value = raw;
        break;
      case 'object':
        if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return fail(`The ${attribute} field must be an object.`);
        value = raw;
        break;
      case 'date': {
        const parsed = typeof raw === 'string' ? parseIsoDate(raw) : null;
        if (!parsed) return fail(`The ${attribute} field must be a valid date.`);
        value = parsed;
        break;
      }
    }
    const sizeMessage = this.checkSize(attribute, value);
    if (sizeMessage) return fail(sizeMessage);
    if (this.existsCheck && !(await this.existsCheck(value, context))) return fail(`The selected ${attribute} is invalid.`);
    return { ok: true, value: value as Output };
  }

  private checkSize(attribute: string, value: unknown): string | null {
    const size =
      typeof value === 'string' ? [...value].length : Array.isArray(value) ? value.length : typeof value === 'number' ? value : null;
    if (size === null) return null;
    const unit = typeof value === 'string' ? ' characters' : Array.isArray(value) ? ' items' : '';
    if (this.minimum !== null && size < this.minimum) return `The ${attribute} field must be at least ${this.minimum}${unit}.`;
    if (this.maximum !== null && size > this.maximum) return `The ${attribute} field must not be greater than ${this.maximum}${unit}.`;
    return null;
  }

  jsonSchema(): Record<string, unknown> {
    const type = { string: 'string', integer: 'integer', boolean: 'boolean', enum: 'string', array: 'array', object: 'object', date: 'string' }[this.kind];
    const schema: Record<string, unknown> = { type, ...(this.isNullable ? { nullable: true } : {}) };
    if (this.kind === 'enum') schema.enum = [...this.choices];
    if (this.kind === 'date') schema.format = 'date-time';
    const sizeKeys = this.kind === 'string' ? ['minLength', 'maxLength'] : this.kind === 'array' ? ['minItems', 'maxItems'] : ['minimum', 'maximum'];
    if (this.minimum !== null) schema[sizeKeys[0]!] = this.minimum;
    if (this.maximum !== null) schema[sizeKeys[1]!] = this.maximum;
    if (this.text) schema.description = this.text;
    return schema;
  }

  get isRequiredField(): boolean {
    return this.isRequired;
  }
}

/** ISO 8601 date or date-time; a fraction of a second is dropped; stored in UTC. */
export function parseIsoDate(text: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  if (!match) return null;
  const [, year, month, day, hour = '00', minute = '00', second = '00', zone = 'Z'] = match;
  const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (calendar.getUTCMonth() !== Number(month) - 1 || calendar.getUTCDate() !== Number(day)) return null;
  const date = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}${offset}`);
  if (Number.isNaN(date.getTime())) return null;
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

export const rule = {
  string: () => new FieldRule<string>('string'),
  integer: () => new FieldRule<number>('integer'),
  boolean: () => new FieldRule<boolean>('boolean'),
  enum: <T extends string>(choices: readonly T[]) => new FieldRule<T>('enum', choices),
  array: () => new FieldRule<unknown[]>('array'),
  object: () => new FieldRule<Record<string, unknown>>('object'),
  date: () => new FieldRule<Date>('date'),
};

export type Fields = Record<string, FieldRule<any>>;
export type Values<F extends Fields> = { [K in keyof F]: F[K] extends FieldRule<infer O> ? O | null | undefined : never };

/** Validates every field (in declaration order) and throws one 422 with all failures. */
export async function validateFields<F extends Fields>(
  fields: F,
  input: Record<string, unknown>,
  source: InputSource,
  context: RuleContext,
  errors: FieldErrors = {},
): Promise<Values<F>> {
  const values: Record<string, unknown> = {};
  for (const [name, fieldRule] of Object.entries(fields)) {
    const present = Object.prototype.hasOwnProperty.call(input, name);
    const result = await fieldRule.check(name, present, input[name], source, context, input);
    if (result.ok) values[name] = result.value;
    else errors[name] = [result.message];
  }
  return values as Values<F>;
}

export function throwIfInvalid(errors: FieldErrors): void {
  if (Object.keys(errors).length > 0) throw validationError(errors);
}

export function fieldsJsonSchema(fields: Fields): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, fieldRule] of Object.entries(fields)) {
    properties[name] = fieldRule.jsonSchema();
    if (fieldRule.isRequiredField) required.push(name);
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}) };
}

export { AppError };
