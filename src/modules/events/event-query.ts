import { PhpMap } from '../../http/query-string.js';
import { rule } from '../../http/validation.js';
import { EVENT_TYPES } from './event-types.js';

const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

/**
 * `types` as Laravel reads `types[]=message.created&…`: a PHP array from the query string (an ordered map, so
 * `types[x]=…` counts too), each element a known event type, a failure named by its key (`types.1`).
 */
export const typesField = rule
  .any()
  .nullable()
  .rule((value: unknown, { field, attribute }) => {
    if (!(value instanceof PhpMap) && !Array.isArray(value)) return `The ${attribute} field must be an array.`;
    const entries: Array<[unknown, unknown]> = value instanceof PhpMap ? [...value.entries()] : [...value.entries()];
    const failures: Record<string, string> = {};
    for (const [key, type] of entries) {
      if (typeof type !== 'string' || !KNOWN_TYPES.has(type)) failures[`${field}.${String(key)}`] = `The selected ${field}.${String(key)} is invalid.`;
    }
    return Object.keys(failures).length > 0 ? failures : null;
  });

/** The validated `types` value as a list (null: every type). */
export function typeList(value: unknown): string[] | null {
  if (value instanceof PhpMap) return [...value.entries()].map(([, type]) => type as string);
  return Array.isArray(value) ? (value as string[]) : null;
}
