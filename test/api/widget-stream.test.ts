/**
 * The widget's event stream (docs/channels.md#website-widget): team replies sent through the API arrive as
 * `event: message` and become delivered, replay after Last-Event-ID without gaps or duplicates, pings, two streams of
 * one visitor, and the stream closing when the token expires, the channel is switched off, or the server stops.
 */
import { pollUntil } from '../support/processes.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { expectError } from '../support/assertions.js';
import { sql } from '../support/factories.js';
import { sentMessageId } from '../support/requests.js';
import { SseReader, visitorConversationId, visitorSays, visitorToken, widgetClient, widgetKey, type WidgetClient } from '../support/widget.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
let client: WidgetClient;
const readers: SseReader[] = [];

beforeAll(async () => {
  h = await createHarness({ FLEXTELL_WIDGET_RATE_LIMIT_PER_MINUTE: '10000' });
  client = await widgetClient(h);
});
afterAll(async () => {
  for (const reader of readers) reader.close();
  await h.close();
});

interface Visitor {
  seed: SeedResult;
  token: string;
  conversationId: number;
  firstId: number;
}

/** A visitor who has written once, so the team has a conversation to answer in. */
async function visitorWithConversation(): Promise<Visitor> {
  const seed = await h.seedTenant();
  const token = await visitorToken(client, await widgetKey(h, seed));
  const first = await visitorSays(client, token, 'Hello?');
  return { seed, token, conversationId: await visitorConversationId(h, seed, first.id), firstId: first.id };
}

async function openStream(token: string, options: { lastEventId?: number; query?: string; headers?: Record<string, string> } = {}): Promise<SseReader> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.lastEventId !== undefined) headers['last-event-id'] = String(options.lastEventId);
  const reader = await SseReader.open(`${client.base}/widget/v1/stream?token=${encodeURIComponent(token)}${options.query ?? ''}`, headers);
  readers.push(reader);
  return reader;
}

