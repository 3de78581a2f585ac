/**
 * Outbound webhook deliveries (docs/webhooks.md#deliveries) against a real receiver on 127.0.0.1: dispatch from the
 * event log, signatures verified by the independent `standardwebhooks` package (rotation overlap included), the
 * scaled retry schedule, disabling (gone, failing), a hanging receiver, the address check at every attempt, the
 * delivery log and redeliver.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createHarness, type Harness } from '../support/harness.js';
import { expectError, expectExactJson, expectPaginatorShape, expectValidationError } from '../support/assertions.js';
import { sql } from '../support/factories.js';
import { TIMESTAMP } from '../support/shapes.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { callApi, createEndpoint, deliveries, emitEvents } from '../support/outbound-webhooks.js';
import { webhookAttemptPump } from '../../src/modules/webhooks/attempt-pump.js';
import { dispatchBatch } from '../../src/modules/webhooks/dispatch-pump.js';
import { PumpRunner } from '../../src/platform/jobs/work-pump.js';
import { ABORTED_ERROR, sendWebhook } from '../../src/modules/webhooks/webhook-sender.js';
import { NetworkList } from '../../src/platform/networks.js';
import { pruneEvents } from '../../src/modules/events/event-log.repository.js';

let h: Harness;
let receiver: WebhookReceiver;
beforeAll(async () => {
  h = await createHarness({
    FLEXTELL_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32',
    FLEXTELL_WEBHOOK_RETRY_SCALE: '0.001',
    FLEXTELL_WEBHOOK_TIMEOUT_MS: '3000',
  });
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await h?.close();
});
// Each test starts with an idle receiver and no delivery left pending by another test.
afterEach(async () => {
  await sql(h, `UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL WHERE status = 'pending'`);
  receiver.reset();
});

const DELIVERY_KEYS = [
  'id',
  'endpoint_id',
  'event_id',
  'event_type',
  'webhook_id',
  'status',
  'attempts',
  'next_attempt_at',
  'last_attempt_at',
  'response_status',
  'response_body',
  'latency_ms',
  'error',
  'redelivery_of',
  'created_at',
  'updated_at',
];

/** The independent verifier, its clock (for the 5-minute tolerance) set to the receiver's: the harness's clock. */
function verify(secret: string, request: { headers: Record<string, string>; body: string }) {
  vi.useFakeTimers({ toFake: ['Date'], now: h.clock.now() });
  try {
    return new Webhook(secret).verify(request.body, request.headers) as any;
  } finally {
    vi.useRealTimers();
  }
}

/** Polls (real time, with a deadline) until `done`. */
async function waitFor(done: () => Promise<boolean>, deadlineMs = 2500): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await done())) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Advances the clock a second at a time, running what is due, until `done` or `rounds` run out. */
async function runUntil(done: () => Promise<boolean>, { step = 1, rounds = 50 } = {}): Promise<void> {
  for (let round = 0; round < rounds && !(await done()); round++) {
    await h.drainJobs();
    if (await done()) return;
    h.clock.advance(step);
  }
  expect(await done()).toBe(true);
}

