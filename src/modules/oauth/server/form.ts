import type { FastifyRequest } from 'fastify';
import { OAuthError } from './oauth-error.js';
import { QueryStringEncodingError, urlDecode } from '../../../http/query-string.js';

/** What the OAuth scope's catch-all parser leaves on request.body: the raw text, judged by the endpoint. */
export interface RawBody {
  contentType: string | undefined;
  text: string;
}

const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;.*)?$/i;

/** Form parameters of an OAuth endpoint (docs/oauth.md#endpoints): the right content type, and no parameter sent twice. */
export function readForm(request: FastifyRequest): Map<string, string> {
  const body = request.body as RawBody | undefined;
  const contentType = body?.contentType ?? request.headers['content-type'];
  if (!contentType || !FORM_TYPE.test(contentType)) {
    throw new OAuthError('invalid_request', 'Use application/x-www-form-urlencoded.');
  }
  return parseUnique(body?.text ?? '');
}

function decodeComponent(text: string): string {
  try {
    return urlDecode(text);
  } catch (error) {
    if (error instanceof QueryStringEncodingError) throw new OAuthError('invalid_request', 'The request is not valid UTF-8.');
    throw error;
  }
}

/**
 * application/x-www-form-urlencoded (a body or a query string) decoded as URLSearchParams does, but strictly:
 * percent-encoded bytes must be UTF-8 (never replaced by U+FFFD) and no name or value may hold a NUL, which
 * PostgreSQL text cannot store (README, "API conventions worth knowing").
 */
export function strictFormParams(text: string): URLSearchParams {
  const params = new URLSearchParams();
  for (const piece of text.split('&')) {
    if (piece === '') continue;
    const equals = piece.indexOf('=');
    const name = decodeComponent(equals < 0 ? piece : piece.slice(0, equals));
    const value = equals < 0 ? '' : decodeComponent(piece.slice(equals + 1));
    if (name.includes('\0') || value.includes('\0')) {
      throw new OAuthError('invalid_request', `The ${name.replaceAll('\0', '')} parameter must not contain NUL characters.`);
    }
    params.append(name, value);
  }
  return params;
}

export function parseUnique(text: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of strictFormParams(text)) {
    if (params.has(name)) throw new OAuthError('invalid_request', `The ${name} parameter was sent more than once.`);
    params.set(name, value);
  }
  return params;
}

/** A parameter's value, with an empty value counting as absent. */
export function param(params: Map<string, string>, name: string): string | null {
  const value = params.get(name);
  return value === undefined || value === '' ? null : value;
}
