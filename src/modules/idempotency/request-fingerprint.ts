import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { normalizeInput } from '../../http/validation.js';

/** Code-point order (not UTF-16 code units), as docs/idempotency.md#the-same-request asks of object keys. */
function byCodePoint(left: string, right: string): number {
  const a = Array.from(left);
  const b = Array.from(right);
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const difference = a[index]!.codePointAt(0)! - b[index]!.codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

/** JSON with object keys sorted at every level and no white space; numbers and strings as JSON.stringify writes them. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    entries.sort(([a], [b]) => byCodePoint(a, b));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** One multipart part as it enters the fingerprint: its name, its file name (null for a field), the SHA-256 of its bytes. */
export interface PartDigest {
  name: string;
  fileName: string | null;
  sha256: string;
}

export type BodyFingerprint = { kind: 'json' } | { kind: 'multipart'; parts: PartDigest[] };

function bodyDigest(request: FastifyRequest, body: BodyFingerprint): string {
  const hash = crypto.createHash('sha256');
  if (body.kind === 'json') return hash.update(canonicalJson(normalizeInput(request.body ?? {}))).digest('hex');
  for (const part of body.parts) hash.update(JSON.stringify([part.name, part.fileName, part.sha256]));
  return hash.digest('hex');
}

/** The path as received, query string dropped and one trailing slash removed. */
export function fingerprintPath(url: string): string {
  const path = url.split('?')[0]!;
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** "The same request" (docs/idempotency.md#the-same-request): method, path and body fingerprint, hashed together. */
export function requestHash(request: FastifyRequest, body: BodyFingerprint): string {
  const parts = [request.method, fingerprintPath(request.url), bodyDigest(request, body)];
  return crypto.createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}
