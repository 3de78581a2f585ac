import type { ProviderAnswer, ProviderDeps, ProviderFailure } from './provider-http.js';
import { classify, httpReason, retryAfterSeconds } from './provider-http.js';

/** Graph API error bodies (WhatsApp Cloud API and Instagram): `{"error": {"code": 131047, "message": "…"}}`. */
export function metaFailure(answer: ProviderAnswer, now: Date): ProviderFailure {
  const error = (answer.json as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = typeof error?.code === 'number' ? error.code : null;
  const message = typeof error?.message === 'string' ? error.message : null;
  return {
    status: answer.status,
    reason: code !== null && message !== null ? `${code}: ${message}` : httpReason(answer.status),
    metaCode: code,
    retryAfterSeconds: retryAfterSeconds(answer.headers.get('retry-after'), now),
  };
}

/**
 * The answer's JSON on success; otherwise the delivery error for it. Meta answers a throttled call with HTTP 400
 * and a throttling code, so the code is read whatever the status.
 */
export function metaResult(answer: ProviderAnswer, deps: ProviderDeps): Record<string, unknown> {
  const body = answer.json as { error?: unknown } | null;
  if (answer.status >= 200 && answer.status < 300 && !body?.error) return (body ?? {}) as Record<string, unknown>;
  throw classify(metaFailure(answer, deps.clock.now()));
}

/** `{META_API_URL}/{version}/{node}/{edge}` without a trailing slash in the base. */
export function graphUrl(base: string, version: string, node: string, edge: string): string {
  return `${base.replace(/\/+$/, '')}/${encodeURIComponent(version)}/${encodeURIComponent(node)}/${edge}`;
}
