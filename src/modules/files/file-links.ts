import { constantTimeEqual, hmacSha256Hex } from '../../platform/crypto.js';

export type FileVariant = 'content' | 'thumbnail';

/**
 * Signed, expiring links to file bytes (docs/domain-rules.md#files-and-media): HMAC-SHA256 over
 * `files:{tenant}:{id}:{variant}:{expires}` with a key derived from the encryption key for this purpose only.
 */
export class FileLinks {
  constructor(
    private readonly key: Buffer,
    private readonly ttlSeconds: number,
  ) {}

  signature(tenantId: number | string, fileId: number | string, variant: FileVariant, expires: number | string): string {
    return hmacSha256Hex(this.key, `files:${tenantId}:${fileId}:${variant}:${expires}`);
  }

  url(baseUrl: string, tenantId: number, fileId: number, variant: FileVariant, now: Date): string {
    const expires = Math.floor(now.getTime() / 1000) + this.ttlSeconds;
    const signature = this.signature(tenantId, fileId, variant, expires);
    return `${baseUrl}/api/v1/files/${fileId}/${variant}?t=${tenantId}&expires=${expires}&signature=${signature}`;
  }

  /** The signature is checked before anything else, so an id that was never signed is simply a bad link. */
  verify(
    query: { t?: string; expires?: string; signature?: string },
    fileId: string,
    variant: FileVariant,
    now: Date,
  ): { tenantId: number; expires: number } | null {
    const { t, expires, signature } = query;
    if (!t || !expires || !signature || !/^[0-9]{1,18}$/.test(t) || !/^[0-9]{1,12}$/.test(expires) || !/^[0-9a-f]{64}$/.test(signature)) return null;
    if (!constantTimeEqual(this.signature(t, fileId, variant, expires), signature)) return null;
    if (Number(expires) < Math.floor(now.getTime() / 1000)) return null;
    return { tenantId: Number(t), expires: Number(expires) };
  }
}

/** `size` in the largest of B, KB, MB, GB giving a value ≥ 1, two decimals, trailing zeros dropped. */
export function formatSize(size: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = unit === 0 ? String(value) : value.toFixed(2).replace(/\.?0+$/, '');
  return `${text} ${units[unit]}`;
}
