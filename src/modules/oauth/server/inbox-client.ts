import type { FastifyRequest } from 'fastify';
import type { Config } from '../../../config.js';
import { publicBaseUrl } from '../../../http/request-info.js';
import type { Scope } from '../scopes.js';
import type { OAuthClient } from './clients.js';

/** The agent inbox's built-in public client (docs/inbox.md#sign-in): in every database, of no tenant, never listed. */
export const INBOX_CLIENT_ID = 'flextell-inbox';

/** What the inbox uses; the member's permissions still decide what each call may do. */
export const INBOX_SCOPES: readonly Scope[] = [
  'conversations:read',
  'conversations:write',
  'customers:read',
  'customers:write',
  'blacklist:write',
  'account:read',
] as const;

/** The inbox's one redirect URI: this server's origin (PUBLIC_URL, else the request's) plus /app/callback. */
export function inboxRedirectUri(request: FastifyRequest, config: Pick<Config, 'publicUrl'>): string {
  return `${publicBaseUrl(request, config)}/app/callback`;
}

/**
 * The built-in client when `clientId` names it and the inbox is on; null otherwise (the caller then looks up a
 * registered application). With FLEXTELL_INBOX=false the id is answered like any unknown client.
 */
export function builtInClient(clientId: string | null | undefined, request: FastifyRequest, config: Pick<Config, 'publicUrl' | 'inbox'>): OAuthClient | null {
  if (clientId !== INBOX_CLIENT_ID || !config.inbox) return null;
  return {
    id: 0,
    tenantId: 0,
    clientId: INBOX_CLIENT_ID,
    name: 'Flextell Inbox',
    confidential: false,
    redirectUris: [inboxRedirectUri(request, config)],
    scopes: [...INBOX_SCOPES],
  };
}
