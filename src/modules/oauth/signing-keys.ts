import crypto from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import type { Queryable } from '../../platform/db/db.js';
import type { SecretBox } from '../../platform/crypto.js';
import { activeSigningKeyExists, loadLiveSigningKeyRows, lockSigningKeys, signingKeyExists, storeOnlyActiveKey } from './signing-key.repository.js';

export interface SigningKey {
  kid: string;
  privateKey: crypto.KeyObject | null;
  publicKey: crypto.KeyObject;
  publicJwk: JWK;
  isActive: boolean;
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
  await storeOnlyActiveKey(db, { kid, publicJwk, privateKeyEncrypted: box.encrypt(pem, associatedData(kid)) });
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
export async function ensureSigningKey(
  db: { transaction: <T>(work: (tx: Queryable) => Promise<T>) => Promise<T> },
  box: SecretBox,
  configuredPem: string | null,
): Promise<void> {
  await db.transaction(async (tx) => {
    await lockSigningKeys(tx);
    if (configuredPem) {
      const key = parsePrivateKey(configuredPem);
      const { kid } = await describePublicKey(key);
      if (!(await signingKeyExists(tx, kid))) await storeActiveKey(tx, box, key);
      return;
    }
    if (!(await activeSigningKeyExists(tx))) await storeActiveKey(tx, box, generateKey());
  });
}

function generateKey(): crypto.KeyObject {
  return crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

export async function rotateSigningKey(db: Queryable, box: SecretBox): Promise<string> {
  return storeActiveKey(db, box, generateKey());
}

/**
 * The active key and the retired keys still needed (docs/oauth.md#access-tokens): a retired key stays while an unrevoked token it
 * signed has not expired at `now`, and is left out of the JWKS and of verification after that. Every minted token
 * has its record (with its kid) before it is handed out, so a token of a key a lagging process still signs with
 * keeps that key listed.
 */
export async function loadSigningKeys(db: Queryable, box: SecretBox, now: Date): Promise<SigningKey[]> {
  const rows = await loadLiveSigningKeyRows(db, now);
  return rows.map((row) => {
    const privateKey = row.is_active ? crypto.createPrivateKey(box.decrypt(row.private_key_encrypted, associatedData(row.kid))) : null;
    return {
      kid: row.kid,
      privateKey,
      publicKey: crypto.createPublicKey({ key: row.public_jwk as crypto.JsonWebKey, format: 'jwk' }),
      publicJwk: row.public_jwk,
      isActive: row.is_active,
    };
  });
}
