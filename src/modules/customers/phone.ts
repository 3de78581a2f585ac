import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** docs/domain-rules.md#customers input rule: ≤ 20 characters of digits, spaces and + - . ( ) /, `+` only first, a digit somewhere. */
export function isPhoneLike(text: string): boolean {
  return text.length <= 20 && /^\+?[0-9 \-.()/]*$/.test(text) && /[0-9]/.test(text);
}

/** Step 1: drop separators; a leading 00 becomes +. */
export function compactPhone(text: string): string {
  const compact = text.replace(/[ \-.()/]/g, '');
  return compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
}

/**
 * The stored form: E.164 when the number is possible, else the compacted text. `international` reads a
 * number without + as international (WhatsApp addresses); `country` reads it as national.
 */
export function normalizePhone(text: string, options: { international?: boolean; country?: string | null } = {}): { value: string; possible: boolean } {
  const compact = compactPhone(text);
  const international = compact.startsWith('+') ? compact : options.international ? `+${compact}` : null;
  const parsed = international
    ? parsePhoneNumberFromString(international)
    : options.country
      ? parsePhoneNumberFromString(compact, options.country as CountryCode)
      : undefined;
  if (parsed?.isPossible()) return { value: parsed.number, possible: true };
  return { value: compact, possible: false };
}

export function digitsOf(text: string): string {
  return text.replace(/[^0-9]/g, '');
}
