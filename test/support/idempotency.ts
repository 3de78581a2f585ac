/** Keyed requests and the stored key rows the idempotency suites share (docs/idempotency.md). */
import type { Harness, RequestOptions, TestResponse } from './harness.js';
import { sql } from './factories.js';

/** A request with an Idempotency-Key header (any other headers kept). */
export function keyed(h: Harness, key: string, options: RequestOptions): Promise<TestResponse> {
  return h.request({ method: 'POST', ...options, headers: { ...options.headers, 'idempotency-key': key } });
}

/** The stored rows of a tenant's keys, oldest first. */
export function keyRows(h: Harness, tenantId: number): Promise<Record<string, any>[]> {
  return sql(h, 'SELECT * FROM idempotency_keys WHERE tenant_id = $1 ORDER BY id', [tenantId]);
}

/** Waits (by condition, not time) until `check` holds, yielding to the event loop between reads. */
export async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let turn = 0; turn < 10_000; turn++) {
    if (await check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`Never happened: ${what}`);
}
