/**
 * Agent runs with the OpenAI-compatible model client (docs/agent-runs.md), end to end: customer messages stored
 * through the inbound processor, the debounced `agent_run` job, the decision applied, the runs API. The model is
 * test/support/fake-llm.ts on 127.0.0.1.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { FakeLlm, recordedLlmTiming } from '../support/fake-llm.js';
import { FakeTelegram } from '../support/fake-telegram.js';
import { connectChannel } from '../support/outbound.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { afterDebounce, agentRuns, conversationIdOf, customerSays, outboundMessages, setAgentMode, blockOfRun } from '../support/agent-runs.js';
import { sql } from '../support/factories.js';

const fake = new FakeLlm();
/** The model client's backoff is recorded instead of waited for. */
const timing = recordedLlmTiming();
const telegram = new FakeTelegram();
let h: Harness;
let seed: SeedResult;
let serial = 0;

beforeAll(async () => {
  await fake.start();
  await telegram.start();
  h = await createHarness({ LLM_BASE_URL: fake.baseUrl, LLM_MODEL: 'gpt-4o-mini', TELEGRAM_API_URL: telegram.url }, { llmTiming: timing });
  seed = await h.seedTenant();
  await setAgentMode(h, seed, 'whatsapp', 'autonomous');
  await setAgentMode(h, seed, 'telegram', 'copilot');
});
afterAll(async () => {
  await h?.close();
  await fake.stop();
  await telegram.stop();
});
beforeEach(() => {
  fake.reset();
  telegram.reset();
  timing.sleeps.length = 0;
});

const newAddress = () => `+90532${String(process.pid % 1000).padStart(3, '0')}${String(++serial).padStart(4, '0')}`;
const agentState = async (id: number) => (await h.request({ url: `/api/v1/conversations/${id}/agent`, token: seed.access_token })).json.data;

