import crypto from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import type { Queryable } from '../../platform/db/db.js';
import type { SecretBox } from '../../platform/crypto.js';

export interface SigningKey {
  kid: string;
  privateKey: crypto.KeyObject | null;
  publicKey: crypto.KeyObject;
  publicJwk: JWK;
  isActive: boolean;
}

interface SigningKeyRow {
  kid: string;
  public_jwk: JWK;
  private_key_encrypted: string;
  is_active: boolean;
}

async function describePublicKey(privateKey: crypto.KeyObject): Promise<{ kid: string; publicJwk: JWK }> {
  const publicKey = crypto.createPublicKey(privateKey);
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint({ kty: 'RSA', n: jwk.n!, e: jwk.e! }, 'sha256');
  return { kid, publicJwk: { kty: 'RSA', kid, use: 'sig', alg: 'RS256', n: jwk.n!, e: jwk.e! } };
}

function associatedData(kid: string): string {
  return `signing_key:${kid}`;
}

/** Stores a key and makes it the only active one. */
async function storeActiveKey(db: Queryable, box: SecretBox, privateKey: crypto.KeyObject): Promise<string> {
  const { kid, publicJwk } = await describePublicKey(privateKey);
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await db.query('UPDATE signing_keys SET is_active = false, retired_at = now() WHERE is_active AND kid <> $1', [kid]);
  await db.query(
    `INSERT INTO signing_keys (kid, public_jwk, private_key_encrypted, is_active) VALUES ($1, $2, $3, true)
     ON CONFLICT (kid) DO UPDATE SET is_active = true, retired_at = NULL`,
    [kid, JSON.stringify(publicJwk), box.encrypt(pem, associatedData(kid))],
  );
  return kid;
}

export function parsePrivateKey(pem: string): crypto.KeyObject {
  const key = crypto.createPrivateKey(pem);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < 2048) throw new Error('JWT_PRIVATE_KEY must be an RSA key of at least 2048 bits.');
  return key;
}

/**
 * Makes sure an active key exists: the configured one (imported when its thumbprint is new), else the stored
 * active one, else a freshly generated one. Runs in a transaction so concurrent first starts agree.
 */
export async function ensureSigningKey(db: { transaction: <T>(work: (tx: Queryable) => Promise<T>) => Promise<T> }, box: SecretBox, configuredPem: string | null): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('LOCK TABLE signing_keys IN EXCLUSIVE MODE');
    if (configuredPem) {
      const key = parsePrivateKey(configuredPem);
      const { kid } = await describePublicKey(key);
      const existing = await tx.query('SELECT 1 FROM signing_keys WHERE kid = $1', [kid]);
      if (existing.rowCount === 0) await storeActiveKey(tx, box, key);
      return;
    }
    const active = await tx.query('SELECT kid FROM signing_keys WHERE is_active');
    if (active.rowCount === 0) await storeActiveKey(tx, box, generateKey());
  });
}

function generateKey(): crypto.KeyObject {
  return crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

export async function rotateSigningKey(db: Queryable, box: SecretBox): Promise<string> {
  return storeActiveKey(db, box, generateKey());
}

/**
 * The active key and the retired keys still needed (oauth.md §9): a retired key stays while an unrevoked token it
 * signed has not expired at `now`, and is left out of the JWKS and of verification after that. Every minted token
 * has its record (with its kid) before it is handed out, so a token of a key a lagging process still signs with
 * keeps that key listed.
 */
export async function loadSigningKeys(db: Queryable, box: SecretBox, now: Date): Promise<SigningKey[]> {
  const result = await db.query<SigningKeyRow>(
    `SELECT kid, public_jwk, private_key_encrypted, is_active FROM signing_keys s
      WHERE s.is_active
         OR EXISTS (SELECT 1 FROM access_tokens t WHERE t.kid = s.kid AND t.revoked_at IS NULL AND t.expires_at > $1)
      ORDER BY is_active DESC, created_at DESC`,
    [now],
  );
  return result.rows.map((row) => {
    const privateKey = row.is_active
      ? crypto.createPrivateKey(box.decrypt(row.private_key_encrypted, associatedData(row.kid)))
      : null;
    return {
      kid: row.kid,
      privateKey,
      publicKey: crypto.createPublicKey({ key: row.public_jwk as crypto.JsonWebKey, format: 'jwk' }),
      publicJwk: row.public_jwk,
      isActive: row.is_active,
    };
  });
}
