/**
 * Query strings the way a Laravel application sees them: PHP's `parse_str` (which fills `$_GET`), the default
 * TrimStrings and ConvertEmptyStringsToNull middlewares, and `http_build_query(…, PHP_QUERY_RFC3986)` for links.
 * The contract is docs/pagination.md#php-query-string-rules, docs/pagination.md#links.
 */
import { PhpMap, type PhpValue } from './php-map.js';

export { PhpMap, canonicalKey, type PhpKey, type PhpValue } from './php-map.js';

/** PHP's default `max_input_vars`. */
const MAX_INPUT_VARIABLES = 1000;
/** PHP's default `max_input_nesting_level`. */
const MAX_NESTING_LEVEL = 64;

const UNTRIMMED_TOP_LEVEL_KEYS = new Set(['password', 'password_confirmation', 'current_password']);

export class QueryStringEncodingError extends Error {
  constructor() {
    super('The query string is not valid UTF-8.');
    this.name = 'QueryStringEncodingError';
  }
}

const utf8Encoder = new TextEncoder();
const strictUtf8Decoder = new TextDecoder('utf-8', { fatal: true });

function hexDigitValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  return -1;
}

/**
 * PHP `urldecode` in one pass over the bytes, so `%2B` yields a literal `+` that is not turned into a space.
 * @throws QueryStringEncodingError when the decoded bytes are not valid UTF-8.
 */
export function urlDecode(text: string): string {
  if (!text.includes('%')) {
    return text.replaceAll('+', ' ');
  }
  const input = utf8Encoder.encode(text);
  const output = new Uint8Array(input.length);
  let length = 0;
  for (let index = 0; index < input.length; index += 1) {
    const byte = input[index] as number;
    if (byte === 0x2b) {
      output[length++] = 0x20;
      continue;
    }
    if (byte === 0x25) {
      const high = hexDigitValue(input[index + 1]);
      const low = hexDigitValue(input[index + 2]);
      if (high >= 0 && low >= 0) {
        output[length++] = high * 16 + low;
        index += 2;
        continue;
      }
    }
    output[length++] = byte;
  }
  try {
    return strictUtf8Decoder.decode(output.subarray(0, length));
  } catch {
    throw new QueryStringEncodingError();
  }
}

type VariableName =
  | { kind: 'skip' }
  | { kind: 'too-deep'; base: string }
  /** `null` in the path stands for `[]` (append). */
  | { kind: 'store'; base: string; path: Array<string | null> };

