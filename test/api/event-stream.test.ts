/**
 * GET /api/v1/events over real HTTP (docs/events.md#the-stream): ready, backlog then live with no gap and no
 * duplicate, resume and reset, input errors, filtering with id-only blocks, and the closing reasons. Events are
 * appended straight to the log (test/support/events.ts) so the stream is tested apart from the write paths.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { widgetClient, type SseReader } from '../support/widget.js';
import { expectError, expectValidationError } from '../support/assertions.js';
import { addMembership, memberWith, sql } from '../support/factories.js';
import { pollUntil } from '../support/processes.js';
import { appendTestEvents, appendUpdates, loggedEvents, loggedIds, namedEvent, openEventStream, untilEvent } from '../support/events.js';
import { decodeJwt } from 'jose';
import { pruneEvents } from '../../src/modules/events/event-log.repository.js';
import { SCOPES } from '../../src/modules/oauth/scopes.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
let base: string;
const open: SseReader[] = [];

beforeAll(async () => {
  h = await createHarness();
  base = (await widgetClient(h)).base;
});
afterEach(() => {
  for (const reader of open.splice(0)) reader.close();
});
afterAll(async () => h?.close());

async function stream(seed: SeedResult, options: { token?: string; query?: string; lastEventId?: string } = {}): Promise<SseReader> {
  const reader = await openEventStream(base, { token: options.token ?? seed.access_token, tenantId: seed.tenant_id, ...options });
  open.push(reader);
  await reader.until((events) => events.some((event) => event.event === 'ready'), 'ready');
  return reader;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe('starting a stream', () => {
  it('answers an event stream: retry, ready with the head, then only events after the head', async () => {
    const seed = await h.seedTenant();
    await appendUpdates(h, seed.tenant_id, 3);
    const reader = await stream(seed);
    const headers = Object.fromEntries(reader.response.headers.entries());
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(headers['cache-control']).toBe('no-store');
    expect(headers['x-accel-buffering']).toBe('no');
    expect(headers['x-request-id']).toMatch(/./);
    expect(headers['x-ratelimit-limit']).toMatch(/^[0-9]+$/);
    expect(headers['content-encoding']).toBeUndefined();
    expect(reader.events[1]).toEqual({
      event: 'ready',
      id: null,
      comment: null,
      data: JSON.stringify({ last_event_id: 3, oldest_event_id: 1, heartbeat_seconds: 25 }),
    });
    await appendTestEvents(h.deps.db, seed.tenant_id, [{ kind: 'message', change: 'created', id: 9 }], h.clock.now());
    const [event] = loggedEvents(await untilEvent(reader, 4));
    expect(event).toMatchObject({ id: 4, type: 'message.created' });
    expect(Object.keys(event!.data)).toEqual(['id', 'type', 'timestamp', 'tenant_id', 'actor', 'data']);
    expect(event!.data).toMatchObject({ id: 4, tenant_id: seed.tenant_id, actor: { type: 'system', id: null, name: null }, data: { id: 9 } });
    expect(loggedIds(reader.events)).toEqual([4]);
  });

  it('counts a stream out once its client is gone (app.inject reads the opening, then drops it)', async () => {
    const seed = await h.seedTenant();
    const response = await h.request({ url: '/api/v1/events', token: seed.access_token, tenant: seed.tenant_id });
    expect(response.status).toBe(200);
    expect(response.body).toBe('retry: 3000\n\nevent: ready\ndata: {"last_event_id":0,"oldest_event_id":null,"heartbeat_seconds":25}\n\n');
    await pollUntil(async () => (h.app.eventStreams.openCount === 0 ? true : undefined), 10_000, 'the stream counted out');
    const head = await h.request({ method: 'HEAD', url: '/api/v1/events', token: seed.access_token, tenant: seed.tenant_id });
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(h.app.eventStreams.openCount).toBe(0);
  });

  it('on an empty log: head 0 and no oldest id', async () => {
    const seed = await h.seedTenant();
    const reader = await stream(seed);
    expect(namedEvent(reader.events, 'ready')).toEqual({ last_event_id: 0, oldest_event_id: null, heartbeat_seconds: 25 });
  });

  it('replays a long backlog in pages and goes live while events keep coming, with no gap and no duplicate', async () => {
    const seed = await h.seedTenant();
    await appendUpdates(h, seed.tenant_id, 1200);
    const reader = await stream(seed, { query: 'after=0' });
    // Appended while the backlog is being written: each must arrive once, in order, after the backlog.
    for (let batch = 0; batch < 5; batch++) await appendUpdates(h, seed.tenant_id, 3);
    await untilEvent(reader, 1215);
    expect(loggedIds(reader.events)).toEqual(range(1, 1215));
    const second = await stream(seed, { query: 'after=1100' });
    await appendUpdates(h, seed.tenant_id, 2);
    await untilEvent(second, 1217);
    expect(loggedIds(second.events)).toEqual(range(1101, 1217));
  });
});

describe('events of API writes', () => {
  it('carries the resource as the API answered it, and who made the change', async () => {
    const seed = await h.seedTenant();
    const reader = await stream(seed);
    const head = namedEvent(reader.events, 'ready').last_event_id as number;
    const created = await h.request({
      method: 'POST',
      url: '/api/v1/customers',
      token: seed.access_token,
      tenant: seed.tenant_id,
      body: { first_name: 'Streamed', last_name: 'Customer' },
    });
    expect(created.status, created.body).toBe(201);
    const [event] = loggedEvents(await untilEvent(reader, head + 1));
    expect(event!.type).toBe('customer.created');
    expect(event!.data.actor).toEqual({ type: 'user', id: seed.user_id, name: expect.any(String) });
    expect(event!.data.data).toEqual(created.json.data);
  });
});

describe('resuming', () => {
  it('resumes after Last-Event-ID, which wins over after; equal to the head replays nothing', async () => {
    const seed = await h.seedTenant();
    await appendUpdates(h, seed.tenant_id, 5);
    const byHeader = await stream(seed, { lastEventId: '3', query: 'after=1' });
    const byQuery = await stream(seed, { query: 'after=1' });
    const atHead = await stream(seed, { lastEventId: '5' });
    const emptyHeader = await stream(seed, { lastEventId: '', query: 'after=4' });
    await appendUpdates(h, seed.tenant_id, 1);
    for (const reader of [byHeader, byQuery, atHead, emptyHeader]) await untilEvent(reader, 6);
    expect(loggedIds(byHeader.events)).toEqual([4, 5, 6]);
    expect(loggedIds(byQuery.events)).toEqual([2, 3, 4, 5, 6]);
    expect(loggedIds(atHead.events)).toEqual([6]);
    expect(loggedIds(emptyHeader.events)).toEqual([5, 6]);
  });

  it('answers reset expired below the pruned ids and unknown_id above the head, then continues live', async () => {
    const seed = await h.seedTenant();
    await appendTestEvents(h.deps.db, seed.tenant_id, [{ kind: 'conversation', change: 'updated' }], new Date('2026-01-01T00:00:00Z'));
    await appendTestEvents(h.deps.db, seed.tenant_id, [{ kind: 'conversation', change: 'updated' }], new Date('2026-01-02T00:00:00Z'));
    await appendTestEvents(h.deps.db, seed.tenant_id, [{ kind: 'conversation', change: 'updated' }], new Date('2026-01-03T00:00:00Z'));
    await pruneEvents(h.deps.db, new Date('2026-01-02T12:00:00Z'));
    const expired = await stream(seed, { lastEventId: '0' });
    const unknown = await stream(seed, { query: 'after=999999' });
    const kept = await stream(seed, { lastEventId: '2' });
    for (const [reader, reason] of [
      [expired, 'expired'],
      [unknown, 'unknown_id'],
    ] as const) {
      expect(namedEvent(reader.events, 'ready')).toEqual({ last_event_id: 3, oldest_event_id: 3, heartbeat_seconds: 25 });
      await reader.until((events) => events.some((event) => event.event === 'reset'), 'reset');
      expect(reader.events.find((event) => event.event === 'reset')).toEqual({
        event: 'reset',
        id: '3',
        comment: null,
        data: JSON.stringify({ reason, last_event_id: 3 }),
      });
    }
    await appendUpdates(h, seed.tenant_id, 1);
    for (const reader of [expired, unknown, kept]) await untilEvent(reader, 4);
    expect(loggedIds(expired.events)).toEqual([4]);
    expect(loggedIds(unknown.events)).toEqual([4]);
    expect(loggedIds(kept.events)).toEqual([3, 4]);
    expect(kept.events.some((event) => event.event === 'reset')).toBe(false);
  });
});

describe('input', () => {
  it('answers 400 for a Last-Event-ID that is not a non-negative 64-bit integer', async () => {
    const seed = await h.seedTenant();
    for (const value of ['abc', '-1', '1.5', ' 7', '12345678901234567890', '9223372036854775808']) {
      const response = await h.request({ url: '/api/v1/events', token: seed.access_token, tenant: seed.tenant_id, headers: { 'last-event-id': value } });
      expectError(response, 400, 'invalid_request', 'The Last-Event-ID header must be a non-negative integer.');
    }
    // Largest allowed: a valid cursor, unknown to this log.
    const largest = await stream(seed, { lastEventId: '9223372036854775807' });
    await largest.until((events) => events.some((event) => event.event === 'reset'), 'reset');
  });

  it('answers 422 for bad after and types, all fields at once, after the header check', async () => {
    const seed = await h.seedTenant();
    const call = (query: string, headers: Record<string, string> = {}) =>
      h.request({ url: `/api/v1/events?${query}`, token: seed.access_token, tenant: seed.tenant_id, headers });
    expectValidationError(await call('after=-1&types=message.created'), {
      after: ['The after field must be at least 0.'],
      types: ['The types field must be an array.'],
    });
    expectValidationError(await call('after=abc&types[]=message.created&types[]=bogus'), {
      after: ['The after field must be an integer.'],
      'types.1': ['The selected types.1 is invalid.'],
    });
    // Both sent: the header wins, but `after` is still validated.
    expectValidationError(await call('after=x', { 'last-event-id': '1' }), { after: ['The after field must be an integer.'] });
    expectError(await call('after=x', { 'last-event-id': 'x' }), 400, 'invalid_request');
  });
});

describe('filtering', () => {
  it('sends only the listed types, and an id-only block for the ids left out', async () => {
    const seed = await h.seedTenant();
    const reader = await stream(seed, { query: 'types[]=message.created&types[]=channel.updated' });
    await appendTestEvents(
      h.deps.db,
      seed.tenant_id,
      [
        { kind: 'message', change: 'created', id: 1 },
        { kind: 'conversation', change: 'updated', id: 2 },
        { kind: 'conversation', change: 'updated', id: 3 },
      ],
      h.clock.now(),
    );
    await reader.until((events) => events.some((event) => event.id === '3'), 'the id-only block');
    const after = reader.events.slice(reader.events.findIndex((event) => event.event === 'ready') + 1);
    const blocks = after.filter((event) => event.comment === null);
    // One transaction writes its .created events first: message.created is id 1.
    expect(blocks.map((event) => [event.id, event.event, event.data === null])).toEqual([
      ['1', 'message.created', false],
      ['3', null, true],
    ]);
  });

  it('leaves customer events out of a token without customers:read, and blacklist events out of a member without blacklist.view', async () => {
    const seed = await h.seedTenant();
    const noCustomers = await h.token(seed.user_id, { scopes: SCOPES.filter((scope) => scope !== 'customers:read') });
    const member = await memberWith(h, seed, 'Conversations Only', ['conversations.view', 'customers.view']);
    const withoutScope = await stream(seed, { token: noCustomers });
    const limited = await stream(seed, { token: member.token });
    const owner = await stream(seed);
    await appendTestEvents(
      h.deps.db,
      seed.tenant_id,
      [
        { kind: 'customer', change: 'updated', id: 1 },
        { kind: 'blacklist_entry', change: 'updated', id: 2 },
        { kind: 'conversation', change: 'updated', id: 3 },
      ],
      h.clock.now(),
    );
    for (const reader of [withoutScope, limited, owner]) await untilEvent(reader, 3);
    expect(loggedEvents(owner.events).map((event) => event.type)).toEqual(['customer.updated', 'blacklist_entry.updated', 'conversation.updated']);
    expect(loggedEvents(withoutScope.events).map((event) => event.type)).toEqual(['blacklist_entry.updated', 'conversation.updated']);
    expect(loggedEvents(limited.events).map((event) => event.type)).toEqual(['customer.updated', 'conversation.updated']);
  });

  it('applies a role change from the next event, and closes with access_revoked once conversations.view is gone', async () => {
    const seed = await h.seedTenant();
    const member = await memberWith(h, seed, 'Changing Role', ['conversations.view', 'customers.view']);
    const reader = await stream(seed, { token: member.token });
    const [role] = await sql(h, "SELECT r.id FROM roles r WHERE r.tenant_id = $1 AND r.name LIKE 'Changing Role role %'", [seed.tenant_id]);
    await sql(h, "DELETE FROM role_permissions WHERE role_id = $1 AND permission_id = (SELECT id FROM permissions WHERE name = 'customers.view')", [role!.id]);
    await appendTestEvents(
      h.deps.db,
      seed.tenant_id,
      [
        { kind: 'customer', change: 'updated', id: 1 },
        { kind: 'conversation', change: 'updated', id: 2 },
      ],
      h.clock.now(),
    );
    await untilEvent(reader, 2);
    expect(loggedEvents(reader.events).map((event) => event.type)).toEqual(['conversation.updated']);
    await sql(h, 'DELETE FROM role_permissions WHERE role_id = $1', [role!.id]);
    await reader.untilEnded();
    expect(namedEvent(reader.events, 'closing')).toEqual({ reason: 'access_revoked' });
  });
});

describe('closing', () => {
  it('closes with token_expired at the token exp (the injectable clock)', async () => {
    const seed = await h.seedTenant();
    const token = await h.token(seed.user_id, { lifetimeSeconds: 120 });
    const reader = await stream(seed, { token });
    await h.app.eventStreams.checkAccess();
    expect(reader.ended).toBe(false);
    h.clock.advance(120);
    await h.app.eventStreams.checkAccess();
    await reader.untilEnded();
    expect(reader.events.at(-1)).toEqual({ event: 'closing', id: null, comment: null, data: '{"reason":"token_expired"}' });
  });

  it('closes with token_revoked when the token is revoked, and access_revoked when the member is removed', async () => {
    const seed = await h.seedTenant();
    const token = await h.token(seed.user_id);
    const revoked = await stream(seed, { token });
    const member = await memberWith(h, seed, 'Removed Member', ['conversations.view']);
    // A member elsewhere too keeps its tokens when removed here (the last membership's loss would revoke them).
    await addMembership(h, (await h.seedTenant()).tenant_id, member.userId, ['Viewer']);
    const removed = await stream(seed, { token: member.token });
    await h.deps.tokens.revoke(decodeJwt(token).jti!);
    await h.app.eventStreams.checkAccess();
    await revoked.untilEnded();
    expect(namedEvent(revoked.events, 'closing')).toEqual({ reason: 'token_revoked' });
    const response = await h.request({ method: 'DELETE', url: `/api/v1/users/${member.userId}`, token: seed.access_token, tenant: seed.tenant_id });
    expect(response.status, response.body).toBe(200);
    await removed.untilEnded();
    expect(namedEvent(removed.events, 'closing')).toEqual({ reason: 'access_revoked' });
  });

  it('closes at the next check when another process revoked the token, although this one still caches its record', async () => {
    const seed = await h.seedTenant();
    const token = await h.token(seed.user_id);
    const reader = await stream(seed, { token });
    const other = await h.token(seed.user_id);
    const unaffected = await stream(seed, { token: other });
    // What `flextell token revoke` or another server does: the row only; this process's token cache is not told.
    await sql(h, 'UPDATE access_tokens SET revoked_at = $2 WHERE jti = $1', [decodeJwt(token).jti, h.clock.now()]);
    await h.app.eventStreams.checkAccess();
    // The closing block was written by that check: a cached record would have kept the stream open for up to 2 s more.
    await reader.untilEnded(500);
    expect(namedEvent(reader.events, 'closing')).toEqual({ reason: 'token_revoked' });
    expect(namedEvent(unaffected.events, 'closing')).toBeUndefined();
    expect(await h.deps.tokens.verify(token)).toBeNull();
  });
});
