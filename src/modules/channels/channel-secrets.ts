import type { SecretBox } from '../../platform/crypto.js';
import { hmacSha256Hex } from '../../platform/crypto.js';

/**
 * Channel secrets at rest (docs/channels.md#secrets-at-rest): `channels.secrets` maps each secret key to its own
 * AES-256-GCM ciphertext, sealed with associated data `channel:<tenant>:<channel>:<key>` so a value cannot be moved
 * to another channel or key. Plain values exist only in memory, when a webhook is verified or a message sent.
 */

function associatedData(tenantId: number, channelId: number, key: string): string {
  return `channel:${tenantId}:${channelId}:${key}`;
}

export function sealChannelSecret(box: SecretBox, tenantId: number, channelId: number, key: string, value: string): string {
  return box.encrypt(value, associatedData(tenantId, channelId, key));
}

/** Every stored secret of the channel, decrypted. */
export function openChannelSecrets(box: SecretBox, channel: { tenant_id: number; id: number; secrets: Record<string, string> }): Record<string, string> {
  const opened: Record<string, string> = {};
  for (const [key, sealed] of Object.entries(channel.secrets ?? {})) {
    if (typeof sealed === 'string') opened[key] = box.decrypt(sealed, associatedData(Number(channel.tenant_id), Number(channel.id), key));
  }
  return opened;
}

/**
 * The lookup digest of a verify token (`channels.verify_token_digest`): Meta's handshake names only the token, so the
 * channel is found by this HMAC instead of decrypting every row. Keyed with a key derived from the encryption key.
 */
export function verifyTokenDigest(box: SecretBox, token: string): string {
  return hmacSha256Hex(box.derive('channel-verify-token'), token);
}
