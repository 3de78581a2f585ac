import crypto from 'node:crypto';
import type { SecretBox } from '../../../platform/crypto.js';
import { openChannelSecrets } from '../../channels/channel-secrets.js';
import type { WebhookChannel } from '../webhook-channel.finder.js';

/**
 * How a webhook proves where it comes from (docs/channels.md#inbound-webhooks): Meta's `X-Hub-Signature-256`
 * (HMAC-SHA256 of the raw bytes with the channel's app secret) and Telegram's secret token; both compared in
 * constant time.
 */

const SIGNATURE_HEADER = /^sha256=([0-9a-fA-F]{64})$/;

/** The 32 signature bytes of an `X-Hub-Signature-256` header, or null when it is missing or malformed. */
export function parseMetaSignature(header: string | string[] | undefined): Buffer | null {
  const match = typeof header === 'string' ? SIGNATURE_HEADER.exec(header) : null;
  return match ? Buffer.from(match[1]!, 'hex') : null;
}

export function metaSignatureMatches(signature: Buffer, body: Buffer, appSecret: string): boolean {
  const expected = crypto.createHmac('sha256', appSecret).update(body).digest();
  return crypto.timingSafeEqual(expected, signature);
}

export function secretTokenMatches(sent: string | string[] | undefined, expected: string): boolean {
  if (typeof sent !== 'string') return false;
  // Hashing both sides first gives equal lengths, so neither the comparison nor its length check leaks the secret.
  const digest = (value: string) => crypto.createHash('sha256').update(value).digest();
  return crypto.timingSafeEqual(digest(sent), digest(expected));
}

/**
 * Opened secrets, kept per sealed value: a changed secret is a new sealed value (fresh IV), and the channel row is
 * read on every request, so this never serves a secret the channel no longer has; it only saves the decryption.
 */
const opened = new WeakMap<SecretBox, Map<string, string | null>>();
const MAX_OPENED = 10_000;

/** One secret of the channel in clear, or null when none is stored (or it cannot be opened). */
export function channelSecret(box: SecretBox, channel: WebhookChannel, key: string): string | null {
  const sealed = channel.secrets?.[key];
  if (typeof sealed !== 'string') return null;
  let cache = opened.get(box);
  if (!cache) opened.set(box, (cache = new Map()));
  const cacheKey = `${channel.tenant_id}:${channel.id}:${key}:${sealed}`;
  const hit = cache.get(cacheKey);
  if (hit !== undefined) return hit;
  let value: string | null;
  try {
    value = openChannelSecrets(box, { tenant_id: channel.tenant_id, id: channel.id, secrets: { [key]: sealed } })[key] ?? null;
  } catch {
    value = null;
  }
  if (cache.size >= MAX_OPENED) cache.clear();
  cache.set(cacheKey, value);
  return value;
}
