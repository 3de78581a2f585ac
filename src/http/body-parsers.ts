import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, MESSAGES } from './errors.js';

export const JSON_BODY_LIMIT = 1_048_576;

function isUtf8Charset(contentType: string): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType)?.[1];
  return charset === undefined || /^utf-?8$/i.test(charset);
}

/**
 * api.md §2.2: an empty body is {} whatever its type; a non-empty body must be a JSON object sent as
 * application/json (UTF-8); anything else is 415 or 400. Parsers replace Fastify's defaults so every failure
 * uses our codes and messages.
 */
export function installBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: JSON_BODY_LIMIT }, (request, body, done) => {
    if (!isUtf8Charset(String(request.headers['content-type']))) {
      done(new AppError('unsupported_media_type', MESSAGES.jsonContentType), undefined);
      return;
    }
    const text = String(body);
    if (text.trim() === '') {
      done(null, {});
      return;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      done(null, parsed);
    } catch {
      done(new AppError('invalid_request', MESSAGES.malformedJson), undefined);
    }
  });
  // Any other (or a missing) Content-Type: fine while the body is empty, 415 otherwise.
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: JSON_BODY_LIMIT }, (_request: FastifyRequest, body, done) => {
    if ((body as Buffer).length === 0) done(null, {});
    else done(new AppError('unsupported_media_type', MESSAGES.jsonContentType), undefined);
  });
}
