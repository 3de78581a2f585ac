import type { FastifyRequest } from 'fastify';
import { OAuthError } from './oauth-error.js';

/** What the OAuth scope's catch-all parser leaves on request.body: the raw text, judged by the endpoint. */
export interface RawBody {
  contentType: string | undefined;
  text: string;
}

const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;.*)?$/i;

/** Form parameters of an OAuth endpoint (oauth.md §1): the right content type, and no parameter sent twice. */
export function readForm(request: FastifyRequest): Map<string, string> {
  const body = request.body as RawBody | undefined;
  const contentType = body?.contentType ?? request.headers['content-type'];
  if (!contentType || !FORM_TYPE.test(contentType)) {
    throw new OAuthError('invalid_request', 'Use application/x-www-form-urlencoded.');
  }
  return parseUnique(body?.text ?? '');
}

export function parseUnique(text: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(text)) {
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
