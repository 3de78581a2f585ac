/**
 * One agent run per trigger with two worker processes (docs/agent-runs.md): a `serve --no-jobs` process takes the
 * visitors' widget messages and two `flextell worker` processes on the same PostgreSQL database compete for the
 * debounced `agent_run` jobs. Every conversation gets one run covering both of its messages and one reply.
 * PostgreSQL only: the embedded database has one process by design.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCli,
  cliLastLine,
  pollUntil,
  seedOwnerApi,
  startServe,
  startWorker,
  stopProcesses,
  type RunningServer,
  type SeededTenant,
} from '../support/processes.js';
import { createServerDatabase, migratedTemplate } from '../support/test-database.js';
import { httpCall } from '../support/widget.js';

const databaseUrl = process.env.TEST_DATABASE_URL;
const VISITORS = 12;

describe.runIf(databaseUrl)('agent runs with two worker processes', () => {
  const workers: ChildProcess[] = [];
  let server: RunningServer | undefined;
  let drop: (() => Promise<void>) | undefined;
  let seed: SeededTenant;
  let ownerApi: ReturnType<typeof seedOwnerApi>;

  beforeAll(async () => {
    buildCli();
    const database = await createServerDatabase(await migratedTemplate(databaseUrl!));
    drop = database.drop;
    const env = { DATABASE_URL: database.url, JOB_CONCURRENCY: '8' };
    seed = JSON.parse(cliLastLine(['seed', '--json', '--conversations', '0'], env)) as SeededTenant;
    ownerApi = seedOwnerApi(seed);
    const [serve, ...started] = await Promise.all([startServe(env, ['--no-jobs']), startWorker(env), startWorker(env)]);
    server = serve;
    workers.push(...started);
  }, 180_000);

  afterAll(async () => {
    await stopProcesses([...workers, server?.child]);
    await drop?.();
  });

  const api = (method: string, path: string, body?: unknown) => ownerApi(server!, method, path, body);

  it('makes one run and one reply per burst of messages', async () => {
    await api('PUT', `/channels/${seed.channels.website!}`, { settings: { agent_mode: 'autonomous' } });
    const channel = await api('GET', `/channels/${seed.channels.website!}`);
    await Promise.all(
      Array.from({ length: VISITORS }, async () => {
        const session = await httpCall(server!.url, 'POST', '/widget/v1/sessions', { body: { widget_key: channel.data.settings.widget_key } });
        expect(session.status, session.body).toBe(201);
        const token = session.json.visitor_token as string;
        for (const text of ['Hello!', 'Hi']) {
          const sent = await httpCall(server!.url, 'POST', '/widget/v1/messages', { token, body: { message: text } });
          expect(sent.status, sent.body).toBe(201);
        }
      }),
    );
    // The widget stores a visitor's message before answering it; the seed made no conversations.
    const listed = await api('GET', `/conversations?channel_type=website&per_page=${VISITORS * 2}`);
    const conversationIds = (listed.data as Array<{ id: number }>).map((conversation) => conversation.id);
    expect(conversationIds).toHaveLength(VISITORS);

    const runsOf = async (id: number) => (await api('GET', `/conversations/${id}/agent-runs`)).data as Array<Record<string, any>>;
    const everyRun = await pollUntil(
      async () => {
        const runs = await Promise.all(conversationIds.map(runsOf));
        return runs.every((list) => list.some((run) => run.status === 'completed')) ? runs : undefined;
      },
      60_000,
      'a completed run in every conversation',
      250,
    );
    for (const [index, runs] of everyRun.entries()) {
      expect(
        runs.map((run) => [run.status, run.outcome, run.trigger_message_ids.length]),
        `conversation ${conversationIds[index]}`,
      ).toEqual([['completed', 'replied', 2]]);
      const messages = (await api('GET', `/conversations/${conversationIds[index]}/messages`)).data as Array<Record<string, any>>;
      expect(messages.filter((message) => !message.is_customer)).toHaveLength(1);
    }
  });
});