async function status(seed: SeedResult, id: number): Promise<string> {
  const [row] = await sql(h, 'SELECT delivery_status FROM messages WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, id]);
  return row!.delivery_status as string;
}

describe('GET /widget/v1/stream', () => {
  it('delivers a team reply sent through the API as an event, and marks it delivered', async () => {
    const visitor = await visitorWithConversation();
    const stream = await openStream(visitor.token);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.response.headers.get('cache-control')).toBe('no-store');

    const replyId = await sentMessageId(h, visitor.seed.access_token, visitor.conversationId, 'We are here');
    await stream.until((events) => events.some((event) => event.event === 'message'), 'the reply');
    const [event] = stream.events.filter((item) => item.event === 'message');
    expect(event!.id).toBe(String(replyId));
    const data = JSON.parse(event!.data!);
    expect(Object.keys(data)).toEqual(['id', 'is_customer', 'message', 'file', 'created_at']);
    expect(data).toMatchObject({ id: replyId, is_customer: false, message: 'We are here', file: null });
    // The history before the stream was opened is not repeated (the widget read it from GET messages).
    expect(stream.messages().map((message) => message.data.id)).toEqual([replyId]);

    await expect.poll(() => status(visitor.seed, replyId)).toBe('delivered');
    // The delivery job that runs afterwards does not move it back.
    await h.drainJobs();
    expect(await status(visitor.seed, replyId)).toBe('delivered');
  });

  it('replays after Last-Event-ID (or ?last_event_id=) without gaps or duplicates, then goes on live', async () => {
    const visitor = await visitorWithConversation();
    const ids = [visitor.firstId];
    for (const text of ['one', 'two', 'three']) ids.push(await sentMessageId(h, visitor.seed.access_token, visitor.conversationId, text));

    const first = await openStream(visitor.token, { lastEventId: visitor.firstId });
    await first.until((events) => events.filter((event) => event.event === 'message').length === 3, 'three replayed replies');
    expect(first.messages().map((message) => Number(message.id))).toEqual(ids.slice(1));
    first.close();

    // The connection is cut; two more replies are sent; the reconnect names the last id it saw.
    ids.push(await sentMessageId(h, visitor.seed.access_token, visitor.conversationId, 'four'));
    ids.push(await sentMessageId(h, visitor.seed.access_token, visitor.conversationId, 'five'));
    const again = await openStream(visitor.token, { query: `&last_event_id=${ids[3]}` });
    await again.until((events) => events.filter((event) => event.event === 'message').length === 2, 'the two missed replies');
    ids.push(await sentMessageId(h, visitor.seed.access_token, visitor.conversationId, 'six'));
    await again.until((events) => events.filter((event) => event.event === 'message').length === 3, 'the live reply');
    expect(again.messages().map((message) => Number(message.id))).toEqual(ids.slice(4));
    expect(again.messages().map((message) => message.data.message)).toEqual(['four', 'five', 'six']);

    // The header wins over the query (a browser's reconnect keeps the URL it first used).
    const header = await openStream(visitor.token, { lastEventId: ids[5], query: `&last_event_id=${ids[0]}` });
    const seven = await sentMessageId(h, visitor.seed.access_token, visitor.conversationId, 'seven');
    await header.until((events) => events.filter((event) => event.event === 'message').length === 2, 'the sixth and the seventh');
    expect(header.messages().map((message) => Number(message.id))).toEqual([ids[6], seven]);
  });

  it('keeps nothing for a visitor once their last stream here is gone, and watches again for a new one', async () => {
    const visitor = await visitorWithConversation();
    const streams = h.app.widgetStreams;
    const [watchedBefore, openBefore] = [streams.watchedCount, streams.openCount];
    const [a, b] = [await openStream(visitor.token), await openStream(visitor.token)];
    expect([streams.watchedCount, streams.openCount]).toEqual([watchedBefore + 1, openBefore + 2]);
    a.close();
    b.close();
    await pollUntil(async () => (streams.openCount === openBefore ? true : undefined), 10_000, 'both streams to be dropped', 10);
    expect(streams.watchedCount).toBe(watchedBefore);

    const again = await openStream(visitor.token);
    expect(streams.watchedCount).toBe(watchedBefore + 1);
    const reply = await sentMessageId(h, visitor.seed.access_token, visitor.conversationId, 'still here');
    await again.until((events) => events.some((event) => event.event === 'message' && Number(event.id) === reply), 'the reply on the new stream');
  });

  it('sends the visitor’s own messages too, to every open stream of the visitor', async () => {
    const visitor = await visitorWithConversation();
    const tabA = await openStream(visitor.token);
    const tabB = await openStream(visitor.token);
    const said = await visitorSays(client, visitor.token, 'from tab A');
    const replyId = await sentMessageId(h, visitor.seed.access_token, visitor.conversationId, 'to both');
    for (const tab of [tabA, tabB]) {
      await tab.until((events) => events.filter((event) => event.event === 'message').length === 2, 'both messages');
      expect(tab.messages().map((message) => [message.data.id, message.data.is_customer])).toEqual([
        [said.id, true],
        [replyId, false],
      ]);
    }
  });

  it('reaches a visitor whose stream was opened before their first message', async () => {
    const seed = await h.seedTenant();
    const token = await visitorToken(client, await widgetKey(h, seed));
    const stream = await openStream(token);
    const first = await visitorSays(client, token, 'First words');
    const conversationId = await visitorConversationId(h, seed, first.id);
    const replyId = await sentMessageId(h, seed.access_token, conversationId, 'Welcome');
    await stream.until((events) => events.filter((event) => event.event === 'message').length === 2, 'both messages');
    expect(stream.messages().map((message) => Number(message.id))).toEqual([first.id, replyId]);
  });

  it('writes a ping comment, and closes when the token expires or the channel is switched off', async () => {
    const expiring = await visitorWithConversation();
    const switchedOff = await visitorWithConversation();
    const healthy = await visitorWithConversation();
    const streams = await Promise.all([openStream(expiring.token), openStream(switchedOff.token), openStream(healthy.token)]);
    await h.app.widgetStreams.ping();
    for (const stream of streams) await stream.until((events) => events.some((event) => event.comment === 'ping'), 'a ping');

    await sql(h, 'UPDATE widget_sessions SET expires_at = $2 WHERE tenant_id = $1', [expiring.seed.tenant_id, h.clock.now()]);
    await sql(h, 'UPDATE channels SET is_active = false WHERE tenant_id = $1 AND id = $2', [switchedOff.seed.tenant_id, switchedOff.seed.channels.website]);
    await h.app.widgetStreams.ping();
    await streams[0]!.untilEnded();
    await streams[1]!.untilEnded();
    await streams[2]!.until((events) => events.filter((event) => event.comment === 'ping').length === 2, 'a second ping');
    expect(streams[2]!.ended).toBe(false);
  });

  it('refuses a bad token with 401 and a bad last_event_id with 422, before any stream starts', async () => {
    const visitor = await visitorWithConversation();
    expectError(await client.call('GET', '/widget/v1/stream'), 401, 'unauthorized', 'The visitor token is invalid or has expired.');
    expectError(await client.call('GET', '/widget/v1/stream?token=nope'), 401, 'unauthorized');
    const bad = await client.call('GET', `/widget/v1/stream?token=${visitor.token}`, { headers: { 'last-event-id': 'abc' } });
    expect(bad.status).toBe(422);
    expect(bad.json.errors).toEqual({ last_event_id: ['The last event id field must be an integer.'] });
    const foreign = await client.call('GET', `/widget/v1/stream?token=${visitor.token}`, { headers: { origin: 'https://evil.example' } });
    expectError(foreign, 403, 'forbidden', 'This origin is not allowed for this widget.');
  });

  it('carries CORS headers for an allowed origin', async () => {
    const visitor = await visitorWithConversation();
    const stream = await openStream(visitor.token, { headers: { origin: client.base } });
    expect(stream.response.headers.get('access-control-allow-origin')).toBe(client.base);
  });
});

describe('shutdown', () => {
  it('ends every open stream when the server closes', async () => {
    const own = await createHarness({ FLEXTELL_WIDGET_RATE_LIMIT_PER_MINUTE: '10000' });
    let closed = false;
    try {
      const ownClient = await widgetClient(own);
      const seed = await own.seedTenant();
      const token = await visitorToken(ownClient, await widgetKey(own, seed));
      const stream = await SseReader.open(`${ownClient.base}/widget/v1/stream?token=${token}`);
      readers.push(stream);
      await stream.until((events) => events.length > 0, 'the stream to start');
      expect(own.app.widgetStreams.openCount).toBe(1);
      const closing = own.close();
      await stream.untilEnded();
      await closing;
      closed = true;
    } finally {
      if (!closed) await own.close();
    }
  });
});
