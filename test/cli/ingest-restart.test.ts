/**
 * Restart safety of provider webhooks (docs/channels.md#restart-safety), with real `flextell serve` processes, real
 * HTTP and a real SIGKILL / SIGTERM: every acknowledged webhook is stored exactly once and processed after a restart,
 * in receipt order (§9.14); during shutdown a webhook is refused with 503 and `Connection: close` and not stored
 * (§9.15); a provider's early retry, racing its first delivery, is answered 200 only once the event is committed, and
 * a redelivery of everything after the restart adds nothing twice (§9.16).
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, cliLastLine, exited, killHard, pollUntil, startServe, type RunningServer } from '../support/processes.js';
import { currentEngine } from '../support/test-database.js';
import { uniqueDigits } from '../support/webhooks.js';
import { Answers, fireBurst, post, serverStore, WhatsAppSenders, type ServerStore, type Webhook } from '../support/webhook-burst.js';

const SENDERS = 6;
const PER_SENDER = 50;
/** Every fifth webhook of a sender goes out twice at once, on two connections (a provider's early retry). */
const TWIN_EVERY = 5;
/** Acknowledged webhooks before the server is stopped: well inside the burst of SENDERS × PER_SENDER. */
const STOP_AFTER = 90;
/** Generous: a loaded 2-core machine. A killed processor's events are free at once (row locks die with its connection). */
const PROCESSED_WITHIN_MS = 90_000;

const children: RunningServer[] = [];
const stores: ServerStore[] = [];

interface Seed {
  tenant_id: number;
  access_token: string;
}

interface Setup {
  store: ServerStore;
  seed: Seed;
  senders: WhatsAppSenders;
  channelId: number;
}

async function serve(env: Record<string, string>): Promise<RunningServer> {
  const server = await startServe(env);
  children.push(server);
  return server;
}

async function stop(server: RunningServer): Promise<void> {
  const exit = exited(server.child);
  server.child.kill('SIGTERM');
  expect(await exit).toBe(0);
}

