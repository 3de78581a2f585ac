import type { JWK } from 'jose';
import type { Queryable } from '../../platform/db/db.js';

/** SQL of signing_keys: the RS256 keys, their private halves encrypted (signing-keys.ts). */

export interface SigningKeyRow {
  kid: string;
  public_jwk: JWK;
  private_key_encrypted: string;
  is_active: boolean;
}

/** Stores the key as the only active one (a known kid is made active again). */
export async function storeOnlyActiveKey(db: Queryable, key: { kid: string; publicJwk: JWK; privateKeyEncrypted: string }): Promise<void> {
  await db.query('UPDATE signing_keys SET is_active = false, retired_at = now() WHERE is_active AND kid <> $1', [key.kid]);
  await db.query(
    `INSERT INTO signing_keys (kid, public_jwk, private_key_encrypted, is_active) VALUES ($1, $2, $3, true)
     ON CONFLICT (kid) DO UPDATE SET is_active = true, retired_at = NULL`,
    [key.kid, JSON.stringify(key.publicJwk), key.privateKeyEncrypted],
  );
}

/** Until the transaction ends, no other one stores or reads keys to decide on a first key. */
export async function lockSigningKeys(tx: Queryable): Promise<void> {
  await tx.query('LOCK TABLE signing_keys IN EXCLUSIVE MODE');
}

export async function signingKeyExists(db: Queryable, kid: string): Promise<boolean> {
  const existing = await db.query('SELECT 1 FROM signing_keys WHERE kid = $1', [kid]);
  return existing.rowCount > 0;
}

export async function activeSigningKeyExists(db: Queryable): Promise<boolean> {
  const active = await db.query('SELECT kid FROM signing_keys WHERE is_active');
  return active.rowCount > 0;
}

/** The active key first, then retired keys an unrevoked, unexpired token was signed with, newest first. */
export async function loadLiveSigningKeyRows(db: Queryable, now: Date): Promise<SigningKeyRow[]> {
  const result = await db.query<SigningKeyRow>(
    `SELECT kid, public_jwk, private_key_encrypted, is_active FROM signing_keys s
      WHERE s.is_active
         OR EXISTS (SELECT 1 FROM access_tokens t WHERE t.kid = s.kid AND t.revoked_at IS NULL AND t.expires_at > $1)
      ORDER BY is_active DESC, created_at DESC`,
    [now],
  );
  return result.rows;
}
