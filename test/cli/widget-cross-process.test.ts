/**
 * Widget replies across processes (docs/channels.md#website-widget): two real `flextell serve` processes on one
 * PostgreSQL database; a visitor's stream is open on one, the team replies through the other's API, and the reply
 * arrives on the stream (LISTEN/NOTIFY wakes the stream's process, which reads the database) and becomes delivered.
 * PostgreSQL only: the embedded database has one process by design.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, cliLastLine, pollUntil, seedOwnerApi, startServe, stopProcesses, type RunningServer, type SeededTenant } from '../support/processes.js';
import { createServerDatabase, migratedTemplate } from '../support/test-database.js';
import { httpCall, SseReader } from '../support/widget.js';

const databaseUrl = process.env.TEST_DATABASE_URL;

describe.runIf(databaseUrl)('a reply reaches a stream open on another serve process', () => {
  const servers: RunningServer[] = [];
  const readers: SseReader[] = [];
  let drop: (() => Promise<void>) | undefined;
  let seed: SeededTenant;
  let api: ReturnType<typeof seedOwnerApi>;

  beforeAll(async () => {
    buildCli();
    const database = await createServerDatabase(await migratedTemplate(databaseUrl!));
    drop = database.drop;
    const env = { DATABASE_URL: database.url };
    seed = JSON.parse(cliLastLine(['seed', '--json', '--conversations', '0'], env)) as SeededTenant;
    api = seedOwnerApi(seed);
    servers.push(...(await Promise.all([startServe(env), startServe(env)])));
  }, 180_000);

  afterAll(async () => {
    for (const reader of readers) reader.close();
    await stopProcesses(servers.map((server) => server.child));
    await drop?.();
  });

  it('in both directions, each reply once, and delivered', async () => {
    const [a, b] = servers as [RunningServer, RunningServer];
    const channel = await api(a, 'GET', `/channels/${seed.channels.website!}`);
    const session = await httpCall(a.url, 'POST', '/widget/v1/sessions', { body: { widget_key: channel.data.settings.widget_key } });
    expect(session.status, session.body).toBe(201);
    const token = session.json.visitor_token as string;
    const first = await httpCall(a.url, 'POST', '/widget/v1/messages', { token, body: { message: 'Is anyone there?' } });
    expect(first.status, first.body).toBe(201);
    const conversations = await api(a, 'GET', '/conversations?channel_type=website');
    const conversation = conversations.data.find((row: { last_message: string }) => row.last_message === 'Is anyone there?');
    expect(conversation).toBeDefined();

    const onB = await SseReader.open(`${b.url}/widget/v1/stream?token=${token}`);
    const onA = await SseReader.open(`${a.url}/widget/v1/stream?token=${token}`);
    readers.push(onA, onB);
    await Promise.all([onA, onB].map((stream) => stream.until((events) => events.length > 0, 'the stream to start', 30_000)));

    const fromA = await api(a, 'POST', `/conversations/${conversation.id}/messages`, { message: 'Sent through process A' });
    const fromB = await api(b, 'POST', `/conversations/${conversation.id}/messages`, { message: 'Sent through process B' });
    const expected = [Number(fromA.data.message_id), Number(fromB.data.message_id)];
    for (const stream of [onA, onB]) {
      await stream.until((events) => events.filter((event) => event.event === 'message').length >= 2, 'both replies', 30_000);
      expect(stream.messages().map((message) => message.data.id)).toEqual(expected);
    }

    await pollUntil(
      async () => {
        const listed = await api(b, 'GET', `/conversations/${conversation.id}/messages`);
        const statuses = listed.data
          .filter((message: { id: number }) => expected.includes(message.id))
          .map((message: { metadata: string }) => JSON.parse(message.metadata).delivery_status as string);
        return statuses.length === 2 && statuses.every((status: string) => status === 'delivered') ? true : undefined;
      },
      30_000,
      'both replies delivered',
    );
  });
});
