import { AppError, validationError, type FieldErrors } from './errors.js';
import { attributeName, containsNul, convert, isEmail, isHttpUrl, type InputSource, type Kind } from './input-values.js';
import type { Queryable } from '../platform/db/db.js';

/**
 * Input rules declared once: the same declaration validates (Laravel's rules and English messages, docs/input.md#validation-messages)
 * and documents itself as JSON Schema for the OpenAPI page.
 */

/** A field's own type rule, for inputs read the way PHP reads them rather than by Laravel's rules (`page`). */
export type Parser<Output> = (raw: unknown) => { ok: true; value: Output | null } | { ok: false; message: string };

export interface RuleContext {
  /** The request's tenant; rules that read it belong to tenant-scoped routes (reading it elsewhere throws). */
  readonly tenantId: number;
  db: Queryable;
  /** What the route's `load` found for the path ids (e.g. the conversation a quoted message must belong to). */
  loaded: any;
  /** The request time (the injectable clock), for rules such as before_or_equal:today. */
  now?: Date;
}

/** What a check sees besides the value: the whole input and the fields validated before this one. */
export interface CheckContext extends RuleContext {
  field: string;
  attribute: string;
  input: Record<string, unknown>;
  /** Values of the fields declared earlier that passed their rules (absent when they failed). */
  values: Record<string, unknown>;
}

/** A message for this field, per-key messages (array elements: `role_ids.0`), or null when the value passes. */
type CheckResult = string | Record<string, string> | null;
type Check = (value: any, context: CheckContext) => CheckResult | Promise<CheckResult>;
type ExistsCheck = (value: any, context: RuleContext) => Promise<boolean>;

function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * One field's rules. The type rule runs first; every other rule runs in the order it was declared, as
 * Laravel does, and the first failure is the field's one message.
 */
export class FieldRule<Output = unknown> {
  private isRequired = false;
  private onlyWhenPresent = false;
  private isNullable = false;
  private minimum: number | null = null;
  private maximum: number | null = null;
  private requiredWhen: { field: string; value: string } | null = null;
  private readonly checks: Check[] = [];
  private text: string | undefined;
  private nulAllowed = false;

  constructor(
    readonly kind: Kind,
    private readonly choices: readonly string[] = [],
    private readonly parser: Parser<Output> | null = null,
  ) {}

  /**
   * Exempts the field from the API-wide NUL rule: its parser meets the NUL itself (docs/input.md#nul-characters:
   * `page` and `per_page`, read as PHP's filter_var reads them).
   */
  allowNul(): this {
    this.nulAllowed = true;
    return this;
  }

  required(): this {
    this.isRequired = true;
    return this;
  }

  /** Laravel's `sometimes`: an absent field passes; a present one meets every rule (PUT's `required` fields). */
  sometimes(): this {
    this.onlyWhenPresent = true;
    return this;
  }

  nullable(): this {
    this.isNullable = true;
    return this;
  }

  min(value: number): this {
    this.minimum = value;
    return this.rule((checked, { attribute }) => {
      const size = sizeOf(checked);
      return size !== null && size.amount < value ? `The ${attribute} field must be at least ${value}${size.unit}.` : null;
    });
  }

  max(value: number): this {
    this.maximum = value;
    return this.rule((checked, { attribute }) => {
      const size = sizeOf(checked);
      return size !== null && size.amount > value ? `The ${attribute} field must not be greater than ${value}${size.unit}.` : null;
    });
  }

  /** Laravel's required_if: required when another field of the same input has this value. */
  requiredIf(field: string, value: string): this {
    this.requiredWhen = { field, value };
    return this;
  }

  /** `exists`: an id of the current tenant; anything else reads "The selected … is invalid." */
  exists(check: ExistsCheck): this {
    return this.rule(async (value, context) => ((await check(value, context)) ? null : `The selected ${context.attribute} is invalid.`));
  }

  email(): this {
    return this.rule((value: string, { attribute }) => (isEmail(value) ? null : `The ${attribute} field must be a valid email address.`));
  }

  url(): this {
    return this.rule((value: string, { attribute }) => (isHttpUrl(value) ? null : `The ${attribute} field must be a valid URL.`));
  }

  /** Laravel's `regex`-style format rule with a predicate. */
  format(predicate: (value: Output) => boolean): this {
    return this.rule((value: Output, { attribute }) => (predicate(value) ? null : `The ${attribute} field format is invalid.`));
  }

  /** `confirmed`: `{field}_confirmation` must equal the value; the error goes under this field. */
  confirmed(): this {
    return this.rule((value, { field, attribute, input }) =>
      input[`${field}_confirmation`] === value ? null : `The ${attribute} field confirmation does not match.`,
    );
  }

  /** `gte:other`: compared only when the other field is present and passed its own rules. */
  gte(other: string): this {
    return this.rule((value: number, { attribute, values }) => {
      const bound = values[other];
      return typeof bound === 'number' && value < bound ? `The ${attribute} field must be greater than or equal to ${bound}.` : null;
    });
  }

  /** `before_or_equal:today`, on the UTC calendar date of the value. */
  beforeOrEqualToday(): this {
    return this.rule((value: Date, { attribute, now }) =>
      utcDay(value) <= utcDay(now ?? new Date()) ? null : `The ${attribute} field must be a date before or equal to today.`,
    );
  }

