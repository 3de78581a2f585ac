import type { FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const INVALID_KEY_MESSAGE = 'The Idempotency-Key header must be 1 to 255 printable ASCII characters.';
const MAX_KEY_LENGTH = 255;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

function invalidKey(): AppError {
  return new AppError('invalid_request', INVALID_KEY_MESSAGE);
}

/** RFC 8941 §3.3.3 sf-string: `"` … `"`, only `\"` and `\\` escaped, printable ASCII inside; anything else is malformed. */
function unquote(value: string): string {
  let result = '';
  for (let index = 1; index < value.length; index++) {
    const char = value[index]!;
    if (char === '\\') {
      const next = value[++index];
      if (next !== '"' && next !== '\\') throw invalidKey();
      result += next;
    } else if (char === '"') {
      if (index !== value.length - 1) throw invalidKey();
      return result;
    } else if (char < ' ' || char > '~') {
      throw invalidKey();
    } else {
      result += char;
    }
  }
  throw invalidKey(); // no closing quote
}

/** How many times the header was sent: Node joins repeated unknown headers with ", ", which a key may contain. */
function occurrences(request: FastifyRequest): number {
  let count = 0;
  const raw = request.raw.rawHeaders;
  for (let index = 0; index < raw.length; index += 2) if (raw[index]!.toLowerCase() === IDEMPOTENCY_HEADER) count++;
  return count;
}

/**
 * The request's Idempotency-Key (docs/idempotency.md#the-key): null when absent or empty; trimmed, read as an RFC 8941
 * string when quoted, then 1–255 printable ASCII characters, compared exactly. Anything else is a 400.
 */
export function readIdempotencyKey(request: FastifyRequest): string | null {
  const header = request.headers[IDEMPOTENCY_HEADER];
  if (header === undefined) return null;
  if (Array.isArray(header) || occurrences(request) > 1) throw invalidKey();
  const trimmed = header.replace(/^[ \t]+|[ \t]+$/g, '');
  if (trimmed === '') return null;
  const key = trimmed.startsWith('"') ? unquote(trimmed) : trimmed;
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || !PRINTABLE_ASCII.test(key)) throw invalidKey();
  return key;
}
