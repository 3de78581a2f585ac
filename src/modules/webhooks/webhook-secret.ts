import crypto from 'node:crypto';
import type { SecretBox } from '../../platform/crypto.js';

/**
 * Signing secrets and Standard Webhooks signatures (docs/webhooks.md#signatures). A secret is `whsec_` and the
 * base64 of 32 random bytes; the HMAC key is those bytes. At rest it is sealed with the encryption key under the
 * associated data `webhook:<tenant>:<endpoint>`, so a ciphertext cannot be moved to another endpoint.
 */

const PREFIX = 'whsec_';

export function newWebhookSecret(): string {
  return PREFIX + crypto.randomBytes(32).toString('base64');
}

function associatedData(tenantId: number, endpointId: number): string {
  return `webhook:${tenantId}:${endpointId}`;
}

export function sealWebhookSecret(box: SecretBox, tenantId: number, endpointId: number, secret: string): string {
  return box.encrypt(secret, associatedData(tenantId, endpointId));
}

export function openWebhookSecret(box: SecretBox, tenantId: number, endpointId: number, sealed: string): string {
  return box.decrypt(sealed, associatedData(tenantId, endpointId));
}

/** `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` under the secret's decoded bytes. */
export function signatureOf(secret: string, webhookId: string, timestamp: number, body: Buffer): string {
  const key = Buffer.from(secret.slice(PREFIX.length), 'base64');
  const mac = crypto.createHmac('sha256', key).update(`${webhookId}.${timestamp}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

/** The `webhook-signature` header: the current secret's signature, then the previous one's during an overlap. */
export function signatureHeader(secrets: readonly string[], webhookId: string, timestamp: number, body: Buffer): string {
  return secrets.map((secret) => signatureOf(secret, webhookId, timestamp, body)).join(' ');
}
