/**
 * Idempotency-Key under concurrency (docs/idempotency.md#concurrency): a key in flight answers 409 with Retry-After,
 * a claim whose lease passed is free, and a request whose claim was taken over never commits. The request is held
 * inside its transaction by a row lock (PostgreSQL), never by timing.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { messageCounts } from '../support/factories.js';
import { newConversation } from '../support/requests.js';
import { keyed, keyRows, until } from '../support/idempotency.js';
import { claimKey, type KeyScope } from '../../src/modules/idempotency/idempotency.repository.js';
import { currentEngine } from '../support/test-database.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const IN_USE = JSON.stringify({ error: 'idempotency_key_in_use', message: 'A request with this Idempotency-Key is still being processed. Retry in a moment.' });

function scopeOf(seed: SeedResult, key: string): KeyScope {
  return { tenantId: seed.tenant_id, subject: `user:${seed.user_id}`, clientId: 'personal', key };
}

/** What another process holding the key has committed: its claim, with a lease from now. */
async function claimElsewhere(seed: SeedResult, key: string): Promise<number> {
  const id = await claimKey(h.deps.db, scopeOf(seed, key), 'another request', crypto.randomUUID(), h.clock.now());
  expect(id).not.toBeNull();
  return id!;
}

/** Holds the conversation row locked in a transaction of its own until `release` is called (PostgreSQL only). */
async function holdConversation(seed: SeedResult, conversation: number): Promise<{ release(): void; done: Promise<void> }> {
  let release!: () => void;
  let locked!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const taken = new Promise<void>((resolve) => (locked = resolve));
  const done = h.deps.db.transaction(async (tx) => {
    await tx.query('SELECT id FROM conversations WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [seed.tenant_id, conversation]);
    locked();
    await held;
  });
  await taken;
  return { release, done };
}

describe('a key in flight', () => {
  it('answers 409 idempotency_key_in_use with Retry-After: 1, for any request with it, until the lease passes', async () => {
    const seed = await h.seedTenant();
    const conversation = await newConversation(h, seed, 'website', 'visitor-in-flight');
    const key = crypto.randomUUID();
    await claimElsewhere(seed, key);
    const url = `/api/v1/conversations/${conversation}/messages`;
    const refused = await keyed(h, key, { url, token: seed.access_token, body: { message: 'while it runs' } });
    expect(refused.status).toBe(409);
    expect(refused.body).toBe(IN_USE);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['idempotent-replayed']).toBeUndefined();
    // Another route with the key is refused alike while the first runs (and nothing of it is performed).
    expect((await keyed(h, key, { url: '/api/v1/customers', token: seed.access_token, body: { first_name: 'Other route' } })).status).toBe(409);
    expect(await messageCounts(h, seed.tenant_id, conversation)).toEqual({ counter: 0, rows: 0 });
    // A crashed process's claim (its writes rolled back with it) is free once its 60-second lease has passed.
    h.clock.advance(59);
    expect((await keyed(h, key, { url, token: seed.access_token, body: { message: 'while it runs' } })).status).toBe(409);
    h.clock.advance(1);
    const taken = await keyed(h, key, { url, token: seed.access_token, body: { message: 'after the crash' } });
    expect(taken.status, taken.body).toBe(200);
    expect(await messageCounts(h, seed.tenant_id, conversation)).toEqual({ counter: 1, rows: 1 });
  });

  it('two requests at once with one key: at most one execution', async () => {
    const seed = await h.seedTenant();
    const conversation = await newConversation(h, seed, 'website', 'visitor-at-once');
    const key = crypto.randomUUID();
    const send = () => keyed(h, key, { url: `/api/v1/conversations/${conversation}/messages`, token: seed.access_token, body: { message: 'at once' } });
    const answers = await Promise.all([send(), send(), send()]);
    const executed = answers.filter((answer) => answer.status === 200 && answer.headers['idempotent-replayed'] === undefined);
    expect(executed).toHaveLength(1);
    // The others were refused while it ran, or replay it once it had finished (PGlite serialises the transactions).
    for (const other of answers.filter((answer) => !executed.includes(answer))) {
      expect(other.status === 409 ? other.body : other.headers['idempotent-replayed']).toBe(other.status === 409 ? IN_USE : 'true');
    }
    expect(await messageCounts(h, seed.tenant_id, conversation)).toEqual({ counter: 1, rows: 1 });
  });
});

// PGlite is one connection: a transaction held open there holds every other query too.
describe.runIf(currentEngine() === 'postgres')('two server connections (PostgreSQL)', () => {
  it('the second request arriving while the first is inside its transaction gets 409; exactly one message is sent', async () => {
    const seed = await h.seedTenant();
    const conversation = await newConversation(h, seed, 'website', 'visitor-held');
    const key = crypto.randomUUID();
    const url = `/api/v1/conversations/${conversation}/messages`;
    const lock = await holdConversation(seed, conversation);
    const first = keyed(h, key, { url, token: seed.access_token, body: { message: 'held' } });
    await until(async () => (await keyRows(h, seed.tenant_id)).length === 1, 'the first request claims the key');
    const second = await keyed(h, key, { url, token: seed.access_token, body: { message: 'held' } });
    expect(second.status).toBe(409);
    expect(second.body).toBe(IN_USE);
    lock.release();
    await lock.done;
    const answered = await first;
    expect(answered.status, answered.body).toBe(200);
    const retry = await keyed(h, key, { url, token: seed.access_token, body: { message: 'held' } });
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toBe(answered.body);
    expect(await messageCounts(h, seed.tenant_id, conversation)).toEqual({ counter: 1, rows: 1 });
  });

  it('a request whose claim was taken over after its lease rolls back and answers 409: never two executions', async () => {
    const seed = await h.seedTenant();
    const conversation = await newConversation(h, seed, 'website', 'visitor-taken-over');
    const key = crypto.randomUUID();
    const url = `/api/v1/conversations/${conversation}/messages`;
    const lock = await holdConversation(seed, conversation);
    const first = keyed(h, key, { url, token: seed.access_token, body: { message: 'slow' } });
    await until(async () => (await keyRows(h, seed.tenant_id)).length === 1, 'the first request claims the key');
    // Its lease passes while it is held; another request takes the key over.
    h.clock.advance(61);
    const fingerprintOfOther = 'the request that took the key over';
    expect(await claimKey(h.deps.db, scopeOf(seed, key), fingerprintOfOther, crypto.randomUUID(), h.clock.now())).not.toBeNull();
    lock.release();
    await lock.done;
    const answered = await first;
    expect(answered.status).toBe(409);
    expect(answered.body).toBe(IN_USE);
    expect(await messageCounts(h, seed.tenant_id, conversation)).toEqual({ counter: 0, rows: 0 });
    const [row] = await keyRows(h, seed.tenant_id);
    expect(row).toMatchObject({ request_hash: fingerprintOfOther, status: null });
  });
});