  /** Rules for every element of an array; failures are reported as `field.N` (Laravel's wildcard rules). */
  each(element: FieldRule<any>): this {
    return this.rule(async (value: unknown[], context) => {
      const failures: Record<string, string> = {};
      const converted: unknown[] = [];
      for (const [index, item] of value.entries()) {
        const key = `${context.field}.${index}`;
        const result = await element.checkAs(key, key, true, item, 'body', context, context.input, context.values);
        if (result.ok) converted.push(result.value);
        else Object.assign(failures, result.errors);
      }
      if (Object.keys(failures).length > 0) return failures;
      value.splice(0, value.length, ...converted);
      return null;
    });
  }

  /** Any other rule, in declaration order: return the message (or per-key messages), or null to pass. */
  rule(check: Check): this {
    this.checks.push(check);
    return this;
  }

  describe(text: string): this {
    this.text = text;
    return this;
  }

  /** Returns the converted value, or the messages of the first rule that fails. */
  async check(
    field: string,
    present: boolean,
    raw: unknown,
    source: InputSource,
    context: RuleContext,
    input: Record<string, unknown> = {},
    values: Record<string, unknown> = {},
  ): Promise<{ ok: true; value: Output | null | undefined } | { ok: false; errors: Record<string, string> }> {
    return this.checkAs(field, attributeName(field), present, raw, source, context, input, values);
  }

  private async checkAs(
    field: string,
    attribute: string,
    present: boolean,
    raw: unknown,
    source: InputSource,
    context: RuleContext,
    input: Record<string, unknown>,
    values: Record<string, unknown>,
  ): Promise<{ ok: true; value: Output | null | undefined } | { ok: false; errors: Record<string, string> }> {
    const fail = (message: string) => ({ ok: false as const, errors: { [field]: message } });
    if (!present && this.onlyWhenPresent) return { ok: true, value: undefined };
    const missing = raw === null || raw === undefined || (Array.isArray(raw) && raw.length === 0);
    if (this.isRequired && missing) return fail(`The ${attribute} field is required.`);
    const when = this.requiredWhen;
    if (when && missing && input[when.field] === when.value) {
      return fail(`The ${attribute} field is required when ${attributeName(when.field)} is ${when.value}.`);
    }
    if (!present) return { ok: true, value: undefined };
    if (raw === null && this.isNullable) return { ok: true, value: null };
    // One rule for the whole API (README, "API conventions worth knowing"): PostgreSQL text cannot hold NUL.
    if (!this.nulAllowed && containsNul(raw)) return fail(`The ${attribute} field must not contain NUL characters.`);

    const converted = this.parser ? this.parser(raw) : convert(this.kind, raw, source, this.choices);
    if (!converted.ok) return fail(converted.message.replace('{attr}', attribute));
    // On top of the route's context, not a copy: its tenant is read only by the rules that need it.
    const checkContext: CheckContext = Object.assign(Object.create(context) as RuleContext, { field, attribute, input, values });
    for (const check of this.checks) {
      const result = await check(converted.value, checkContext);
      if (typeof result === 'string') return fail(result);
      if (result) return { ok: false, errors: result };
    }
    return { ok: true, value: converted.value as Output };
  }

  jsonSchema(): Record<string, unknown> {
    const type = { string: 'string', integer: 'integer', boolean: 'boolean', enum: 'string', array: 'array', object: 'object', date: 'string', any: undefined }[
      this.kind
    ];
    const schema: Record<string, unknown> = { ...(type ? { type } : {}), ...(this.isNullable ? { nullable: true } : {}) };
    if (this.kind === 'enum') schema.enum = [...this.choices];
    if (this.kind === 'date') schema.format = 'date-time';
    const sizeKeys = this.kind === 'string' ? ['minLength', 'maxLength'] : this.kind === 'array' ? ['minItems', 'maxItems'] : ['minimum', 'maximum'];
    if (this.minimum !== null) schema[sizeKeys[0]!] = this.minimum;
    if (this.maximum !== null) schema[sizeKeys[1]!] = this.maximum;
    if (this.text) schema.description = this.text;
    return schema;
  }

  get isRequiredField(): boolean {
    return this.isRequired && !this.onlyWhenPresent;
  }
}

function sizeOf(value: unknown): { amount: number; unit: string } | null {
  if (typeof value === 'string') return { amount: [...value].length, unit: ' characters' };
  if (Array.isArray(value)) return { amount: value.length, unit: ' items' };
  if (typeof value === 'number') return { amount: value, unit: '' };
  return null;
}

export const rule = {
  string: () => new FieldRule<string>('string'),
  integer: () => new FieldRule<number>('integer'),
  boolean: () => new FieldRule<boolean>('boolean'),
  enum: <T extends string>(choices: readonly T[]) => new FieldRule<T>('enum', choices),
  array: () => new FieldRule<unknown[]>('array'),
  object: () => new FieldRule<Record<string, unknown>>('object'),
  date: () => new FieldRule<Date>('date'),
  /** No type rule: the value as sent (JSON), for fields whose own rules decide (e.g. metadata object or list). */
  any: () => new FieldRule<unknown>('any'),
  /** An integer read by its own parser instead of the `integer` rule (documented as an integer). */
  parsedInteger: (parser: Parser<number>) => new FieldRule<number>('integer', [], parser),
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
    const result = await fieldRule.check(name, present, input[name], source, context, input, values);
    if (result.ok) values[name] = result.value;
    else for (const [key, message] of Object.entries(result.errors)) errors[key] = [message];
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
// Input values are imported from here by the routes, as one module of input handling.
export { attributeName, containsNul, isEmail, isHttpUrl, normalizeInput, parseIsoDate, toInteger, type InputSource } from './input-values.js';
