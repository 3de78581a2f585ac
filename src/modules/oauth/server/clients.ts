import type { FastifyRequest } from 'fastify';
import type { Queryable } from '../../../platform/db/db.js';
import { constantTimeEqual, sha256Hex } from '../../../platform/crypto.js';
import { isScope, orderScopes, type Scope } from '../scopes.js';
import { invalidClient } from './oauth-error.js';
import { findLiveClient, type ClientRow } from '../applications/application.repository.js';
import type { Config } from '../../../config.js';
import { builtInClient } from './inbox-client.js';

export interface OAuthClient {
  id: number;
  tenantId: number;
  clientId: string;
  name: string;
  confidential: boolean;
  redirectUris: string[];
  scopes: Scope[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Application secrets are high-entropy random strings, so a plain SHA-256 digest is a safe way to store them. */
export function hashClientSecret(secret: string): string {
  return `sha256:${sha256Hex(secret)}`;
}

async function loadClientRow(db: Queryable, clientId: string): Promise<ClientRow | null> {
  // The personal pseudo-client and junk ids never reach the uuid cast.
  if (!UUID.test(clientId)) return null;
  return findLiveClient(db, clientId);
}

function toClient(row: ClientRow): OAuthClient {
  return {
    id: Number(row.id),
    tenantId: Number(row.tenant_id),
    clientId: row.client_id,
    name: row.name,
    confidential: row.confidential,
    redirectUris: row.redirect_uris,
    scopes: orderScopes(row.scopes.filter(isScope)),
  };
}

export async function findClient(db: Queryable, clientId: string): Promise<OAuthClient | null> {
  const row = await loadClientRow(db, clientId);
  return row ? toClient(row) : null;
}

/** RFC 6749 §2.3.1: both halves of Basic credentials are form-urlencoded before base64. */
function basicCredentials(header: string | undefined): { id: string; secret: string } | null | 'malformed' {
  if (header === undefined) return null;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return /^Basic\b/i.test(header) ? 'malformed' : null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  try {
    const formDecode = (text: string) => decodeURIComponent(text.replace(/\+/g, ' '));
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return 'malformed';
  }
}

/**
 * Client authentication of docs/oauth.md#grants: exactly one of Basic, the form fields, or (public clients)
 * a bare client_id. Every failure is the same 401 invalid_client.
 */
export async function authenticateClient(
  db: Queryable,
  request: FastifyRequest,
  params: Map<string, string>,
  config: Pick<Config, 'publicUrl' | 'inbox'>,
): Promise<OAuthClient> {
  const basic = basicCredentials(request.headers.authorization);
  if (basic === 'malformed') throw invalidClient();
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  let clientId: string | undefined;
  let secret: string | undefined;
  if (basic) {
    if (bodySecret !== undefined || (bodyId !== undefined && bodyId !== basic.id)) throw invalidClient();
    clientId = basic.id;
    secret = basic.secret;
  } else {
    clientId = bodyId;
    secret = bodySecret;
  }
  if (!clientId) throw invalidClient();
  const inbox = builtInClient(clientId, request, config);
  if (inbox) {
    if (secret !== undefined) throw invalidClient();
    return inbox;
  }
  const row = await loadClientRow(db, clientId);
  if (!row) throw invalidClient();
  if (row.confidential) {
    if (!secret || !row.secret_hash || !constantTimeEqual(hashClientSecret(secret), row.secret_hash)) throw invalidClient();
  } else if (secret !== undefined) {
    throw invalidClient();
  }
  return toClient(row);
}
