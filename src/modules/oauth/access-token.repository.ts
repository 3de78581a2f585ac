import type { Queryable } from '../../platform/db/db.js';

/** SQL of access_tokens: one row per minted access token, kept until it expires (README, OAuth). */

export interface AccessTokenRow {
  jti: string;
  userId: number | null;
  /** Null for a personal token. */
  clientId: string | null;
  tenantId: number | null;
  scopes: string;
  kid: string;
  familyId: string | null;
  expiresAt: Date;
  createdAt: Date;
}

export async function insertAccessToken(db: Queryable, token: AccessTokenRow): Promise<void> {
  await db.query(
    `INSERT INTO access_tokens (jti, user_id, client_id, tenant_id, scopes, kid, family_id, expires_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [token.jti, token.userId, token.clientId, token.tenantId, token.scopes, token.kid, token.familyId, token.expiresAt, token.createdAt],
  );
}

/** What a request's authentication needs of a token: its grant, the account or application behind it. */
export interface TokenRecordRow {
  jti: string;
  scopes: string;
  tenant_id: number | null;
  revoked_at: Date | null;
  created_at: Date;
  user_id: number | null;
  user_tokens_valid_after: Date | null;
  user_name: string | null;
  user_deleted_at: Date | null;
  application_id: number | null;
  application_name: string | null;
  application_tenant_id: number | null;
  application_client_id: string | null;
  application_deleted_at: Date | null;
}

const TOKEN_RECORD_SELECT = `SELECT t.jti, t.scopes, t.tenant_id, t.revoked_at, t.created_at,
            u.id AS user_id, u.name AS user_name, u.deleted_at AS user_deleted_at, u.tokens_valid_after AS user_tokens_valid_after,
            c.id AS application_id, c.name AS application_name, c.tenant_id AS application_tenant_id,
            c.client_id::text AS application_client_id, c.deleted_at AS application_deleted_at
       FROM access_tokens t
       LEFT JOIN users u ON u.id = t.user_id
       LEFT JOIN oauth_clients c ON c.client_id::text = t.client_id`;

export async function findTokenRecord(db: Queryable, jti: string): Promise<TokenRecordRow | undefined> {
  const result = await db.query<TokenRecordRow>(`${TOKEN_RECORD_SELECT} WHERE t.jti = $1`, [jti]);
  return result.rows[0];
}

/** The records of several tokens in one query (the event streams' periodic re-check); unknown jtis are absent. */
export async function findTokenRecords(db: Queryable, jtis: string[]): Promise<TokenRecordRow[]> {
  const result = await db.query<TokenRecordRow>(`${TOKEN_RECORD_SELECT} WHERE t.jti = ANY($1::text[])`, [jtis]);
  return result.rows;
}

/** What introspection shows of an access token. */
export interface AccessTokenDetails {
  client_id: string | null;
  email: string | null;
  scopes: string;
  created_at: Date;
  expires_at: Date;
}

export async function findAccessTokenDetails(db: Queryable, jti: string): Promise<AccessTokenDetails | null> {
  const result = await db.query<AccessTokenDetails>(
    `SELECT t.client_id::text AS client_id, u.email, t.scopes, t.created_at, t.expires_at
       FROM access_tokens t LEFT JOIN users u ON u.id = t.user_id WHERE t.jti = $1`,
    [jti],
  );
  return result.rows[0] ?? null;
}

export async function revokeAccessToken(db: Queryable, jti: string, now: Date): Promise<void> {
  await db.query('UPDATE access_tokens SET revoked_at = $2 WHERE jti = $1 AND revoked_at IS NULL', [jti, now]);
}

/** Revokes the unexpired token (already revoked counts too); false when no unexpired token has this jti. */
export async function revokeUnexpiredAccessToken(db: Queryable, jti: string, now: Date): Promise<boolean> {
  const result = await db.query<{ revoked_at: Date | null }>(
    `UPDATE access_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE jti = $1 AND expires_at > $2 RETURNING revoked_at`,
    [jti, now],
  );
  return result.rowCount > 0;
}

/** Revokes every live access token of a refresh family; returns their jtis. */
export async function revokeAccessTokenFamily(db: Queryable, familyId: string, now: Date): Promise<string[]> {
  const revoked = await db.query<{ jti: string }>('UPDATE access_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL RETURNING jti', [
    familyId,
    now,
  ]);
  return revoked.rows.map((row) => row.jti);
}
