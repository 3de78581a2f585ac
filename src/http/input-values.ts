import { PhpMap, phpTrim } from './query-string.js';
import { parseFilterInt } from './pagination.js';

/**
 * What input values are before any route's rules: normalisation (trim, "" → null), the NUL check, and the type rules
 * that convert a raw value (docs/input.md#input-types). validation.ts builds the rule declarations on them.
 */
export type InputSource = 'query' | 'body';

export type Kind = 'string' | 'integer' | 'boolean' | 'enum' | 'array' | 'object' | 'date' | 'any';

const UNTRIMMED_FIELDS = new Set(['password', 'password_confirmation', 'current_password']);
const MAX_SAFE = 9007199254740991n;

function normalizeString(value: string, key: string | undefined): string | null {
  if (key && UNTRIMMED_FIELDS.has(key)) return value;
  const trimmed = phpTrim(value);
  return trimmed === '' ? null : trimmed;
}

type Container = Record<string, unknown> | unknown[];

/**
 * docs/input.md#body-transport: trim every string, then "" becomes null, recursively; password fields are left as sent. It walks
 * with its own stack, not recursion, so a body nested as deep as the parser allows cannot overflow the call stack.
 */
export function normalizeInput(value: unknown, key?: string): unknown {
  const root: Record<string, unknown> = {};
  const pending: Array<{ source: unknown; target: Container; slot: string | number; key: string | undefined }> = [
    { source: value, target: root, slot: 'value', key },
  ];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { source, target, slot } = next;
    let copy: unknown = source;
    if (typeof source === 'string') copy = normalizeString(source, next.key);
    else if (Array.isArray(source)) {
      copy = new Array<unknown>(source.length);
      source.forEach((item, index) => pending.push({ source: item, target: copy as unknown[], slot: index, key: undefined }));
    } else if (source && typeof source === 'object') {
      const object: Record<string, unknown> = {};
      for (const [name, inner] of Object.entries(source)) {
        // Defined as own properties first: keeps the sent key order, and a "__proto__" key stays a plain key.
        Object.defineProperty(object, name, { value: undefined, writable: true, enumerable: true, configurable: true });
        pending.push({ source: inner, target: object, slot: name, key: next.key === undefined ? name : undefined });
      }
      copy = object;
    }
    (target as Record<string | number, unknown>)[slot] = copy;
  }
  return root.value;
}

/** Whether a NUL character occurs in any string or key of the value (iterative, like normalizeInput). */
export function containsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  for (let index = 0; index < pending.length; index += 1) {
    const item = pending[index];
    if (typeof item === 'string') {
      if (item.includes('\0')) return true;
    } else if (item instanceof PhpMap) {
      for (const [name, inner] of item.entries()) pending.push(String(name), inner);
    } else if (Array.isArray(item)) {
      for (const inner of item) pending.push(inner);
    } else if (item && typeof item === 'object') {
      for (const [name, inner] of Object.entries(item)) pending.push(name, inner);
    }
  }
  return false;
}

export function attributeName(field: string): string {
  return field.replace(/_/g, ' ');
}

/** The `integer` rule's conversion: a JSON integer or an integer string within the safe range, else null. */
export function toInteger(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER ? value : null;
  if (typeof value !== 'string') return null;
  const parsed = parseFilterInt(value);
  if (parsed === null || parsed > MAX_SAFE || parsed < -MAX_SAFE) return null;
  return Number(parsed);
}

export function toBoolean(value: unknown, source: InputSource): boolean | null {
  if (value === true || value === 1 || value === '1') return true;
  if (value === false || value === 0 || value === '0') return false;
  if (source === 'query' && value === 'true') return true;
  if (source === 'query' && value === 'false') return false;
  return null;
}

const EMAIL_LOCAL = /^[^\s@"<>(),;:\\[\]]{1,64}$/u;
const EMAIL_LABEL = /^(?!-)[\p{L}\p{N}-]{1,63}(?<!-)$/u;

/** docs/domain-rules.md#customers: local@domain, two or more labels, the last one at least two letters. */
export function isEmail(text: string): boolean {
  const at = text.lastIndexOf('@');
  if (at <= 0) return false;
  const local = text.slice(0, at);
  const labels = text.slice(at + 1).split('.');
  if (!EMAIL_LOCAL.test(local) || labels.length < 2 || !labels.every((label) => EMAIL_LABEL.test(label))) return false;
  return /^\p{L}{2,}$/u.test(labels[labels.length - 1]!);
}

/** Laravel's `url` restricted to http and https. */
export function isHttpUrl(text: string): boolean {
  if (!/^https?:\/\/[^\s/?#]+/i.test(text)) return false;
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** The type rule: converts the raw input or gives its message ({attr} stands for the attribute). */
export function convert(
  kind: Kind,
  raw: unknown,
  source: InputSource,
  choices: readonly string[],
): { ok: true; value: unknown } | { ok: false; message: string } {
  const fail = (message: string) => ({ ok: false as const, message });
  switch (kind) {
    case 'string':
      return typeof raw === 'string' ? { ok: true, value: raw } : fail('The {attr} field must be a string.');
    case 'integer': {
      const value = toInteger(raw);
      return value === null ? fail('The {attr} field must be an integer.') : { ok: true, value };
    }
    case 'boolean': {
      const value = toBoolean(raw, source);
      return value === null ? fail('The {attr} field must be true or false.') : { ok: true, value };
    }
    case 'enum':
      return typeof raw === 'string' && choices.includes(raw) ? { ok: true, value: raw } : fail('The selected {attr} is invalid.');
    case 'array':
      // A query's `name[]=a&name[]=b` arrives as a PHP array (PhpMap); its values in order are the list.
      if (raw instanceof PhpMap) return { ok: true, value: raw.entries().map(([, value]) => value) };
      return Array.isArray(raw) ? { ok: true, value: [...raw] } : fail('The {attr} field must be an array.');
    case 'object':
      return raw && typeof raw === 'object' && !Array.isArray(raw) ? { ok: true, value: raw } : fail('The {attr} field must be an object.');
    case 'date': {
      const parsed = typeof raw === 'string' ? parseIsoDate(raw) : null;
      return parsed ? { ok: true, value: parsed } : fail('The {attr} field must be a valid date.');
    }
    case 'any':
      return { ok: true, value: raw };
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
