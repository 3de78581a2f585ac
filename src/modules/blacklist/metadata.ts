import { rule } from '../../http/validation.js';

/** docs/domain-rules.md#channel-blacklist: at most 16 KB once serialised, counted in code points of the compact JSON text. */
export const METADATA_MAX_CHARACTERS = 16384;

export type Metadata = Record<string, unknown>;

/** A JSON object as is; a JSON array as the object keyed "0", "1", … (how PHP stores a list); anything else null. */
export function metadataObject(value: unknown): Metadata | null {
  if (Array.isArray(value)) return Object.fromEntries(value.map((item, index) => [String(index), item]));
  if (value !== null && typeof value === 'object') return value as Metadata;
  return null;
}

/** The `metadata` input of POST and PUT: nullable, an object (or array), at most 16384 characters serialised. */
export function metadataRule() {
  return rule
    .any()
    .nullable()
    .rule((value: unknown, { attribute }) => {
      if (metadataObject(value) === null) return `The ${attribute} field must be an object.`;
      // The field as sent (a list counts as its JSON array text), like the rule's message says.
      const length = [...JSON.stringify(value)].length;
      return length > METADATA_MAX_CHARACTERS ? `The ${attribute} field must not be greater than ${METADATA_MAX_CHARACTERS} characters.` : null;
    })
    .describe('A JSON object (an array is stored as an object keyed "0", "1", …); at most 16384 characters as compact JSON.');
}