describe('autonomous mode', () => {
  it('answers a customer message once the debounce has passed, through the outbound pipeline, and records the run', async () => {
    const address = newAddress();
    fake.decide({ reply: 'We open at 9.30.', handoff: false, spam: false, abusive: false, reason: 'Opening hours.' });
    await customerSays(h, seed, 'whatsapp', address, 'When do you open?');
    const id = await conversationIdOf(h, seed, 'whatsapp', address);
    h.clock.advance(2);
    await h.drainJobs();
    expect(fake.chats()).toHaveLength(0);
    await afterDebounce(h, 1.001);
    expect(fake.chats()).toHaveLength(1);
    const last = (fake.chats()[0]!.body.messages as Array<{ role: string; content: string }>).at(-1)!;
    expect(last).toEqual({ role: 'user', content: 'When do you open?' });

    const [reply] = await outboundMessages(h, seed, id);
    expect(reply).toMatchObject({ message: 'We open at 9.30.', user_id: null, user_name: null, source: 'agent', delivery_status: 'delivered' });
    expect(reply!.provider_message_id).toBe(`sandbox-${reply!.id}`);
    const [run] = await agentRuns(h, seed, id);
    expect(run).toMatchObject({
      conversation_id: id,
      channel_id: seed.channels.whatsapp,
      mode: 'autonomous',
      provider: 'openai_compatible',
      model: 'gpt-4o-mini',
      status: 'completed',
      outcome: 'replied',
      reply_message_id: Number(reply!.id),
      ai_suggestion_id: null,
      blacklist_entry_id: null,
      attempts: 1,
      prompt_tokens: 611,
      completion_tokens: 48,
      reason: 'Opening hours.',
      error: null,
    });
    expect(Object.keys(run)).toEqual([
      'id',
      'conversation_id',
      'channel_id',
      'mode',
      'provider',
      'model',
      'status',
      'outcome',
      'trigger_message_ids',
      'reply_message_id',
      'ai_suggestion_id',
      'blacklist_entry_id',
      'attempts',
      'latency_ms',
      'prompt_tokens',
      'completion_tokens',
      'reason',
      'error',
      'started_at',
      'finished_at',
    ]);
    expect(reply!.extra_metadata).toEqual({ agent_run_id: run.id });
    expect(run.trigger_message_ids).toHaveLength(1);
    const one = await h.request({ url: `/api/v1/agent-runs/${run.id}`, token: seed.access_token });
    expect(one.json).toEqual({ success: 'Agent run retrieved successfully.', data: run });
    // An AI reply neither pauses the agent nor clears the unread count.
    expect((await agentState(id)).agent_disabled).toBe(false);
    const [conversation] = await sql(h, 'SELECT unread_count, last_message FROM conversations WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, id]);
    expect(conversation).toEqual({ unread_count: 1, last_message: 'We open at 9.30.' });
  });

  it('answers two messages of a burst once, listing both as triggers', async () => {
    const address = newAddress();
    await customerSays(h, seed, 'whatsapp', address, 'Hello');
    h.clock.advance(2);
    await h.drainJobs();
    await customerSays(h, seed, 'whatsapp', address, 'Do you ship to Izmir?');
    await afterDebounce(h, 2);
    expect(fake.chats()).toHaveLength(0);
    await afterDebounce(h, 1.001);
    expect(fake.chats()).toHaveLength(1);
    const id = await conversationIdOf(h, seed, 'whatsapp', address);
    expect(await outboundMessages(h, seed, id)).toHaveLength(1);
    const runs = await agentRuns(h, seed, id);
    expect(runs).toHaveLength(1);
    expect(runs[0].trigger_message_ids).toHaveLength(2);
    expect((fake.chats()[0]!.body.messages as Array<{ content: string }>).at(-1)!.content).toBe('Hello\nDo you ship to Izmir?');
  });

  it('never pushes a run later than three debounce periods after it was first scheduled', async () => {
    const address = newAddress();
    for (let second = 0; second < 9; second += 2) {
      await customerSays(h, seed, 'whatsapp', address, `Message ${second}`);
      h.clock.advance(2);
      await h.drainJobs();
    }
    // Scheduled first at 0 s, capped at 9 s: the run happened at 10 s with the five messages sent by then.
    const id = await conversationIdOf(h, seed, 'whatsapp', address);
    const runs = await agentRuns(h, seed, id);
    expect(runs).toHaveLength(1);
    expect(runs[0].trigger_message_ids).toHaveLength(5);
  });

  it('does not answer in a paused conversation, and answers again once the pause has expired', async () => {
    const address = newAddress();
    await customerSays(h, seed, 'whatsapp', address, 'Hi there');
    const id = await conversationIdOf(h, seed, 'whatsapp', address);
    const paused = await h.request({
      method: 'POST',
      url: `/api/v1/conversations/${id}/agent/disable`,
      token: seed.access_token,
      body: { duration_minutes: 5 },
    });
    expect(paused.status).toBe(200);
    await afterDebounce(h);
    expect(fake.chats()).toHaveLength(0);
    expect(await outboundMessages(h, seed, id)).toHaveLength(0);
    // The pause moved the agent cursor past the waiting message: its job found nothing to answer and left no record.
    expect(await agentRuns(h, seed, id)).toEqual([]);
    await customerSays(h, seed, 'whatsapp', address, 'Still there?');
    await afterDebounce(h);
    expect(await agentRuns(h, seed, id)).toEqual([]);

    h.clock.advance(5 * 60);
    await customerSays(h, seed, 'whatsapp', address, 'Anyone?');
    await afterDebounce(h);
    const runs = await agentRuns(h, seed, id);
    expect(runs.map((run) => run.status)).toEqual(['completed']);
    // Only the message that arrived after the pause is answered.
    const [newest] = await sql(h, 'SELECT max(id) AS id FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND is_customer', [seed.tenant_id, id]);
    expect(runs[0].trigger_message_ids).toEqual([Number(newest!.id)]);
    expect(await outboundMessages(h, seed, id)).toHaveLength(1);
  });

  it('retries a failing model three times, then hands the conversation to the humans with the handoff message: never two replies', async () => {
    const address = newAddress();
    fake.fail(500, 'The server had an error.');
    fake.fail(500, 'The server had an error.');
    fake.fail(500, 'The server had an error.');
    await customerSays(h, seed, 'whatsapp', address, 'Where is my order?');
    await afterDebounce(h);
    expect(fake.chats()).toHaveLength(3);
    // 1 s and 3 s, each plus half of the 500 ms jitter (the recorded timing's random is 0.5).
    expect(timing.sleeps).toEqual([1250, 3250]);
    const id = await conversationIdOf(h, seed, 'whatsapp', address);
    const [run] = await agentRuns(h, seed, id);
    expect(run).toMatchObject({ status: 'failed', outcome: 'handoff', attempts: 3, error: '500: The server had an error.' });
    const messages = await outboundMessages(h, seed, id);
    expect(messages.map((message) => message.message)).toEqual(['Thanks for your message! A member of our team will reply shortly.']);
    expect(run.reply_message_id).toBe(Number(messages[0]!.id));
    expect(await agentState(id)).toMatchObject({ agent_disabled: true, agent_expires_at: null, agent_disabled_by_user_name: null });
    // Running the jobs again changes nothing.
    await afterDebounce(h);
    expect(await outboundMessages(h, seed, id)).toHaveLength(1);
    expect(await agentRuns(h, seed, id)).toHaveLength(1);
  });

  it("hands off on the model's handoff decision and blocks a spammer", async () => {
    const address = newAddress();
    fake.decide({ reply: '', handoff: true, spam: false, abusive: false, reason: 'Asks for a person.' });
    await customerSays(h, seed, 'whatsapp', address, 'I want to talk to a human');
    await afterDebounce(h);
    const id = await conversationIdOf(h, seed, 'whatsapp', address);
    expect((await agentRuns(h, seed, id))[0]).toMatchObject({ status: 'completed', outcome: 'handoff', reason: 'Asks for a person.' });
    expect((await outboundMessages(h, seed, id)).map((message) => message.message)).toEqual([
      'Thanks for your message! A member of our team will reply shortly.',
    ]);
    expect(await agentState(id)).toMatchObject({ agent_disabled: true, agent_expires_at: null });

    const spammer = newAddress();
    fake.decide({ reply: 'Buy now', handoff: false, spam: true, abusive: false, reason: 'Advertising.' });
    await customerSays(h, seed, 'whatsapp', spammer, 'Cheap followers at example.test');
    await afterDebounce(h);
    const spamId = await conversationIdOf(h, seed, 'whatsapp', spammer);
    const [run] = await agentRuns(h, seed, spamId);
    expect(run).toMatchObject({ status: 'completed', outcome: 'blocked', reason: 'Advertising.' });
    expect(await outboundMessages(h, seed, spamId)).toHaveLength(0);
    const entry = await blockOfRun(h, seed, run);
    expect(entry).toMatchObject({
      reason: 'llm_spam',
      note: 'Automatic block by the AI agent: Advertising.',
      metadata: { source: 'agent', agent_run_id: run.id, provider: 'openai_compatible', model: 'gpt-4o-mini', reason: 'Advertising.' },
    });
    // Later messages are quarantined: no new run.
    await customerSays(h, seed, 'whatsapp', spammer, 'Still there?');
    await afterDebounce(h);
    expect(await agentRuns(h, seed, spamId)).toHaveLength(1);
  });
});

describe('a run that meets newer messages', () => {
  /** Polls (with a deadline) until the model has received `count` requests. */
  async function untilAsked(count: number): Promise<void> {
    for (const deadline = Date.now() + 10_000; fake.chats().length < count; ) {
      if (Date.now() > deadline) throw new Error(`The model was asked ${fake.chats().length} times, not ${count}.`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Runs the due jobs while the model holds its answer back, and does `meanwhile` once the model has the request. */
  async function whileTheModelThinks(meanwhile: () => Promise<void>): Promise<void> {
    fake.hang(400);
    h.clock.advance(3.001);
    const drained = h.drainJobs();
    await untilAsked(1);
    await meanwhile();
    await drained;
    await h.drainJobs();
  }

  it('is superseded by a customer message that arrives while the model answers: one answer covers both', async () => {
    const address = newAddress();
    await customerSays(h, seed, 'whatsapp', address, 'Do you sell gift cards?');
    await whileTheModelThinks(() => customerSays(h, seed, 'whatsapp', address, 'For 50 euros?'));
    const id = await conversationIdOf(h, seed, 'whatsapp', address);
    const runs = await agentRuns(h, seed, id);
    expect(runs.map((run) => run.status)).toEqual(['completed', 'superseded']);
    expect(runs[0].trigger_message_ids).toHaveLength(2);
    expect(runs[1].trigger_message_ids).toEqual([runs[0].trigger_message_ids[0]]);
    expect(await outboundMessages(h, seed, id)).toHaveLength(1);
    expect(fake.chats()).toHaveLength(2);
  });

  it('applies the third run anyway after two superseded ones, so a customer who keeps typing gets an answer', async () => {
    const address = newAddress();
    await customerSays(h, seed, 'whatsapp', address, 'Message 1');
    fake.hang(300);
    fake.hang(300);
    fake.hang(300);
    h.clock.advance(3.001);
    const drained = h.drainJobs();
    for (let asked = 1; asked <= 3; asked++) {
      await untilAsked(asked);
      await customerSays(h, seed, 'whatsapp', address, `Message ${asked + 1}`);
    }
    await drained;
    await afterDebounce(h);
    const id = await conversationIdOf(h, seed, 'whatsapp', address);
    const runs = await agentRuns(h, seed, id);
    expect(runs.map((run) => [run.status, run.trigger_message_ids.length])).toEqual([
      ['completed', 1],
      ['completed', 3],
      ['superseded', 2],
      ['superseded', 1],
    ]);
    expect(await outboundMessages(h, seed, id)).toHaveLength(2);
  });

  it('is discarded when a person replies while the model answers', async () => {
    const address = newAddress();
    await customerSays(h, seed, 'whatsapp', address, 'Is my order shipped?');
    const id = await conversationIdOf(h, seed, 'whatsapp', address);
    await whileTheModelThinks(async () => {
      const sent = await h.request({
        method: 'POST',
        url: `/api/v1/conversations/${id}/messages`,
        token: seed.access_token,
        body: { message: 'Checking now.' },
      });
      expect(sent.status).toBe(200);
    });
    const [run] = await agentRuns(h, seed, id);
    expect(run).toMatchObject({ status: 'discarded', reason: 'human_replied', outcome: null, reply_message_id: null, attempts: 1 });
    expect((await outboundMessages(h, seed, id)).map((message) => message.source)).toEqual(['user']);
  });
});

describe('a channel with provider credentials', () => {
  it("delivers the agent's reply through the Telegram adapter", async () => {
    const tenant = await h.seedTenant();
    await connectChannel(
      h,
      tenant,
      'telegram',
      { agent_mode: 'autonomous' },
      { bot_token: '7000000002:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw', secret_token: 'hook' },
    );
    fake.decide({ reply: 'Yes, we deliver on Saturdays.', handoff: false, spam: false, abusive: false, reason: 'Delivery days.' });
    await customerSays(h, tenant, 'telegram', '531234567', 'Do you deliver on Saturdays?');
    await afterDebounce(h);
    const [call] = telegram.calls('telegram:sendMessage');
    expect(JSON.stringify(call!.body)).toBe('{"chat_id":531234567,"text":"Yes, we deliver on Saturdays."}');
    const id = await conversationIdOf(h, tenant, 'telegram', '531234567');
    const [reply] = await outboundMessages(h, tenant, id);
    expect(reply).toMatchObject({ source: 'agent', delivery_status: 'sent', provider_message_id: '531234567:101' });
  });
});

describe('copilot mode', () => {
  it('drafts a pending suggestion listing the triggers, and sends nothing', async () => {
    const address = `tg${process.pid}${++serial}`;
    fake.decide({ reply: 'Returns are free within 30 days.', handoff: false, spam: false, abusive: false, reason: 'Returns policy.' });
    await customerSays(h, seed, 'telegram', address, 'Can I return my shoes?');
    await afterDebounce(h);
    const id = await conversationIdOf(h, seed, 'telegram', address);
    const [run] = await agentRuns(h, seed, id);
    expect(run).toMatchObject({ mode: 'copilot', status: 'completed', outcome: 'suggested', reply_message_id: null });
    const suggestion = (await h.request({ url: `/api/v1/conversations/${id}/ai-suggestion`, token: seed.access_token })).json.data;
    expect(suggestion).toMatchObject({
      id: run.ai_suggestion_id,
      original_text: 'Returns are free within 30 days.',
      status: 'pending',
      pending_actions: [],
      trigger_chat_log_ids: run.trigger_message_ids,
      has_new_messages: false,
    });
    expect(await outboundMessages(h, seed, id)).toHaveLength(0);

    // A person sends it edited: the list shows it sent with the text that went out, and the agent is not paused.
    const sent = await h.request({
      method: 'POST',
      url: `/api/v1/conversations/${id}/ai-suggestion/send`,
      token: seed.access_token,
      body: { send_source: 'suggestion_edited', message: 'Returns are free within 30 days, in any store.' },
    });
    expect(sent.status, sent.body).toBe(200);
    const listed = (await h.request({ url: `/api/v1/conversations/${id}/ai-suggestions`, token: seed.access_token })).json.data;
    expect(listed.map((s: any) => [s.id, s.status, s.original_text, s.final_text, s.sent_at !== null])).toEqual([
      [run.ai_suggestion_id, 'sent', 'Returns are free within 30 days.', 'Returns are free within 30 days, in any store.', true],
    ]);
    const [message] = await outboundMessages(h, seed, id);
    expect(message).toMatchObject({ source: 'ai_suggestion' });
    expect((await agentState(id)).agent_disabled).toBe(false);
  });
  it('drafts the reply of a handoff with a handoff action, and hands off', async () => {
    const address = `tg${process.pid}${++serial}`;
    fake.decide({ reply: 'A colleague will check your refund.', handoff: true, spam: false, abusive: false, reason: 'Refund dispute.' });
    await customerSays(h, seed, 'telegram', address, 'I was charged twice');
    await afterDebounce(h);
    const id = await conversationIdOf(h, seed, 'telegram', address);
    const [run] = await agentRuns(h, seed, id);
    expect(run).toMatchObject({ mode: 'copilot', status: 'completed', outcome: 'handoff', reason: 'Refund dispute.' });
    const suggestion = (await h.request({ url: `/api/v1/conversations/${id}/ai-suggestion`, token: seed.access_token })).json.data;
    expect(suggestion).toMatchObject({
      id: run.ai_suggestion_id,
      original_text: 'A colleague will check your refund.',
      pending_actions: [{ type: 'handoff', reason: 'Refund dispute.' }],
    });
    expect(await agentState(id)).toMatchObject({ agent_disabled: true, agent_expires_at: null, agent_disabled_by_user_name: null });
    expect(await outboundMessages(h, seed, id)).toHaveLength(0);
  });
});

describe('the runs API', () => {
  it("answers 404 for an unknown run and another tenant's conversation", async () => {
    const other = await h.seedTenant();
    const [conversation] = await sql(h, 'SELECT id FROM conversations WHERE tenant_id = $1 LIMIT 1', [seed.tenant_id]);
    const foreign = await h.request({ url: `/api/v1/conversations/${conversation!.id}/agent-runs`, token: other.access_token });
    expect(foreign.status).toBe(404);
    const unknown = await h.request({ url: '/api/v1/agent-runs/999999999', token: seed.access_token });
    expect(unknown.json).toEqual({ error: 'not_found', message: 'Agent run not found.' });
  });
});
