import type { FastifyReply } from 'fastify';
import { AppError, errorBody, MESSAGES } from '../../../http/errors.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../../../http/body-parsers.js';

/**
 * Bodies and answers of the provider webhooks (docs/channels.md#inbound-webhooks). The body arrives as raw bytes:
 * Meta signs the bytes as sent (with `\uXXXX` escapes), so nothing may be re-serialised before the signature is
 * checked; it is parsed only when needed.
 */

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** `\u0000` and lone surrogates are valid JSON escapes that PostgreSQL's jsonb refuses. */
const UNSTORABLE_ESCAPE = /\\u(0000|d[89a-f][0-9a-f]{2})/i;

// eslint-disable-next-line no-control-regex -- the point: NUL is replaced
const UNSTORABLE_CHARACTER = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function storable(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(UNSTORABLE_CHARACTER, '\ufffd');
  if (Array.isArray(value)) return value.map(storable);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [storable(key) as string, storable(inner)]));
  }
  return value;
}

/** The JSON of a webhook body: malformed (or not UTF-8, or nested too deep) → 400 in the API's envelope. */
export function readWebhookJson(bytes: Buffer): unknown {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new AppError('invalid_request', MESSAGES.bodyNotUtf8);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AppError('invalid_request', MESSAGES.malformedJson);
  }
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new AppError('invalid_request', MESSAGES.jsonTooDeep);
  // Rare, so the walk is paid only when the text contains such an escape.
  return UNSTORABLE_ESCAPE.test(text) ? storable(parsed) : parsed;
}

/** The body as the webhook parser left it: bytes (none for a bodiless request). */
export function rawBody(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}

/** An accepted or ignored delivery: the same answer (docs/channels.md#inbound-webhooks). */
export function acknowledge(reply: FastifyReply): FastifyReply {
  return reply.code(200).send({ status: 'ok' });
}

/** A refused delivery; no `WWW-Authenticate`: providers authenticate by signature, not by a token scheme. */
export function refuse(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(401).send(errorBody(new AppError('unauthorized', message)));
}