describe('dispatch and signatures', () => {
  it('posts each subscribed event once, signed, to the endpoints enabled before it', async () => {
    const seed = await h.seedTenant();
    const before = await emitEvents(h, seed.tenant_id);
    const endpoint = await createEndpoint(h, seed, { url: receiver.url('/one') });
    const unsubscribed = await createEndpoint(h, seed, { url: receiver.url('/other'), event_types: ['customer.created'] });
    const eventIds = await emitEvents(h, seed.tenant_id, 2);
    await h.drainJobs();
    await h.drainJobs();

    expect(receiver.received.map((request) => request.path)).toEqual(['/one', '/one']);
    const events = receiver.received.map((request) => verify(endpoint.secret, request));
    expect(events.map((event) => event.id)).toEqual(eventIds);
    expect(events.map((event) => event.id)).not.toContain(before[0]);
    const first = receiver.received[0]!;
    expect(first.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'Flextell-Webhooks/1.0',
      'webhook-id': `evt_${seed.tenant_id}_${eventIds[0]}`,
      'webhook-timestamp': String(Math.floor(h.clock.now().getTime() / 1000)),
    });
    expect(first.headers.authorization).toBeUndefined();
    expect(Object.keys(JSON.parse(first.body))).toEqual(['id', 'type', 'timestamp', 'tenant_id', 'actor', 'data']);
    expect(JSON.parse(first.body)).toMatchObject({ type: 'channel.updated', tenant_id: seed.tenant_id, actor: { type: 'system', id: null, name: null } });

    const log = await deliveries(h, seed, endpoint.id);
    expect(log).toHaveLength(2);
    expect(Object.keys(log[0])).toEqual(DELIVERY_KEYS);
    expect(log[0]).toMatchObject({
      endpoint_id: endpoint.id,
      event_id: eventIds[1],
      event_type: 'channel.updated',
      webhook_id: `evt_${seed.tenant_id}_${eventIds[1]}`,
      status: 'succeeded',
      attempts: 1,
      next_attempt_at: null,
      last_attempt_at: expect.stringMatching(TIMESTAMP),
      response_status: 200,
      response_body: 'ok',
      latency_ms: expect.any(Number),
      error: null,
      redelivery_of: null,
    });
    expect(await deliveries(h, seed, unsubscribed.id)).toEqual([]);
  });

  it('delivers what the API wrote: POST /customers arrives as customer.created carrying the customer as the API shows it', async () => {
    const seed = await h.seedTenant();
    const endpoint = await createEndpoint(h, seed, { url: receiver.url('/crm'), event_types: ['customer.created'] });
    const created = await callApi(h, seed, 'POST', '/api/v1/customers', { first_name: 'Ceyda', last_name: 'Zed', country_id: 792 });
    expect(created.status).toBe(201);
    await h.drainJobs();
    const [request] = receiver.received.filter((received) => received.path === '/crm');
    const event = verify(endpoint.secret, request!);
    expect(event).toMatchObject({ type: 'customer.created', tenant_id: seed.tenant_id, actor: { type: 'user', id: seed.user_id } });
    const shown = await callApi(h, seed, 'GET', `/api/v1/customers/${created.json.data.id}`);
    expect(event.data).toEqual(shown.json.data);
  });

  it('signs with both secrets during a rotation overlap, and with the new one only after it', async () => {
    const seed = await h.seedTenant();
    const endpoint = await createEndpoint(h, seed, { url: receiver.url() });
    const rotated = await callApi(h, seed, 'POST', `/api/v1/webhook-endpoints/${endpoint.id}/secret`, { overlap_seconds: 3600 });
    const current = rotated.json.data.secret as string;
    await emitEvents(h, seed.tenant_id);
    await h.drainJobs();
    const during = receiver.received.at(-1)!;
    expect(during.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verify(current, during).type).toBe('channel.updated');
    expect(verify(endpoint.secret, during).type).toBe('channel.updated');

    h.clock.advance(3601);
    await emitEvents(h, seed.tenant_id);
    await h.drainJobs();
    const after = receiver.received.at(-1)!;
    expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(verify(current, after).type).toBe('channel.updated');
    expect(() => verify(endpoint.secret, after)).toThrow();
  });
});