/** Mirrors php_register_variable_ex, including its quirks with unclosed brackets and its nesting counter. */
function splitVariableName(name: string): VariableName {
  const firstBracket = name.indexOf('[');
  const base = (firstBracket < 0 ? name : name.slice(0, firstBracket)).replace(/[ .]/g, '_');
  if (base === '') {
    return { kind: 'skip' };
  }
  if (firstBracket < 0) {
    return { kind: 'store', base, path: [] };
  }
  const path: Array<string | null> = [];
  let open = firstBracket;
  for (let level = 1; ; level += 1) {
    // PHP counts the level before looking at the bracket, so even an unclosed 65th `[` drops the variable.
    if (level > MAX_NESTING_LEVEL) {
      return { kind: 'too-deep', base };
    }
    const close = name.indexOf(']', open + 1);
    if (close < 0) {
      if (path.length === 0) {
        // PHP turns the lone `[` into `_` and keeps the rest as part of a plain name.
        const rest = name.slice(open + 1).replace(/[ .[]/g, '_');
        return { kind: 'store', base: `${base}_${rest}`, path: [] };
      }
      return { kind: 'store', base, path };
    }
    path.push(close === open + 1 ? null : name.slice(open + 1, close));
    if (name[close + 1] !== '[') {
      return { kind: 'store', base, path };
    }
    open = close + 1;
  }
}

function registerVariable(target: PhpMap, rawName: string, value: string): void {
  const nulIndex = rawName.indexOf('\0');
  const name = (nulIndex < 0 ? rawName : rawName.slice(0, nulIndex)).replace(/^ +/, '');
  if (name === '') {
    return;
  }
  const variable = splitVariableName(name);
  if (variable.kind === 'skip') {
    return;
  }
  if (variable.kind === 'too-deep') {
    target.delete(variable.base);
    return;
  }
  let container = target;
  let key: string | null = variable.base;
  for (const segment of variable.path) {
    let child: PhpMap;
    if (key === null) {
      child = new PhpMap();
      if (!container.append(child)) return;
    } else {
      const existing = container.get(key);
      if (existing instanceof PhpMap) {
        child = existing;
      } else {
        // An array access replaces a plain value, keeping the key's position.
        child = new PhpMap();
        container.set(key, child);
      }
    }
    container = child;
    key = segment;
  }
  if (key === null) {
    container.append(value);
  } else {
    container.set(key, value);
  }
}

/**
 * Parses the raw query string (the part after `?`) as PHP fills `$_GET`.
 * @throws QueryStringEncodingError when a decoded name or value is not valid UTF-8.
 */
export function parsePhpQuery(raw: string): PhpMap {
  const fragmentStart = raw.indexOf('#');
  const query = fragmentStart < 0 ? raw : raw.slice(0, fragmentStart);
  const result = new PhpMap();
  let piecesRead = 0;
  for (const piece of query.split('&')) {
    if (piece === '') continue;
    piecesRead += 1;
    if (piecesRead > MAX_INPUT_VARIABLES) break;
    const equals = piece.indexOf('=');
    const name = urlDecode(equals < 0 ? piece : piece.slice(0, equals));
    const value = equals < 0 ? '' : urlDecode(piece.slice(equals + 1));
    registerVariable(result, name, value);
  }
  return result;
}

function isTrimmedCharacter(code: number): boolean {
  // " \t\n\r\0\x0B" — PHP trim()'s default list; no other Unicode space on purpose (Laravel ≤ 10 behaviour).
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d || code === 0x00 || code === 0x0b;
}

/** PHP `trim()` with its default character list. */
export function phpTrim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isTrimmedCharacter(text.charCodeAt(start))) start += 1;
  while (end > start && isTrimmedCharacter(text.charCodeAt(end - 1))) end -= 1;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

function cleanValue(value: PhpValue): PhpValue {
  if (value === null) return null;
  if (value instanceof PhpMap) return cleanMap(value, false);
  const trimmed = phpTrim(value);
  return trimmed === '' ? null : trimmed;
}

function cleanMap(map: PhpMap, isTopLevel: boolean): PhpMap {
  const cleaned = new PhpMap();
  for (const [key, value] of map.exactEntries()) {
    // Laravel compares the dotted key, so only a string directly under a top-level password key is exempt.
    const isExempt = isTopLevel && typeof key === 'string' && typeof value === 'string' && UNTRIMMED_TOP_LEVEL_KEYS.has(key);
    cleaned.set(key, isExempt ? value : cleanValue(value));
  }
  return cleaned;
}

/** TrimStrings + ConvertEmptyStringsToNull over a parsed query; returns a new map and leaves the input untouched. */
export function cleanPhpQuery(map: PhpMap): PhpMap {
  return cleanMap(map, true);
}

const HEX = '0123456789ABCDEF';

function isUnreservedByte(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    (byte >= 0x30 && byte <= 0x39) ||
    byte === 0x2d ||
    byte === 0x5f ||
    byte === 0x2e ||
    byte === 0x7e
  );
}

/** PHP `rawurlencode`: unlike encodeURIComponent it also escapes `! * ' ( )`. */
export function rawUrlEncode(text: string): string {
  let encoded = '';
  for (const byte of utf8Encoder.encode(text)) {
    encoded += isUnreservedByte(byte) ? String.fromCharCode(byte) : `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return encoded;
}

function appendPairs(map: PhpMap, prefix: string | null, pairs: string[]): void {
  for (const [key, value] of map.exactEntries()) {
    if (value === null) continue;
    const encodedKey = typeof key === 'bigint' ? key.toString() : rawUrlEncode(key);
    const name = prefix === null ? encodedKey : `${prefix}%5B${encodedKey}%5D`;
    if (value instanceof PhpMap) {
      appendPairs(value, name, pairs);
    } else {
      pairs.push(`${name}=${rawUrlEncode(value)}`);
    }
  }
}

/** PHP `http_build_query($map, '', '&', PHP_QUERY_RFC3986)`. */
export function buildPhpQuery(map: PhpMap): string {
  const pairs: string[] = [];
  appendPairs(map, null, pairs);
  return pairs.join('&');
}
