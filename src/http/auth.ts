import type { FastifyRequest } from 'fastify';
import { AppError, MESSAGES } from './errors.js';
import type { AccessTokens, VerifiedToken } from '../modules/oauth/access-tokens.js';

/** The bearer token of the request, or the 401 that answers it (docs/input.md#body-transport, docs/request-checks.md#authentication). */
export async function authenticate(request: FastifyRequest, tokens: AccessTokens): Promise<VerifiedToken | AppError> {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer +(\S.*)$/i.exec(header.trim()) : null;
  if (!match) {
    return new AppError('unauthorized', MESSAGES.unauthorized, { headers: { 'WWW-Authenticate': 'Bearer realm="api"' } });
  }
  const verified = await tokens.verify(match[1]!.trim());
  if (!verified) {
    return new AppError('invalid_token', MESSAGES.invalidToken, {
      headers: { 'WWW-Authenticate': 'Bearer realm="api", error="invalid_token"' },
    });
  }
  return verified;
}
