import type { Queryable } from '../../../platform/db/db.js';

/**
 * SQL of what the authorization server stores between requests: pending consent requests, authorization codes and
 * refresh tokens (stored by hash only).
 */

export interface PendingRequestRow {
  client_id: string;
  redirect_uri: string;
  scopes: string;
  state: string | null;
  code_challenge: string | null;
}

export async function insertAuthorizationRequest(
  db: Queryable,
  request: {
    idHash: string;
    sessionIdHash: string;
    clientId: string;
    redirectUri: string;
    scopes: string;
    state: string | null;
    codeChallenge: string | null;
    expiresAt: Date;
  },
  now: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO authorization_requests (id_hash, session_id_hash, client_id, redirect_uri, scopes, state, code_challenge, expires_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      request.idHash,
      request.sessionIdHash,
      request.clientId,
      request.redirectUri,
      request.scopes,
      request.state,
      request.codeChallenge,
      request.expiresAt,
      now,
    ],
  );
}

/** The unused, unexpired request of this browser session. */
export async function findPendingRequest(db: Queryable, idHash: string, sessionIdHash: string, now: Date): Promise<PendingRequestRow | null> {
  const found = await db.query<PendingRequestRow>(
    `SELECT client_id::text AS client_id, redirect_uri, scopes, state, code_challenge FROM authorization_requests
      WHERE id_hash = $1 AND session_id_hash = $2 AND used_at IS NULL AND expires_at > $3`,
    [idHash, sessionIdHash, now],
  );
  return found.rows[0] ?? null;
}

/** Marks the request used; false when another decision took it first. */
export async function claimAuthorizationRequest(db: Queryable, idHash: string, now: Date): Promise<boolean> {
  const claimed = await db.query('UPDATE authorization_requests SET used_at = $2 WHERE id_hash = $1 AND used_at IS NULL', [idHash, now]);
  return claimed.rowCount > 0;
}

export async function insertAuthorizationCode(
  db: Queryable,
  code: { codeHash: string; userId: number; clientId: string; redirectUri: string; scopes: string; codeChallenge: string | null; expiresAt: Date },
  now: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO authorization_codes (code_hash, user_id, client_id, redirect_uri, scopes, code_challenge, code_challenge_method, expires_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [code.codeHash, code.userId, code.clientId, code.redirectUri, code.scopes, code.codeChallenge, code.codeChallenge ? 'S256' : null, code.expiresAt, now],
  );
}

export interface CodeRow {
  user_id: number;
  client_id: string;
  redirect_uri: string;
  scopes: string;
  code_challenge: string | null;
  used_at: Date | null;
  expires_at: Date;
  family_id: string | null;
}

export async function findAuthorizationCode(db: Queryable, codeHash: string): Promise<CodeRow | null> {
  const found = await db.query<CodeRow>(
    `SELECT user_id, client_id::text AS client_id, redirect_uri, scopes, code_challenge, used_at, expires_at, family_id
       FROM authorization_codes WHERE code_hash = $1`,
    [codeHash],
  );
  return found.rows[0] ?? null;
}

/** The single-use guard of a code: of two concurrent exchanges only one gets true. */
export async function claimAuthorizationCode(db: Queryable, codeHash: string, familyId: string, now: Date): Promise<boolean> {
  const claimed = await db.query('UPDATE authorization_codes SET used_at = $2, family_id = $3 WHERE code_hash = $1 AND used_at IS NULL', [
    codeHash,
    now,
    familyId,
  ]);
  return claimed.rowCount > 0;
}

export async function insertRefreshToken(
  db: Queryable,
  token: { tokenHash: string; familyId: string; accessJti: string; userId: number; clientId: string; scopes: string; expiresAt: Date },
  now: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO refresh_tokens (token_hash, family_id, access_jti, user_id, client_id, scopes, expires_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [token.tokenHash, token.familyId, token.accessJti, token.userId, token.clientId, token.scopes, token.expiresAt, now],
  );
}

export interface RefreshRow {
  family_id: string;
  user_id: number;
  client_id: string;
  scopes: string;
  rotated_at: Date | null;
  revoked_at: Date | null;
  expires_at: Date;
}

export async function findRefreshToken(db: Queryable, tokenHash: string): Promise<RefreshRow | null> {
  const found = await db.query<RefreshRow>(
    `SELECT family_id, user_id, client_id::text AS client_id, scopes, rotated_at, revoked_at, expires_at
       FROM refresh_tokens WHERE token_hash = $1`,
    [tokenHash],
  );
  return found.rows[0] ?? null;
}

/** A refresh token with its account, as introspection and revocation see it. */
export interface RefreshRecord {
  family_id: string;
  client_id: string;
  scopes: string;
  user_id: number;
  email: string | null;
  user_deleted_at: Date | null;
  rotated_at: Date | null;
  revoked_at: Date | null;
  expires_at: Date;
  created_at: Date;
}

export async function findRefreshRecord(db: Queryable, tokenHash: string): Promise<RefreshRecord | null> {
  const result = await db.query<RefreshRecord>(
    `SELECT r.family_id, r.client_id::text AS client_id, r.scopes, r.user_id, u.email, u.deleted_at AS user_deleted_at,
            r.rotated_at, r.revoked_at, r.expires_at, r.created_at
       FROM refresh_tokens r JOIN users u ON u.id = r.user_id
      WHERE r.token_hash = $1`,
    [tokenHash],
  );
  return result.rows[0] ?? null;
}

/** Rotation: marks the live token used; false when it was already used or revoked. */
export async function claimRefreshToken(db: Queryable, tokenHash: string, now: Date): Promise<boolean> {
  const claimed = await db.query('UPDATE refresh_tokens SET rotated_at = $2 WHERE token_hash = $1 AND rotated_at IS NULL AND revoked_at IS NULL', [
    tokenHash,
    now,
  ]);
  return claimed.rowCount > 0;
}

export async function revokeRefreshFamily(db: Queryable, familyId: string, now: Date): Promise<void> {
  await db.query('UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL', [familyId, now]);
}