describe('retries', () => {
  it('retries 500s on the scaled schedule, then succeeds; no event is lost', async () => {
    const seed = await h.seedTenant();
    const endpoint = await createEndpoint(h, seed, { url: receiver.url() });
    receiver.setDefault({ status: 500, body: 'down' });
    const eventIds = await emitEvents(h, seed.tenant_id, 3);
    await h.drainJobs();
    const [row] = await sql(h, 'SELECT attempts, last_attempt_at, next_attempt_at FROM webhook_deliveries WHERE tenant_id = $1 AND event_id = $2', [
      seed.tenant_id,
      eventIds[0],
    ]);
    // 5 s × (1 + 10 % jitter, pinned to its ceiling) × the scale 0.001.
    expect(row!.attempts).toBe(1);
    expect(new Date(row!.next_attempt_at).getTime() - new Date(row!.last_attempt_at).getTime()).toBe(6);
    expect((await callApi(h, seed, 'GET', `/api/v1/webhook-endpoints/${endpoint.id}`)).json.data.failing_since).toMatch(TIMESTAMP);
    const pending = await deliveries(h, seed, endpoint.id, '?status=pending');
    expect(pending[0]).toMatchObject({
      status: 'pending',
      response_status: 500,
      response_body: 'down',
      error: 'HTTP 500.',
      next_attempt_at: expect.stringMatching(TIMESTAMP),
    });

    h.clock.advance(1);
    await h.drainJobs();
    h.clock.advance(1);
    await h.drainJobs();
    receiver.setDefault({ status: 204 });
    await runUntil(async () => (await deliveries(h, seed, endpoint.id, '?status=succeeded')).length === 3);

    const ids = receiver.received.map((request) => verify(endpoint.secret, request).id as number);
    expect([...new Set(ids)].sort((a, b) => a - b)).toEqual(eventIds);
    const log = await deliveries(h, seed, endpoint.id);
    expect(log.every((delivery) => delivery.attempts === 4 && delivery.error === null && delivery.response_status === 204)).toBe(true);
    expect((await callApi(h, seed, 'GET', `/api/v1/webhook-endpoints/${endpoint.id}`)).json.data.failing_since).toBeNull();
  });

  it('a receiver answering 500 for ten minutes then recovering gets every event, signed, on the real schedule', async () => {
    const seed = await h.seedTenant();
    const endpoint = await createEndpoint(h, seed, { url: receiver.url('/flaky') });
    h.deps.config.webhooks.retryScale = 1;
    try {
      const start = h.clock.now().getTime();
      const elapsed = () => (h.clock.now().getTime() - start) / 1000;
      receiver.setDefault({ status: 500 });
      const eventIds: number[] = [];
      const emitAt = new Set([0, 60, 300]);
      while ((await deliveries(h, seed, endpoint.id, '?status=succeeded')).length < 3) {
        if (emitAt.has(elapsed())) eventIds.push(...(await emitEvents(h, seed.tenant_id)));
        if (elapsed() >= 600) receiver.setDefault({ status: 200 });
        await h.drainJobs();
        expect(elapsed()).toBeLessThan(3 * 3600);
        h.clock.advance(30);
      }
      const delivered = receiver.received.filter((request) => request.path === '/flaky');
      const attemptsOf = (id: number) => delivered.filter((request) => request.headers['webhook-id'] === `evt_${seed.tenant_id}_${id}`);
      // Attempts at 0, +5.5 s, +330 s, +1980 s (jitter pinned to +10 %), on the 30-second steps of this clock.
      expect(eventIds.map((id) => attemptsOf(id).length)).toEqual([4, 4, 3]);
      const times = attemptsOf(eventIds[0]!).map((request) => Number(request.headers['webhook-timestamp']) - start / 1000);
      expect(times).toEqual([0, 30, 360, 2340]);
      const last = attemptsOf(eventIds[0]!).at(-1)!;
      vi.useFakeTimers({ toFake: ['Date'], now: Number(last.headers['webhook-timestamp']) * 1000 });
      try {
        expect((new Webhook(endpoint.secret).verify(last.body, last.headers) as any).id).toBe(eventIds[0]);
      } finally {
        vi.useRealTimers();
      }
      expect((await deliveries(h, seed, endpoint.id)).every((delivery) => delivery.status === 'succeeded')).toBe(true);
    } finally {
      h.deps.config.webhooks.retryScale = 0.001;
    }
  });

  it('gives up after the 10th attempt; a 4xx other than 408, 410, 429 is not retried', async () => {
    const seed = await h.seedTenant();
    const endpoint = await createEndpoint(h, seed, { url: receiver.url() });
    receiver.setDefault({ status: 503 });
    await emitEvents(h, seed.tenant_id);
    await runUntil(async () => (await deliveries(h, seed, endpoint.id, '?status=failed')).length === 1, { step: 30, rounds: 40 });
    expect((await deliveries(h, seed, endpoint.id))[0]).toMatchObject({ status: 'failed', attempts: 10, error: 'HTTP 503.', next_attempt_at: null });
    expect(receiver.received).toHaveLength(10);

    receiver.setDefault({ status: 400 });
    await emitEvents(h, seed.tenant_id);
    await h.drainJobs();
    expect((await deliveries(h, seed, endpoint.id))[0]).toMatchObject({ status: 'failed', attempts: 1, response_status: 400, error: 'HTTP 400.' });
  });

  it('disables at once on 410 (gone) and cancels what was pending', async () => {
    const seed = await h.seedTenant();
    const endpoint = await createEndpoint(h, seed, { url: receiver.url() });
    receiver.script({ status: 500 }, { status: 410 });
    receiver.setDefault({ status: 500 });
    await emitEvents(h, seed.tenant_id, 2);
    await h.drainJobs();
    const data = (await callApi(h, seed, 'GET', `/api/v1/webhook-endpoints/${endpoint.id}`)).json.data;
    expect(data).toMatchObject({ enabled: false, disabled_reason: 'gone', disabled_at: expect.stringMatching(TIMESTAMP) });
    const log = await deliveries(h, seed, endpoint.id);
    expect(log.map((delivery) => [delivery.status, delivery.error])).toEqual([
      ['failed', 'HTTP 410.'],
      ['cancelled', 'Endpoint disabled.'],
    ]);
    await emitEvents(h, seed.tenant_id);
    await h.drainJobs();
    expect(await deliveries(h, seed, endpoint.id)).toHaveLength(2);
  });

  it('disables an endpoint failing for FLEXTELL_WEBHOOK_DISABLE_AFTER_DAYS (clock)', async () => {
    const seed = await h.seedTenant();
    const endpoint = await createEndpoint(h, seed, { url: receiver.url() });
    receiver.setDefault({ status: 500 });
    await emitEvents(h, seed.tenant_id);
    await h.drainJobs();
    h.clock.advance(4 * 86400);
    await h.drainJobs();
    expect((await callApi(h, seed, 'GET', `/api/v1/webhook-endpoints/${endpoint.id}`)).json.data.enabled).toBe(true);
    h.clock.advance(86400);
    await h.drainJobs();
    const data = (await callApi(h, seed, 'GET', `/api/v1/webhook-endpoints/${endpoint.id}`)).json.data;
    expect(data).toMatchObject({ enabled: false, disabled_reason: 'failing' });
    expect((await deliveries(h, seed, endpoint.id))[0]).toMatchObject({ status: 'cancelled', attempts: 3, error: 'HTTP 500.' });

    const enabled = await callApi(h, seed, 'PUT', `/api/v1/webhook-endpoints/${endpoint.id}`, { enabled: true });
    expect(enabled.json.data).toMatchObject({ enabled: true, disabled_reason: null, failing_since: null });
  });
});

