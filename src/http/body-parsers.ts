import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, MESSAGES } from './errors.js';

export const JSON_BODY_LIMIT = 1_048_576;
/** Nesting allowed in a JSON body, the top-level object counting as one: PHP's json_decode default. */
export const MAX_JSON_DEPTH = 512;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8Charset(contentType: string): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType)?.[1];
  return charset === undefined || /^utf-?8$/i.test(charset);
}

/** The deepest nesting of arrays and objects in valid JSON text, counted in one pass without recursion. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c)
        index += 1; // backslash: the next character is escaped
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (char === 0x5d || char === 0x7d) depth -= 1;
  }
  return deepest;
}

function parseJsonObject(bytes: Buffer): unknown {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new AppError('invalid_request', MESSAGES.bodyNotUtf8);
  }
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AppError('invalid_request', MESSAGES.malformedJson);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new AppError('invalid_request', MESSAGES.malformedJson);
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new AppError('invalid_request', MESSAGES.jsonTooDeep);
  return parsed;
}

/**
 * docs/input.md#body-transport: an empty body is {} whatever its type; a non-empty body must be a JSON object sent as
 * application/json (UTF-8, byte for byte: invalid sequences are refused, not replaced); anything else is 415 or
 * 400. Parsers replace Fastify's defaults so every failure uses our codes and messages.
 */
export function installBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: JSON_BODY_LIMIT }, (request, body, done) => {
    if (!isUtf8Charset(String(request.headers['content-type']))) {
      done(new AppError('unsupported_media_type', MESSAGES.jsonContentType), undefined);
      return;
    }
    try {
      done(null, parseJsonObject(body as Buffer));
    } catch (error) {
      done(error as AppError, undefined);
    }
  });
  // Any other (or a missing) Content-Type: fine while the body is empty, 415 otherwise.
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: JSON_BODY_LIMIT }, (_request: FastifyRequest, body, done) => {
    if ((body as Buffer).length === 0) done(null, {});
    else done(new AppError('unsupported_media_type', MESSAGES.jsonContentType), undefined);
  });
}
