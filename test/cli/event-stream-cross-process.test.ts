/**
 * Event streams across processes (docs/events.md#several-processes): two real `flextell serve` processes on one
 * PostgreSQL database, a stream open on each; changes made through either process's API reach both streams, each
 * event once and in id order. Without REDIS_URL the hint travels over LISTEN/NOTIFY; with it, over Redis PUBLISH
 * (checked by a subscriber of its own); with REDIS_URL at a closed port, the periodic log read carries them. A token
 * revoked in the database ends its streams on both within 2 s. SIGTERM then ends a stream with a random `retry:` and
 * `closing` `shutdown`. PostgreSQL only: the embedded database has one process by design.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pg from 'pg';
import { decodeJwt } from 'jose';
import { buildCli, cliLastLine, exited, startServe, type RunningServer } from '../support/processes.js';
import { createServerDatabase, migratedTemplate } from '../support/test-database.js';
import { httpCall, type SseReader } from '../support/widget.js';
import { loggedEvents, loggedIds, namedEvent, openEventStream } from '../support/events.js';
import { REDIS_EVENTS_CHANNEL } from '../../src/modules/events/event-bus.js';

const databaseUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.REDIS_URL;

interface Seed {
  tenant_id: number;
  email: string;
  access_token: string;
}

function crossProcessSuite(bus: 'LISTEN/NOTIFY' | 'Redis' | 'Redis unreachable', extraEnv: Record<string, string>) {
  describe(`streams on two serve processes (${bus})`, () => {
    const servers: RunningServer[] = [];
    const readers: SseReader[] = [];
    let drop: (() => Promise<void>) | undefined;
    let seed: Seed;
    let env: Record<string, string>;

    beforeAll(async () => {
      buildCli();
      const database = await createServerDatabase(await migratedTemplate(databaseUrl!));
      drop = database.drop;
      env = { DATABASE_URL: database.url, ...extraEnv };
      seed = JSON.parse(cliLastLine(['seed', '--json', '--conversations', '0'], env)) as Seed;
      servers.push(...(await Promise.all([startServe(env), startServe(env)])));
    }, 180_000);

    afterAll(async () => {
      for (const reader of readers) reader.close();
      for (const server of servers) {
        const exit = exited(server.child);
        server.child.kill('SIGTERM');
        await exit;
      }
      await drop?.();
    });

    async function createCustomer(server: RunningServer, firstName: string): Promise<number> {
      const response = await httpCall(server.url, 'POST', '/api/v1/customers', {
        token: seed.access_token,
        headers: { 'x-tenant': String(seed.tenant_id) },
        body: { first_name: firstName, last_name: 'Stream' },
      });
      expect(response.status, response.body).toBe(201);
      return response.json.data.id as number;
    }

    it('a token revoked by another process (the row only, as `flextell token revoke` does) ends its streams on both within 2 s', async () => {
      const token = cliLastLine(['token', '--email', seed.email], env);
      const streams = await Promise.all(servers.map((server) => openEventStream(server.url, { token, tenantId: seed.tenant_id })));
      readers.push(...streams);
      for (const reader of streams) await reader.until((events) => events.some((event) => event.event === 'ready'), 'ready', 30_000);
      const database = new pg.Client({ connectionString: env.DATABASE_URL });
      await database.connect();
      try {
        await database.query('UPDATE access_tokens SET revoked_at = now() WHERE jti = $1', [decodeJwt(token).jti]);
      } finally {
        await database.end();
      }
      const revokedAt = Date.now();
      await Promise.all(streams.map((reader) => reader.untilEnded(10_000)));
      expect(Date.now() - revokedAt).toBeLessThan(2000);
      for (const reader of streams) expect(namedEvent(reader.events, 'closing')).toEqual({ reason: 'token_revoked' });
    });

    it('both streams see every event once, in id order, whichever process wrote it; SIGTERM closes with shutdown', async () => {
      const [a, b] = servers as [RunningServer, RunningServer];
      const published: string[] = [];
      const subscriber = redisUrl && bus === 'Redis' ? new Redis(redisUrl) : null;
      if (subscriber) {
        subscriber.on('message', (_channel: string, message: string) => published.push(message));
        await subscriber.subscribe(REDIS_EVENTS_CHANNEL);
      }
      try {
        const onA = await openEventStream(a.url, { token: seed.access_token, tenantId: seed.tenant_id });
        const onB = await openEventStream(b.url, { token: seed.access_token, tenantId: seed.tenant_id });
        readers.push(onA, onB);
        for (const reader of [onA, onB]) await reader.until((events) => events.some((event) => event.event === 'ready'), 'ready', 30_000);
        const head = namedEvent(onA.events, 'ready').last_event_id as number;

        const created = [await createCustomer(a, 'Through A'), await createCustomer(b, 'Through B'), await createCustomer(a, 'Again A')];
        for (const reader of [onA, onB]) {
          await reader.until((events) => loggedEvents(events).filter((event) => event.type === 'customer.created').length >= 3, 'three customers', 30_000);
        }
        const customers = (reader: SseReader) => loggedEvents(reader.events).filter((event) => event.type === 'customer.created');
        for (const reader of [onA, onB]) {
          expect(customers(reader).map((event) => event.data.data.id)).toEqual(created);
          const ids = loggedIds(reader.events);
          expect(ids[0]).toBeGreaterThan(head);
          expect(ids).toEqual([...new Set(ids)].sort((x, y) => x - y));
        }
        expect(loggedIds(onA.events)).toEqual(loggedIds(onB.events));
        if (subscriber) expect(published).toContain(`${seed.tenant_id}:${loggedIds(onA.events).at(-1)}`);

        b.child.kill('SIGTERM');
        await onB.untilEnded(15_000);
        const retry = /retry: (\d+)\n\nevent: closing\ndata: \{"reason":"shutdown"\}\n\n$/;
        expect(onB.events.at(-1)).toEqual({ event: 'closing', id: null, comment: null, data: '{"reason":"shutdown"}' });
        expect(await exited(b.child)).toBe(0);
        expect(retry.test(onB.rawText)).toBe(true);
        const delay = Number(retry.exec(onB.rawText)![1]);
        expect(delay).toBeGreaterThanOrEqual(1000);
        expect(delay).toBeLessThanOrEqual(5000);
      } finally {
        subscriber?.disconnect();
      }
    });
  });
}

describe.runIf(databaseUrl)('event streams across processes', () => {
  crossProcessSuite('LISTEN/NOTIFY', {});
  if (redisUrl) crossProcessSuite('Redis', { REDIS_URL: redisUrl });
  // Spec rule 17: with Redis down no hint crosses processes, and the 5-second log read feeds the streams.
  crossProcessSuite('Redis unreachable', { REDIS_URL: 'redis://127.0.0.1:1' });
});
