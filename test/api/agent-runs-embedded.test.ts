/**
 * Agent runs with the embedded knowledge-base responder (no LLM_BASE_URL; docs/agent-runs.md), end to end: provider
 * messages through the inbound processor and visitor messages through the widget, the debounced `agent_run` job,
 * replies from the tenant's articles, the embedded abuse rule, copilot drafts, a human reply pausing the agent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import {
  afterDebounce,
  agentCursorIsNewestMessage,
  agentRuns,
  conversationIdOf,
  customerSays,
  outboundMessages,
  setAgentMode,
  blockOfRun,
} from '../support/agent-runs.js';
import { setChannelSettings, sql } from '../support/factories.js';
import { sendText } from '../support/requests.js';
import { createJobWorker } from '../../src/jobs.js';
import { scheduleAgentRun } from '../../src/modules/agent/runs/schedule-agent-run.js';
import { visitorConversationId, visitorSays, visitorToken, widgetClient, widgetKey } from '../support/widget.js';

let h: Harness;
let seed: SeedResult;
let serial = 0;

beforeAll(async () => {
  h = await createHarness();
  seed = await h.seedTenant();
  await setAgentMode(h, seed, 'whatsapp', 'autonomous');
  await setAgentMode(h, seed, 'instagram', 'copilot');
  const article = await h.request({
    method: 'POST',
    url: '/api/v1/knowledge-articles',
    token: seed.access_token,
    body: { title: 'Opening hours', body: 'Our store opens at 9.30 on weekdays. On Sundays we are closed.', is_published: true },
  });
  expect(article.status, article.body).toBe(201);
});
afterAll(async () => h?.close());

const newAddress = () => `+90533${String(process.pid % 1000).padStart(3, '0')}${String(++serial).padStart(4, '0')}`;

describe('autonomous mode, embedded responder', () => {
  it('answers from the knowledge base and records a knowledge_base run', async () => {
    const address = newAddress();
    await customerSays(h, seed, 'whatsapp', address, 'When does the store open on weekdays?');
    await afterDebounce(h);
    const id = await conversationIdOf(h, seed, 'whatsapp', address);
    const [reply] = await outboundMessages(h, seed, id);
    expect(reply).toMatchObject({ message: 'Our store opens at 9.30 on weekdays.', source: 'agent', user_id: null, delivery_status: 'delivered' });
    const [run] = await agentRuns(h, seed, id);
    expect(run).toMatchObject({
      provider: 'knowledge_base',
      model: null,
      status: 'completed',
      outcome: 'replied',
      attempts: 1,
      prompt_tokens: null,
      completion_tokens: null,
      reply_message_id: Number(reply!.id),
      reason: 'Answered from the knowledge article "Opening hours".',
    });
    expect(run.latency_ms).toBeGreaterThanOrEqual(0);
  });

  it('hands off what no article answers, and stays silent while the humans have it', async () => {
    const address = newAddress();
    await customerSays(h, seed, 'whatsapp', address, 'My parcel arrived damaged');
    await afterDebounce(h);
    const id = await conversationIdOf(h, seed, 'whatsapp', address);
    expect((await agentRuns(h, seed, id))[0]).toMatchObject({ status: 'completed', outcome: 'handoff' });
    await customerSays(h, seed, 'whatsapp', address, 'When does the store open?');
    await afterDebounce(h);
    // The humans have it: the message schedules nothing, and the agent cursor moves past it at once.
    expect(await agentRuns(h, seed, id)).toHaveLength(1);
    expect(await outboundMessages(h, seed, id)).toHaveLength(1);
    expect(await agentCursorIsNewestMessage(h, seed, id)).toBe(true);
  });

  it('blocks an insulting customer with the embedded rule, and quarantines what follows', async () => {
    const address = newAddress();
    await customerSays(h, seed, 'whatsapp', address, 'You are an idiot');
    await afterDebounce(h);
    const id = await conversationIdOf(h, seed, 'whatsapp', address);
    const [run] = await agentRuns(h, seed, id);
    expect(run).toMatchObject({ status: 'completed', outcome: 'blocked', reason: 'Insulting language.' });
    const entry = await blockOfRun(h, seed, run);
    expect(entry).toMatchObject({
      reason: 'abusive_language',
      note: 'Automatic block by the AI agent: Insulting language.',
      metadata: {
        source: 'agent_rules',
        rule: 'abusive_language',
        agent_run_id: run.id,
        provider: 'knowledge_base',
        model: null,
        reason: 'Insulting language.',
      },
    });
    expect(entry!.expires_at.getTime() - entry!.blocked_at.getTime()).toBe(86_400_000);
    expect(await outboundMessages(h, seed, id)).toHaveLength(0);
    await customerSays(h, seed, 'whatsapp', address, 'Hello?');
    const [quarantined] = await sql(h, 'SELECT count(*)::int AS n FROM quarantined_messages WHERE tenant_id = $1 AND blacklist_id = $2', [
      seed.tenant_id,
      run.blacklist_entry_id,
    ]);
    expect(quarantined!.n).toBe(1);
  });

  it('a human reply pauses the agent: the next customer message gets no answer', async () => {
    const address = newAddress();
    await customerSays(h, seed, 'whatsapp', address, 'Hello!');
    await afterDebounce(h);
    const id = await conversationIdOf(h, seed, 'whatsapp', address);
    expect((await outboundMessages(h, seed, id)).map((message) => message.message)).toEqual(['Hello! How can I help you today?']);
    expect((await sendText(h, seed.access_token, id, { message: 'Ayse here, how can I help?' })).status).toBe(200);
    await customerSays(h, seed, 'whatsapp', address, 'When does the store open?');
    await afterDebounce(h);
    expect((await agentRuns(h, seed, id)).map((run) => [run.status, run.reason])).toEqual([['completed', 'A greeting.']]);
    expect(await agentCursorIsNewestMessage(h, seed, id)).toBe(true);
    expect(await outboundMessages(h, seed, id)).toHaveLength(2);
  });

  it("answers only what arrives once the agent is switched on: earlier messages were the humans'", async () => {
    const address = newAddress();
    await setAgentMode(h, seed, 'whatsapp', 'off');
    await customerSays(h, seed, 'whatsapp', address, 'My parcel arrived damaged');
    await setAgentMode(h, seed, 'whatsapp', 'autonomous');
    await customerSays(h, seed, 'whatsapp', address, 'Hello!');
    await afterDebounce(h);
    const id = await conversationIdOf(h, seed, 'whatsapp', address);
    const [newest] = await sql(h, 'SELECT max(id) AS id FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND is_customer', [seed.tenant_id, id]);
    const [run] = await agentRuns(h, seed, id);
    expect(run).toMatchObject({ status: 'completed', outcome: 'replied', trigger_message_ids: [Number(newest!.id)] });
  });

  it('leaves a channel whose agent is off alone: no job, no run', async () => {
    const address = newAddress();
    await setAgentMode(h, seed, 'telegram', 'off');
    await customerSays(h, seed, 'telegram', address, 'When does the store open?');
    const [jobs] = await sql(h, `SELECT count(*)::int AS n FROM jobs WHERE type = 'agent_run' AND payload ->> 'conversation_id' = $1`, [
      String(await conversationIdOf(h, seed, 'telegram', address)),
    ]);
    expect(jobs!.n).toBe(0);
  });
});

describe('the widget and copilot mode', () => {
  it("answers a website visitor through the widget's inbound path", async () => {
    await setChannelSettings(h, seed.tenant_id, seed.channels.website, { agent_mode: 'autonomous' });
    const client = await widgetClient(h);
    const token = await visitorToken(client, await widgetKey(h, seed));
    const sent = await visitorSays(client, token, 'Are you open on Sundays?');
    await afterDebounce(h);
    const id = await visitorConversationId(h, seed, sent.id);
    const [reply] = await outboundMessages(h, seed, id);
    expect(reply).toMatchObject({ message: 'Our store opens at 9.30 on weekdays. On Sundays we are closed.', source: 'agent', delivery_status: 'sent' });
  });

  it('drafts a pending suggestion in copilot mode; a newer draft supersedes it', async () => {
    const address = `igsid${process.pid}${++serial}`;
    await customerSays(h, seed, 'instagram', address, 'When do you open on weekdays?');
    await afterDebounce(h);
    const id = await conversationIdOf(h, seed, 'instagram', address);
    const [run] = await agentRuns(h, seed, id);
    expect(run).toMatchObject({ mode: 'copilot', status: 'completed', outcome: 'suggested', reply_message_id: null });
    const pending = (await h.request({ url: `/api/v1/conversations/${id}/ai-suggestion`, token: seed.access_token })).json.data;
    expect(pending).toMatchObject({ id: run.ai_suggestion_id, original_text: 'Our store opens at 9.30 on weekdays.', status: 'pending' });
    expect(await outboundMessages(h, seed, id)).toHaveLength(0);

    await customerSays(h, seed, 'instagram', address, 'Hi');
    await afterDebounce(h);
    const [second] = await agentRuns(h, seed, id);
    const [first] = await sql(h, 'SELECT status FROM ai_suggestions WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, run.ai_suggestion_id]);
    expect(first!.status).toBe('superseded');
    expect(second.ai_suggestion_id).not.toBe(run.ai_suggestion_id);
  });

  it("a suggestion sent while the customer's next message waits out its debounce answers that message: no new draft", async () => {
    const address = `igsid${process.pid}${++serial}`;
    await customerSays(h, seed, 'instagram', address, 'When do you open on weekdays?');
    await afterDebounce(h);
    const id = await conversationIdOf(h, seed, 'instagram', address);
    await customerSays(h, seed, 'instagram', address, 'And on Sundays?');
    const sent = await h.request({
      method: 'POST',
      url: `/api/v1/conversations/${id}/ai-suggestion/send`,
      token: seed.access_token,
      body: { send_source: 'suggestion_as_is' },
    });
    expect(sent.status).toBe(200);
    expect(await agentCursorIsNewestMessage(h, seed, id)).toBe(true);
    await afterDebounce(h);
    expect((await agentRuns(h, seed, id)).map((run) => run.outcome)).toEqual(['suggested']);
    const [drafts] = await sql(h, 'SELECT count(*)::int AS n FROM ai_suggestions WHERE tenant_id = $1 AND conversation_id = $2', [seed.tenant_id, id]);
    expect(drafts!.n).toBe(1);
  });
});

describe('at most one decision per trigger', () => {
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const scheduleNow = (id: number) =>
    h.deps.db.transaction((tx) => scheduleAgentRun(tx, { tenantId: seed.tenant_id, agentMode: 'autonomous' }, id, 0, h.clock.now(), 0));

  /** A run as a crashed process leaves it (or as an earlier interruption recorded it): its trigger above the cursor. */
  const leftoverRun = async (conversationId: number, messageId: number, status: string, error: string | null) => {
    await sql(h, 'UPDATE conversations SET agent_cursor_message_id = $3 - 1 WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, conversationId, messageId]);
    await sql(
      h,
      `INSERT INTO agent_runs (tenant_id, conversation_id, channel_id, mode, provider, status, error, trigger_message_ids, started_at)
       VALUES ($1, $2, $3, 'autonomous', 'knowledge_base', $4, $5, $6, now())`,
      [seed.tenant_id, conversationId, seed.channels.whatsapp, status, error, JSON.stringify([messageId])],
    );
  };

  it('two workers draining at once make one run and one reply', async () => {
    const address = newAddress();
    const second = createJobWorker(h.deps, silent, { random: () => 1 });
    try {
      await customerSays(h, seed, 'whatsapp', address, 'Hello!');
      h.clock.advance(3.001);
      await Promise.all([h.drainJobs(), second.drain()]);
    } finally {
      await second.stop();
    }
    const id = await conversationIdOf(h, seed, 'whatsapp', address);
    expect(await agentRuns(h, seed, id)).toHaveLength(1);
    expect(await outboundMessages(h, seed, id)).toHaveLength(1);
  });

  it('a job that runs again after its run was applied records nothing and sends nothing', async () => {
    const address = newAddress();
    await customerSays(h, seed, 'whatsapp', address, 'Hello!');
    await afterDebounce(h);
    const id = await conversationIdOf(h, seed, 'whatsapp', address);
    await scheduleNow(id);
    await h.drainJobs();
    expect(await agentRuns(h, seed, id)).toHaveLength(1);
    expect(await outboundMessages(h, seed, id)).toHaveLength(1);
  });

  it('fails a run a crash left running and makes one new run for its triggers; a second interruption hands off', async () => {
    const address = newAddress();
    await setAgentMode(h, seed, 'whatsapp', 'off');
    await customerSays(h, seed, 'whatsapp', address, 'Hello!');
    await setAgentMode(h, seed, 'whatsapp', 'autonomous');
    const id = await conversationIdOf(h, seed, 'whatsapp', address);
    const [message] = await sql(h, 'SELECT id FROM messages WHERE tenant_id = $1 AND conversation_id = $2', [seed.tenant_id, id]);
    await leftoverRun(id, Number(message!.id), 'running', null);
    await scheduleNow(id);
    await h.drainJobs();
    const runs = await agentRuns(h, seed, id);
    expect(runs.map((run) => [run.status, run.error, run.trigger_message_ids])).toEqual([
      ['completed', null, [Number(message!.id)]],
      ['failed', 'interrupted', [Number(message!.id)]],
    ]);
    expect(await outboundMessages(h, seed, id)).toHaveLength(1);

    const other = newAddress();
    await setAgentMode(h, seed, 'whatsapp', 'off');
    await customerSays(h, seed, 'whatsapp', other, 'Hello!');
    await setAgentMode(h, seed, 'whatsapp', 'autonomous');
    const otherId = await conversationIdOf(h, seed, 'whatsapp', other);
    const [otherMessage] = await sql(h, 'SELECT id FROM messages WHERE tenant_id = $1 AND conversation_id = $2', [seed.tenant_id, otherId]);
    await leftoverRun(otherId, Number(otherMessage!.id), 'failed', 'interrupted');
    await leftoverRun(otherId, Number(otherMessage!.id), 'running', null);
    await scheduleNow(otherId);
    await h.drainJobs();
    const otherRuns = await agentRuns(h, seed, otherId);
    expect(otherRuns.map((run) => [run.status, run.outcome, run.error])).toEqual([
      ['failed', 'handoff', 'interrupted'],
      ['failed', null, 'interrupted'],
    ]);
    expect(await outboundMessages(h, seed, otherId)).toHaveLength(0);
    const agent = (await h.request({ url: `/api/v1/conversations/${otherId}/agent`, token: seed.access_token })).json.data;
    expect(agent).toMatchObject({ agent_disabled: true, agent_expires_at: null, agent_disabled_by_user_name: null });
  });
});
