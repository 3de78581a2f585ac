/**
 * Every POST route of the registry (src/routes.ts) takes an Idempotency-Key through the route builder
 * (docs/idempotency.md#where-it-runs): its sample request (test/support/route-samples.ts) sent with a key answers as
 * without one, within one transaction on the joined database (no handler escapes it or waits on itself), and the
 * same request again is replayed byte for byte. A POST route added to the registry is covered at once.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { apiRoutes } from '../../src/routes.js';
import type { AnyRoute } from '../../src/http/define-route.js';
import { SAMPLE_REQUESTS } from '../support/route-samples.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const posts = (apiRoutes as AnyRoute[]).filter((route) => route.method === 'POST').map((route) => [`${route.method} ${route.url}`, route] as const);

it('the registry has POST routes to walk', () => {
  expect(posts.length).toBeGreaterThan(10);
});

it.each(posts)('%s: keyed, answers as documented and replays byte for byte', async (key, route) => {
  const seed = await h.seedTenant({ conversations: 8 });
  const sample = await SAMPLE_REQUESTS[key]!(h, seed);
  const send = () =>
    h.request({
      method: 'POST',
      url: sample.url,
      token: seed.access_token,
      tenant: seed.tenant_id,
      body: sample.body,
      payload: sample.payload,
      headers: { ...sample.headers, 'idempotency-key': idempotencyKey },
    });
  const idempotencyKey = crypto.randomUUID();
  const first = await send();
  expect(first.status, `${key}: ${first.body.slice(0, 300)}`).toBe(route.successStatus ?? 200);
  expect(first.headers['idempotent-replayed']).toBeUndefined();
  const again = await send();
  expect(again.status).toBe(first.status);
  expect(again.body).toBe(first.body);
  expect(again.headers['content-type']).toBe(first.headers['content-type']);
  expect(again.headers['idempotent-replayed']).toBe('true');
});
