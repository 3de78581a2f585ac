/**
 * When the webhook dispatcher works (docs/webhooks.md#dispatch): only for tenants with an enabled endpoint, woken by
 * their event signals and by endpoint changes. Its poll is an hour here, so a dispatch that waited for a poll would
 * never come within the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { sql } from '../support/factories.js';
import { callApi, createEndpoint, emitEvents } from '../support/outbound-webhooks.js';
import { webhookDispatchPump } from '../../src/modules/webhooks/dispatch-pump.js';
import { PumpRunner } from '../../src/platform/jobs/work-pump.js';
import { createJobWorker } from '../../src/jobs.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const HOUR_MS = 3_600_000;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ FLEXTELL_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32' });
});
afterAll(async () => h?.close());

async function cursorOf(tenantId: number): Promise<number> {
  const [row] = await sql(h, 'SELECT dispatched_through FROM webhook_dispatch_cursors WHERE tenant_id = $1', [tenantId]);
  return Number(row!.dispatched_through);
}

async function deliveryCount(tenantId: number, endpointId: number): Promise<number> {
  const [row] = await sql(h, 'SELECT count(*)::int AS count FROM webhook_deliveries WHERE tenant_id = $1 AND endpoint_id = $2', [tenantId, endpointId]);
  return row!.count;
}

describe('the dispatcher', () => {
  it('starts a delivery moments after the commit: event signal, dispatch, then the attempt, with no poll in between', async () => {
    const seed = await h.seedTenant();
    const receiver = await startWebhookReceiver();
    const worker = createJobWorker(h.deps, silent, { pollIntervalMs: HOUR_MS });
    const endpoint = await createEndpoint(h, seed, { url: receiver.url('/fast') });
    try {
      worker.start();
      const started = Date.now();
      await emitEvents(h, seed.tenant_id);
      await expect.poll(() => receiver.received.length, { interval: 5 }).toBe(1);
      // Generous for a loaded machine; a poll-driven dispatcher would have taken its 5 s poll at least.
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await worker.stop();
      await receiver.close();
      // The next test needs a database without enabled endpoints.
      await callApi(h, seed, 'DELETE', `/api/v1/webhook-endpoints/${endpoint.id}`);
    }
  });

  it('does nothing while no endpoint is enabled, and dispatches once one is', async () => {
    const seed = await h.seedTenant();
    const endpoint = await createEndpoint(h, seed, { url: 'http://127.0.0.1:9/hook', enabled: false });
    const start = await cursorOf(seed.tenant_id);
    const [, last] = await emitEvents(h, seed.tenant_id, 2);
    const pump = webhookDispatchPump(h.deps, { logger: silent });

    expect(await pump.run(h.clock.now())).toBe(0);
    expect(await cursorOf(seed.tenant_id)).toBe(start);

    const enabled = await callApi(h, seed, 'PUT', `/api/v1/webhook-endpoints/${endpoint.id}`, { enabled: true });
    expect(enabled.status, enabled.body).toBe(200);
    expect(await pump.run(h.clock.now())).toBeGreaterThan(0);
    expect(await cursorOf(seed.tenant_id)).toBe(last);
    // Enabled after those events: it receives none of them.
    expect(await deliveryCount(seed.tenant_id, endpoint.id)).toBe(0);
  });

  it('listens to the events of tenants with enabled endpoints and dispatches on their signal, without a poll', async () => {
    const seed = await h.seedTenant();
    const pump = webhookDispatchPump(h.deps, { logger: silent, safetyPollMs: HOUR_MS });
    const runner = new PumpRunner(pump, { db: h.deps.db, clock: h.clock, logger: silent, pollIntervalMs: HOUR_MS });
    runner.start();
    try {
      await expect.poll(() => pump.targets.watched).not.toContain(seed.tenant_id);
      const endpoint = await createEndpoint(h, seed, { url: 'http://127.0.0.1:9/hook' });
      // The endpoint change signal makes the dispatcher listen to the tenant.
      await expect.poll(() => pump.targets.watched).toContain(seed.tenant_id);

      await emitEvents(h, seed.tenant_id);
      await expect.poll(() => deliveryCount(seed.tenant_id, endpoint.id), { interval: 10 }).toBe(1);
      await emitEvents(h, seed.tenant_id, 2);
      await expect.poll(() => deliveryCount(seed.tenant_id, endpoint.id), { interval: 10 }).toBe(3);

      const deleted = await callApi(h, seed, 'DELETE', `/api/v1/webhook-endpoints/${endpoint.id}`);
      expect(deleted.status, deleted.body).toBe(200);
      await expect.poll(() => pump.targets.watched).not.toContain(seed.tenant_id);
    } finally {
      await runner.stop();
    }
    expect(pump.targets.watched).toEqual([]);
  });
});
