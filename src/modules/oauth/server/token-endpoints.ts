import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../../app-deps.js';
import { clientIp, publicBaseUrl } from '../../../http/request-info.js';
import { authenticateClient } from './clients.js';
import { readForm, param } from './form.js';
import { clientCredentials, exchangeCode, refresh, type GrantContext } from './grants.js';
import { OAuthError, invalidClient, missingParameter } from './oauth-error.js';
import { introspect, revoke } from './token-inspection.js';
import type { TokenResponse } from './token-issuer.js';

const GRANTS: Record<string, (context: GrantContext) => Promise<TokenResponse>> = {
  authorization_code: exchangeCode,
  refresh_token: refresh,
  client_credentials: clientCredentials,
};

/** The JSON endpoints whose every answer carries no-store (docs/oauth.md#endpoints), the 405 of a wrong method included. */
export function isTokenEndpoint(path: string): boolean {
  return /^\/oauth\/(token|revoke|introspect)\/?$/.test(path);
}

export function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
}

/** docs/oauth.md#endpoints: one counter per client IP shared by the three endpoints. */
async function limitByIp(deps: AppDeps, request: FastifyRequest): Promise<void> {
  const decision = await deps.limiter.hit(`oauth:ip:${clientIp(request)}`);
  if (decision.exceeded) {
    throw new OAuthError('rate_limit_exceeded', `Too many requests. Retry after ${decision.retryAfterSeconds} seconds.`, {
      'Retry-After': String(decision.retryAfterSeconds),
    });
  }
}

/** POST /oauth/token, /oauth/revoke, /oauth/introspect (docs/oauth.md#grants, docs/oauth.md#revocation, docs/oauth.md#endpoints). */
export function registerTokenEndpoints(scope: FastifyInstance, deps: AppDeps): void {
  scope.post('/oauth/token', async (request, reply) => {
    noStore(reply);
    await limitByIp(deps, request);
    const params = readForm(request);
    const grantType = param(params, 'grant_type');
    if (grantType === null) throw missingParameter('grant_type');
    const grant = GRANTS[grantType];
    if (!grant) throw new OAuthError('unsupported_grant_type', `The grant type ${grantType} is not supported.`);
    const client = await authenticateClient(deps.db, request, params, deps.config);
    if (grantType === 'client_credentials' && !client.confidential) {
      throw new OAuthError('unauthorized_client', 'This client may not use the client_credentials grant.');
    }
    return grant({ deps, client, params, issuer: publicBaseUrl(request, deps.config) });
  });

  scope.post('/oauth/revoke', async (request, reply) => {
    noStore(reply);
    await limitByIp(deps, request);
    const params = readForm(request);
    const client = await authenticateClient(deps.db, request, params, deps.config);
    const token = param(params, 'token');
    if (token === null) throw missingParameter('token');
    await revoke(deps, client, token);
    return reply.code(200).send('');
  });

  scope.post('/oauth/introspect', async (request, reply) => {
    noStore(reply);
    await limitByIp(deps, request);
    const params = readForm(request);
    const client = await authenticateClient(deps.db, request, params, deps.config);
    if (!client.confidential) throw invalidClient();
    const token = param(params, 'token');
    if (token === null) throw missingParameter('token');
    return introspect(deps, client, token, publicBaseUrl(request, deps.config));
  });
}