describe('dispatch across workers and retention', () => {
  it('two dispatchers at once make exactly one delivery per event and endpoint', async () => {
    const seed = await h.seedTenant();
    const endpoints = [await createEndpoint(h, seed, { url: receiver.url() }), await createEndpoint(h, seed, { url: receiver.url(), event_types: ['*'] })];
    const eventIds = await emitEvents(h, seed.tenant_id, 5);
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const dispatchers = [0, 1, 2].map(async () => {
      while ((await dispatchBatch(h.deps, silent, h.clock.now())) > 0);
    });
    await Promise.all(dispatchers);
    const rows = await sql(h, 'SELECT endpoint_id, event_id FROM webhook_deliveries WHERE tenant_id = $1 ORDER BY endpoint_id, event_id', [seed.tenant_id]);
    expect(rows.map((row) => [Number(row.endpoint_id), Number(row.event_id)])).toEqual(
      endpoints.flatMap((endpoint) => eventIds.map((id) => [endpoint.id, id])),
    );
  });

  it('skips events pruned before dispatch, with an error line', async () => {
    const seed = await h.seedTenant();
    const endpoint = await createEndpoint(h, seed, { url: receiver.url() });
    const pruned = await emitEvents(h, seed.tenant_id, 2);
    h.clock.advance(1);
    await pruneEvents(h.deps.db, h.clock.now());
    const [kept] = await emitEvents(h, seed.tenant_id);
    const errors: object[] = [];
    const logger = { info: () => undefined, warn: () => undefined, error: (fields: object) => void errors.push(fields) };
    while ((await dispatchBatch(h.deps, logger, h.clock.now())) > 0);
    expect((await deliveries(h, seed, endpoint.id)).map((delivery) => delivery.event_id)).toEqual([kept]);
    expect(errors).toContainEqual({ tenant: seed.tenant_id, from: pruned[0], through: pruned[1] });
  });

  it('waits as long as a longer Retry-After on 429 asks (scaled)', async () => {
    const seed = await h.seedTenant();
    await createEndpoint(h, seed, { url: receiver.url('/busy') });
    receiver.scriptPath('/busy', { status: 429, headers: { 'retry-after': '120' } });
    const [eventId] = await emitEvents(h, seed.tenant_id);
    await h.drainJobs();
    const [row] = await sql(h, 'SELECT last_attempt_at, next_attempt_at, error FROM webhook_deliveries WHERE tenant_id = $1 AND event_id = $2', [
      seed.tenant_id,
      eventId,
    ]);
    expect(row!.error).toBe('HTTP 429.');
    expect(new Date(row!.next_attempt_at).getTime() - new Date(row!.last_attempt_at).getTime()).toBe(120);
  });

  it('deletes deliveries after FLEXTELL_WEBHOOK_DELIVERY_RETENTION_DAYS, with the payloads no delivery needs', async () => {
    const seed = await h.seedTenant();
    const endpoint = await createEndpoint(h, seed, { url: receiver.url() });
    await emitEvents(h, seed.tenant_id);
    await h.drainJobs();
    expect(await deliveries(h, seed, endpoint.id)).toHaveLength(1);
    h.clock.advance(31 * 86400);
    await h.worker.scheduleRecurring();
    await h.drainJobs();
    expect(await sql(h, 'SELECT 1 FROM webhook_deliveries WHERE tenant_id = $1 AND endpoint_id = $2', [seed.tenant_id, endpoint.id])).toEqual([]);
    expect(await sql(h, 'SELECT 1 FROM webhook_event_payloads WHERE tenant_id = $1', [seed.tenant_id])).toEqual([]);
  });
});

