import crypto from 'node:crypto';
import type { Queryable } from './db/db.js';

/** Random text for secrets, ids and passwords. */
export function randomToken(bytes = 32): string {
  return crypto.randomBytes(bytes).toString('hex');
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomString(length: number, alphabet = ALPHANUMERIC): string {
  let result = '';
  while (result.length < length) {
    for (const byte of crypto.randomBytes(length)) {
      // Rejection sampling keeps every character equally likely.
      if (byte < 256 - (256 % alphabet.length) && result.length < length) result += alphabet[byte % alphabet.length];
    }
  }
  return result;
}

export function sha256Hex(value: string | Buffer): string {
  return crypto.createHash('sha256').update(value).digest('hex');
}

export function hmacSha256Hex(key: Buffer, value: string | Buffer): string {
  return crypto.createHmac('sha256', key).update(value).digest('hex');
}

export function constantTimeEqual(left: string, right: string): boolean {
  const a = Buffer.from(left);
  const b = Buffer.from(right);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/**
 * AES-256-GCM with a fresh IV per value and caller-supplied associated data, so a ciphertext cannot be
 * moved to another row or key. Format: v1.<key id>.<iv>.<ciphertext+tag>, base64url.
 */
export class SecretBox {
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    this.keyId = sha256Hex(key).slice(0, 8);
  }

  encrypt(plaintext: string, associatedData: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return ['v1', this.keyId, iv.toString('base64url'), body.toString('base64url')].join('.');
  }

  decrypt(sealed: string, associatedData: string): string {
    const [version, , ivText, bodyText] = sealed.split('.');
    if (version !== 'v1' || !ivText || !bodyText) throw new Error('Unrecognised ciphertext format.');
    const body = Buffer.from(bodyText, 'base64url');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(ivText, 'base64url'));
    decipher.setAAD(Buffer.from(associatedData));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
  }

  /** A separate key for another purpose (file-link signatures), so one key never serves two algorithms. */
  derive(purpose: string): Buffer {
    return Buffer.from(crypto.hkdfSync('sha256', this.key, Buffer.alloc(0), purpose, 32));
  }
}

/**
 * The configured key, or one generated once and kept in the database (every process then shares it).
 * Returns whether it was generated so the server can warn that production should configure it.
 */
export async function loadEncryptionKey(db: Queryable, configured: Buffer | null): Promise<{ box: SecretBox; stored: boolean }> {
  if (configured) return { box: new SecretBox(configured), stored: false };
  await db.query(`INSERT INTO instance_secrets (name, value) VALUES ('encryption_key', $1) ON CONFLICT (name) DO NOTHING`, [
    crypto.randomBytes(32).toString('hex'),
  ]);
  const result = await db.query<{ value: string }>(`SELECT value FROM instance_secrets WHERE name = 'encryption_key'`);
  return { box: new SecretBox(Buffer.from(result.rows[0]!.value, 'hex')), stored: true };
}