async function api(server: RunningServer, seed: Seed, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${seed.access_token}`, 'x-tenant': String(seed.tenant_id), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  expect(response.status, `${method} ${path}: ${text}`).toBeLessThan(300);
  return JSON.parse(text);
}

/** A fresh database, a seeded tenant, a WhatsApp channel connected through the API, flood protection off. */
async function setUp(): Promise<{ setup: Setup; server: RunningServer }> {
  const store = await serverStore();
  stores.push(store);
  const seed = JSON.parse(cliLastLine(['seed', '--json', '--conversations', '0'], store.env)) as Seed;
  const server = await serve(store.env);
  const senders = new WhatsAppSenders(uniqueDigits(), `app-secret-${uniqueDigits(8)}`, SENDERS, PER_SENDER);
  const created = await api(server, seed, 'POST', '/channels', {
    type: 'whatsapp',
    name: 'Restart WhatsApp',
    address: '+15551234567',
    settings: { phone_number_id: senders.phoneNumberId, access_token: 'EAAB-restart', app_secret: senders.appSecret, verify_token: 'verify-restart' },
  });
  // A burst from one customer is a flood by the default rule; this test is about storage, not blocking.
  await api(server, seed, 'PUT', '/tenant-settings', { flood: { enabled: false } });
  return { setup: { store, seed, senders, channelId: created.data.id }, server };
}

/** Each sender's conversation as the inbox shows it, with its messages' provider ids oldest first. */
async function inbox(server: RunningServer, setup: Setup): Promise<Array<{ row: any; wamids: string[] } | undefined>> {
  const list = await api(server, setup.seed, 'GET', '/conversations?per_page=100');
  return Promise.all(
    setup.senders.waIds.map(async (waId) => {
      const row = list.data.find((conversation: { address: string }) => conversation.address === `+${waId}`);
      if (!row) return undefined;
      const wamids: string[] = [];
      for (let page = 1; ; page++) {
        const messages = await api(server, setup.seed, 'GET', `/conversations/${row.id}/messages?per_page=100&page=${page}`);
        wamids.push(...messages.data.map((message: { metadata: string }) => JSON.parse(message.metadata).provider_message_id as string));
        if (page >= messages.meta.last_page) return { row, wamids: wamids.reverse() };
      }
    }),
  );
}

/**
 * Posts one marker webhook per sender and waits until every marker is in its inbox: one customer's events are
 * processed in receipt order, so by then everything received before the marker has been processed.
 */
async function markAndWait(server: RunningServer, setup: Setup, label: string, answers: Answers): Promise<Webhook[]> {
  const markers = setup.senders.waIds.map((_, sender) => setup.senders.webhook(sender, PER_SENDER + 1, label));
  const agent = new http.Agent({ keepAlive: true });
  for (const marker of markers) {
    const answer = await post(server.url, agent, marker.request);
    expect(answer.status, answer.body).toBe(200);
    answers.record(marker.wamid, answer);
  }
  agent.destroy();
  await pollUntil(
    async () => ((await inbox(server, setup)).every((entry, sender) => entry?.wamids.includes(markers[sender]!.wamid)) ? true : undefined),
    PROCESSED_WITHIN_MS,
    `the ${label} markers in every inbox`,
    250,
  );
  return markers;
}

/**
 * After a restart: the backlog is processed in receipt order and every acknowledged webhook is in its inbox once;
 * then the provider redelivers the whole burst (200 for each, nothing stored twice), and the database is checked.
 */
async function recoverAndVerify(setup: Setup, answers: Answers): Promise<void> {
  const server = await serve(setup.store.env);
  const first = await markAndWait(server, setup, 'first', answers);
  const acknowledged = new Set(answers.acknowledged());
  expect((await api(server, setup.seed, 'GET', '/conversations')).meta.total, 'one conversation per sender').toBe(SENDERS);
  for (const [sender, entry] of (await inbox(server, setup)).entries()) {
    const wamids = entry!.wamids;
    expect(new Set(wamids).size, `sender ${sender}: no message twice`).toBe(wamids.length);
    const sent = setup.senders.webhooks[sender]!.map((webhook) => webhook.wamid);
    for (const wamid of sent) if (acknowledged.has(wamid)) expect(wamids, `acknowledged ${wamid} in the inbox`).toContain(wamid);
    // Receipt order: the burst's messages in send order, then the marker, which is the conversation's last message.
    expect(wamids).toEqual([...sent.filter((wamid) => wamids.includes(wamid)), first[sender]!.wamid]);
    expect([entry!.row.last_message, entry!.row.unread_count]).toEqual([`m ${sender}.first`, String(wamids.length)]);
  }

  // The provider retries everything: each answer is 200, and only what was never stored is stored now.
  const redelivered = new Answers();
  await fireBurst(server.url, setup.senders.webhooks, redelivered, { twinEvery: TWIN_EVERY });
  expect(redelivered.all().map((answer) => answer.status)).toEqual(Array(SENDERS * PER_SENDER * (1 + 1 / TWIN_EVERY)).fill(200));
  const last = await markAndWait(server, setup, 'last', answers);
  for (const [sender, entry] of (await inbox(server, setup)).entries()) {
    const expected = [...setup.senders.webhooks[sender]!, first[sender]!, last[sender]!].map((webhook) => webhook.wamid);
    expect([...entry!.wamids].sort()).toEqual(expected.sort());
    expect([entry!.row.last_message, entry!.row.unread_count]).toEqual([`m ${sender}.last`, String(expected.length)]);
  }
  await stop(server);

  const everything = [...setup.senders.all(), ...first, ...last].map((webhook) => webhook.wamid);
  await setup.store.inspect(async (query) => {
    const events = await query<{ event_key: string; n: number; processed: boolean }>(
      `SELECT event_key, count(*)::int AS n, bool_and(processed_at IS NOT NULL AND outcome = 'message') AS processed
       FROM inbound_events WHERE channel_id = $1 GROUP BY event_key ORDER BY event_key`,
      [setup.channelId],
    );
    expect(events).toEqual(
      everything.map((wamid) => ({ event_key: `message:${wamid}`, n: 1, processed: true })).sort((a, b) => a.event_key.localeCompare(b.event_key)),
    );
    const messages = await query<{ provider_message_id: string; n: number }>(
      `SELECT provider_message_id, count(*)::int AS n FROM messages WHERE channel_id = $1 GROUP BY 1 ORDER BY 1`,
      [setup.channelId],
    );
    expect(messages).toEqual([...everything].sort().map((wamid) => ({ provider_message_id: wamid, n: 1 })));
    // Processing order is receipt order: arrival numbers follow the events' ids in every conversation.
    const outOfOrder = await query(
      `SELECT m.conversation_id FROM messages m JOIN inbound_events e ON e.channel_id = m.channel_id AND e.event_key = 'message:' || m.provider_message_id
      WHERE m.channel_id = $1 GROUP BY m.conversation_id HAVING array_agg(e.id ORDER BY m.seq) <> array_agg(e.id ORDER BY e.id)`,
      [setup.channelId],
    );
    expect(outOfOrder).toEqual([]);
    const dead = await query(`SELECT type, status FROM jobs WHERE status = 'dead'`);
    expect(dead).toEqual([]);
  });
}

beforeAll(() => buildCli(), 120_000);
afterAll(async () => {
  for (const server of children) if (server.child.exitCode === null && server.child.signalCode === null) await killHard(server.child);
  for (const store of stores) await store.drop();
});

describe(`webhooks across restarts (${currentEngine()})`, () => {
  it('kill -9 mid-burst: after a restart every acknowledged webhook is stored and processed exactly once, in receipt order', async () => {
    const { setup, server } = await setUp();
    const answers = new Answers();
    let killed: Promise<void> | null = null;
    await fireBurst(server.url, setup.senders.webhooks, answers, {
      twinEvery: TWIN_EVERY,
      afterAnswer: () => {
        if (!killed && answers.acknowledged().length >= STOP_AFTER) killed = killHard(server.child);
      },
    });
    await killed;
    const acknowledged = answers.acknowledged().length;
    expect(acknowledged).toBeGreaterThanOrEqual(STOP_AFTER);
    expect(acknowledged, 'killed mid-burst').toBeLessThan(SENDERS * PER_SENDER);
    expect(answers.all().every((answer) => answer.status === 200 || answer.status === 'error')).toBe(true);
    console.info(`kill -9 mid-burst: ${acknowledged} acknowledged, ${answers.all().filter((answer) => answer.status === 'error').length} cut off`);

    await recoverAndVerify(setup, answers);
  }, 240_000);

  it('SIGTERM mid-burst: exits 0 within 10 s, refuses late webhooks with 503 and Connection: close, loses nothing acknowledged', async () => {
    const { setup, server } = await setUp();
    const answers = new Answers();
    // A webhook whose body is still on its way when the shutdown begins: it must be refused, not stored.
    const late = setup.senders.webhook(0, PER_SENDER + 1, 'late');
    const lateAgent = new http.Agent({ keepAlive: false });
    const lateRequest = http.request(`${server.url}${late.request.path}`, {
      method: 'POST',
      agent: lateAgent,
      headers: { ...late.request.headers, 'content-length': String(Buffer.byteLength(late.request.body)) },
    });
    const lateAnswer = new Promise<{ status: number; connection?: string; body: string }>((resolve, reject) => {
      lateRequest.on('response', (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode!, connection: response.headers.connection, body }));
      });
      lateRequest.on('error', reject);
    });
    lateRequest.write(late.request.body.slice(0, 10));
    await new Promise((resolve) => lateRequest.once('socket', (socket) => (socket.connecting ? socket.once('connect', resolve) : resolve(undefined))));

    let signalledAt = 0;
    let exit: Promise<number | null> | null = null;
    await fireBurst(server.url, setup.senders.webhooks, answers, {
      twinEvery: TWIN_EVERY,
      afterAnswer: () => {
        if (exit || answers.acknowledged().length < STOP_AFTER) return;
        exit = exited(server.child);
        signalledAt = Date.now();
        server.child.kill('SIGTERM');
      },
    });
    await pollUntil(async () => (server.output().includes('"msg":"shutting down"') ? true : undefined), 10_000, 'the shutdown to begin', 10);
    lateRequest.end(late.request.body.slice(10));
    const code = await exit!;
    const stoppedInMs = Date.now() - signalledAt;
    console.info(`SIGTERM mid-burst: exited ${code} after ${stoppedInMs} ms`);
    expect(code).toBe(0);
    expect(stoppedInMs).toBeLessThan(10_000);

    const refused = await lateAnswer;
    lateAgent.destroy();
    expect([refused.status, refused.connection, JSON.parse(refused.body).error]).toEqual([503, 'close', 'service_unavailable']);
    for (const answer of answers.all()) {
      expect([200, 503, 'error']).toContain(answer.status);
      if (answer.status === 503) expect([answer.connection, JSON.parse(answer.body!).error]).toEqual(['close', 'service_unavailable']);
    }

    // Nothing half-done: each stored event is either processed (its message exists) or still pending with no message
    // and no failed attempt; every acknowledged one is stored; no refused one is.
    const stored = await setup.store.inspect((query) =>
      query<{ event_key: string; processed: boolean; message: boolean; attempts: number }>(
        `SELECT e.event_key, e.processed_at IS NOT NULL AS processed, e.attempts,
              EXISTS (SELECT 1 FROM messages m WHERE m.channel_id = e.channel_id AND 'message:' || m.provider_message_id = e.event_key) AS message
         FROM inbound_events e WHERE e.channel_id = $1`,
        [setup.channelId],
      ),
    );
    for (const event of stored) {
      expect([event.event_key, event.processed, event.message, event.attempts]).toEqual([event.event_key, event.processed, event.processed, 0]);
    }
    // A graceful stop answers every request it reads: the events stored are exactly the acknowledged ones. Refused
    // (503) and unanswered webhooks are not stored; unanswered ones were written on a keep-alive connection at the
    // moment it was closed as idle (RFC 9112 §9.6), the server never read them.
    expect(stored.map((event) => event.event_key).sort()).toEqual(
      answers
        .acknowledged()
        .map((wamid) => `message:${wamid}`)
        .sort(),
    );
    const count = (status: number | 'error') => answers.all().filter((answer) => answer.status === status).length;
    console.info(
      `SIGTERM mid-burst: ${answers.acknowledged().length} acknowledged, ${count(503) + 1} refused with 503, ${count('error')} unanswered, ` +
        `${stored.filter((event) => !event.processed).length} left to process`,
    );

    await recoverAndVerify(setup, answers);
  }, 240_000);
});