describe('the attempt itself', () => {
  it('a hanging receiver costs one timeout, while other attempts go on', async () => {
    const seed = await h.seedTenant();
    const hanging = await createEndpoint(h, seed, { url: receiver.url('/hang') });
    const quick = await createEndpoint(h, seed, { url: receiver.url('/quick') });
    receiver.hangOn('/hang');
    await emitEvents(h, seed.tenant_id);
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
    while ((await dispatchBatch(h.deps, silent, h.clock.now())) > 0);
    // Two loops of the attempt pump: one is held by the hanging receiver, the other delivers meanwhile.
    const pump = webhookAttemptPump(h.deps, { logger: silent, random: () => 1 });
    let settled = false;
    const both = Promise.all([pump.run(h.clock.now()), pump.run(h.clock.now())]).then(() => (settled = true));
    await waitFor(async () => (await deliveries(h, seed, quick.id))[0]?.status === 'succeeded');
    expect(settled).toBe(false);
    await both;
    const [stuck] = await deliveries(h, seed, hanging.id);
    expect(stuck).toMatchObject({ status: 'pending', attempts: 1, response_status: null, error: 'Timeout after 3000 ms.' });
    expect(stuck.latency_ms).toBeGreaterThanOrEqual(3000);
    expect(stuck.latency_ms).toBeLessThan(6000);
  });

  it('a shutdown cuts an attempt short and hands its delivery back, uncounted', async () => {
    const seed = await h.seedTenant();
    const endpoint = await createEndpoint(h, seed, { url: receiver.url('/stall') });
    receiver.hangOn('/stall');
    await emitEvents(h, seed.tenant_id);
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
    while ((await dispatchBatch(h.deps, silent, h.clock.now())) > 0);
    // A timeout well beyond the test's few hundred milliseconds, so only the shutdown ends the attempt on a slow machine.
    const patient = { ...h.deps, config: { ...h.deps.config, webhooks: { ...h.deps.config.webhooks, timeoutMs: 20_000 } } };
    const runner = new PumpRunner(webhookAttemptPump(patient, { logger: silent, random: () => 1 }), {
      db: h.deps.db,
      clock: h.clock,
      logger: silent,
      pollIntervalMs: 50,
    });
    runner.start();
    await waitFor(async () => receiver.received.some((request) => request.path === '/stall'), 10_000);
    await runner.stop();
    // Neither counted nor recorded as a timeout: the next worker makes the attempt again at once.
    const [row] = await sql(h, 'SELECT status, attempts, error, locked_by FROM webhook_deliveries WHERE tenant_id = $1 AND endpoint_id = $2', [
      seed.tenant_id,
      endpoint.id,
    ]);
    expect(row).toEqual({ status: 'pending', attempts: 0, error: null, locked_by: null });
  });

  it('a claim that returns after the stop hands its delivery back unattempted, and nothing is claimed afterwards', async () => {
    const seed = await h.seedTenant();
    const endpoint = await createEndpoint(h, seed, { url: receiver.url('/late') });
    receiver.hangOn('/late');
    await emitEvents(h, seed.tenant_id);
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
    while ((await dispatchBatch(h.deps, silent, h.clock.now())) > 0);
    const pump = webhookAttemptPump(h.deps, { logger: silent, random: () => 1 });
    // The stop comes while the claim's query is on its way: the attempt must not start (no abort would reach it).
    const claiming = pump.run(h.clock.now());
    pump.stopping!();
    expect(await claiming).toBe(0);
    expect(await pump.run(h.clock.now())).toBe(0);
    expect(receiver.received).toHaveLength(0);
    const [row] = await sql(h, 'SELECT status, attempts, error, locked_by FROM webhook_deliveries WHERE tenant_id = $1 AND endpoint_id = $2', [
      seed.tenant_id,
      endpoint.id,
    ]);
    expect(row).toEqual({ status: 'pending', attempts: 0, error: null, locked_by: null });
  });

  it('an attempt whose signal was aborted before it began ends at once', async () => {
    receiver.hangOn('/aborted');
    const controller = new AbortController();
    controller.abort();
    const allowed = new NetworkList(['127.0.0.1/32']);
    const request = { url: receiver.url('/aborted'), headers: {}, body: Buffer.from('{}') };
    const result = await sendWebhook(request, { allowed, timeoutMs: 20_000, signal: controller.signal });
    expect(result).toMatchObject({ status: null, error: ABORTED_ERROR });
    expect(receiver.received).toHaveLength(0);
  });

  it('checks the address again at every attempt', async () => {
    const seed = await h.seedTenant();
    const endpoint = await createEndpoint(h, seed, { url: receiver.url() });
    const allowed = h.deps.config.webhooks.allowedNetworks;
    h.deps.config.webhooks.allowedNetworks = [];
    try {
      await emitEvents(h, seed.tenant_id);
      await h.drainJobs();
    } finally {
      h.deps.config.webhooks.allowedNetworks = allowed;
    }
    expect(receiver.received).toHaveLength(0);
    expect((await deliveries(h, seed, endpoint.id))[0]).toMatchObject({ status: 'pending', error: 'Blocked address 127.0.0.1.', response_status: null });
  });

  it('follows no redirect: a 3xx fails the delivery without a retry', async () => {
    const seed = await h.seedTenant();
    const endpoint = await createEndpoint(h, seed, { url: receiver.url('/moved') });
    receiver.scriptPath('/moved', { status: 302, headers: { location: receiver.url('/elsewhere') } });
    await emitEvents(h, seed.tenant_id);
    await h.drainJobs();
    expect((await deliveries(h, seed, endpoint.id))[0]).toMatchObject({ status: 'failed', attempts: 1, response_status: 302, error: 'HTTP 302.' });
    expect(receiver.received.map((request) => request.path)).toEqual(['/moved']);
  });

  it('fails a delivery whose signing secret this server cannot decrypt, without sending it', async () => {
    const seed = await h.seedTenant();
    const endpoint = await createEndpoint(h, seed, { url: receiver.url('/sealed') });
    const foreign = h.deps.box.encrypt('whsec_x', `webhook:${seed.tenant_id}:${endpoint.id + 1}`);
    await sql(h, 'UPDATE webhook_endpoints SET secret_sealed = $3 WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, endpoint.id, foreign]);
    await emitEvents(h, seed.tenant_id);
    await h.drainJobs();
    expect((await deliveries(h, seed, endpoint.id))[0]).toMatchObject({
      status: 'failed',
      error: "The endpoint's signing secret cannot be decrypted with this server's encryption key.",
    });
    expect(receiver.received).toEqual([]);
  });

  it('reads at most 64 KiB of an answer and keeps its first 2,048 bytes; a 2xx stays a success', async () => {
    const seed = await h.seedTenant();
    const endpoint = await createEndpoint(h, seed, { url: receiver.url() });
    receiver.script({ status: 200, body: Buffer.alloc(200 * 1024, 'x') });
    await emitEvents(h, seed.tenant_id);
    await h.drainJobs();
    const [delivery] = await deliveries(h, seed, endpoint.id);
    expect(delivery).toMatchObject({ status: 'succeeded', response_status: 200 });
    expect(delivery.response_body).toBe('x'.repeat(2048));
  });
});

describe('the delivery log and redeliver', () => {
  it('filters by status, event type and event id', async () => {
    const seed = await h.seedTenant();
    const endpoint = await createEndpoint(h, seed, { url: receiver.url(), event_types: ['*'] });
    receiver.script({ status: 200 }, { status: 400 });
    const [first, second] = await emitEvents(h, seed.tenant_id, 2);
    await h.drainJobs();
    const page = await callApi(h, seed, 'GET', `/api/v1/webhook-endpoints/${endpoint.id}/deliveries?status=failed`);
    expectPaginatorShape(page.json);
    expect(page.json.data.map((delivery: any) => delivery.event_id)).toEqual([second]);
    expect((await deliveries(h, seed, endpoint.id, `?event_id=${first}`)).map((delivery) => delivery.status)).toEqual(['succeeded']);
    expect(await deliveries(h, seed, endpoint.id, '?event_type=customer.created')).toEqual([]);
    expect(await deliveries(h, seed, endpoint.id, '?event_type=channel.updated')).toHaveLength(2);
    const url = `/api/v1/webhook-endpoints/${endpoint.id}/deliveries`;
    expectValidationError(await callApi(h, seed, 'GET', `${url}?status=lost`), { status: ['The selected status is invalid.'] });
    expectValidationError(await callApi(h, seed, 'GET', `${url}?event_id=0`), { event_id: ['The event id field must be at least 1.'] });
  });

  it('redelivers any delivery once at a time, refuses while disabled, and hides other endpoints’ deliveries', async () => {
    const seed = await h.seedTenant();
    const endpoint = await createEndpoint(h, seed, { url: receiver.url() });
    const other = await createEndpoint(h, seed, { url: receiver.url('/other') });
    await emitEvents(h, seed.tenant_id);
    await h.drainJobs();
    const [original] = await deliveries(h, seed, endpoint.id);
    const base = `/api/v1/webhook-endpoints/${endpoint.id}/deliveries`;

    const shown = await callApi(h, seed, 'GET', `${base}/${original.id}`);
    expectExactJson(shown.json, { success: 'Webhook delivery retrieved successfully.', data: original });
    const redelivered = await callApi(h, seed, 'POST', `${base}/${original.id}/redeliver`);
    expect(redelivered.status).toBe(201);
    expect(redelivered.json.success).toBe('Webhook delivery scheduled successfully.');
    expect(redelivered.json.data).toMatchObject({
      event_id: original.event_id,
      webhook_id: original.webhook_id,
      status: 'pending',
      attempts: 0,
      redelivery_of: original.id,
    });
    expectError(
      await callApi(h, seed, 'POST', `${base}/${original.id}/redeliver`),
      409,
      'conflict',
      'This event is already waiting for delivery to this endpoint.',
    );

    await h.drainJobs();
    const ids = receiver.received.filter((request) => request.path === '/hook').map((request) => request.headers['webhook-id']);
    expect(ids).toEqual([original.webhook_id, original.webhook_id]);

    const [otherDelivery] = await deliveries(h, seed, other.id);
    expectError(await callApi(h, seed, 'GET', `${base}/${otherDelivery.id}`), 404, 'not_found', 'Webhook delivery not found.');
    expectError(await callApi(h, seed, 'POST', `${base}/${otherDelivery.id}/redeliver`), 404, 'not_found', 'Webhook delivery not found.');

    await callApi(h, seed, 'PUT', `/api/v1/webhook-endpoints/${endpoint.id}`, { enabled: false });
    expectError(await callApi(h, seed, 'POST', `${base}/${original.id}/redeliver`), 409, 'conflict', 'The webhook endpoint is disabled. Enable it first.');
  });

  it('an endpoint enabled again receives events committed from then on, never those of its disabled time', async () => {
    const seed = await h.seedTenant();
    const endpoint = await createEndpoint(h, seed, { url: receiver.url() });
    await callApi(h, seed, 'PUT', `/api/v1/webhook-endpoints/${endpoint.id}`, { enabled: false });
    await emitEvents(h, seed.tenant_id);
    await h.drainJobs();
    await callApi(h, seed, 'PUT', `/api/v1/webhook-endpoints/${endpoint.id}`, { enabled: true });
    const [after] = await emitEvents(h, seed.tenant_id);
    await h.drainJobs();
    expect((await deliveries(h, seed, endpoint.id)).map((delivery) => delivery.event_id)).toEqual([after]);
  });

  it('cancels pending deliveries when the endpoint is disabled or deleted', async () => {
    const seed = await h.seedTenant();
    const disabled = await createEndpoint(h, seed, { url: receiver.url() });
    const deleted = await createEndpoint(h, seed, { url: receiver.url() });
    receiver.setDefault({ status: 500 });
    await emitEvents(h, seed.tenant_id);
    await h.drainJobs();
    await callApi(h, seed, 'PUT', `/api/v1/webhook-endpoints/${disabled.id}`, { enabled: false });
    await callApi(h, seed, 'DELETE', `/api/v1/webhook-endpoints/${deleted.id}`);
    const rows = await sql(h, 'SELECT endpoint_id, status, error FROM webhook_deliveries WHERE tenant_id = $1 ORDER BY endpoint_id', [seed.tenant_id]);
    expect(rows.map((row) => [Number(row.endpoint_id), row.status, row.error])).toEqual([
      [disabled.id, 'cancelled', 'Endpoint disabled.'],
      [deleted.id, 'cancelled', 'Endpoint deleted.'],
    ]);
  });
});
