/**
 * AI agent pause and AI suggestions (docs/domain-rules.md#conversations, docs/domain-rules.md#ai-agent-pause, docs/domain-rules.md#ai-suggestions, docs/request-checks.md#order-of-checks order of checks).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { NOT_FOUND_CONVERSATION, NOT_PAUSED, SUGGESTION_KEYS, apiTime, type AgentState } from '../support/shapes.js';
import { expectAgent as expectAgentOf, expectExactJson, expectValidationError } from '../support/assertions.js';
import { allConversations, conversationOn, getConversation, listedMessage, newConversation, sendText, sentMessageId } from '../support/requests.js';
import {
  applicationToken,
  insertMessage,
  memberAs,
  memberWith,
  messageCounts,
  setChannelSettings,
  setHandoffMinutes,
  sql,
  suggestionRow as suggestionRowOf,
  userName,
  createDraft,
} from '../support/factories.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const NO_SUGGESTION = { error: 'not_found', message: 'No pending AI suggestion for this conversation.' };
const at = (seconds: number) => apiTime(new Date(h.clock.now().getTime() + seconds * 1000));

const disable = (token: string, id: number, body?: unknown) => h.request({ method: 'POST', url: `/api/v1/conversations/${id}/agent/disable`, token, body });
const enable = (token: string, id: number) => h.request({ method: 'POST', url: `/api/v1/conversations/${id}/agent/enable`, token });
const suggestion = (token: string, id: number) => h.request({ url: `/api/v1/conversations/${id}/ai-suggestion`, token });
const sendSuggestion = (token: string, id: number, body: unknown) =>
  h.request({ method: 'POST', url: `/api/v1/conversations/${id}/ai-suggestion/send`, token, body });

const expectAgent = (seed: SeedResult, id: number, expected: AgentState) => expectAgentOf(h, seed, id, expected);

async function expectDisabled(token: string, id: number, body: unknown, message: string): Promise<void> {
  const response = await disable(token, id, body);
  expect(response.status, response.body).toBe(200);
  expectExactJson(response.json, { success: 'Agent disabled successfully.', data: { message } });
}

const draft = (seed: SeedResult, id: number, text: string, actions?: Array<{ type: string } & Record<string, unknown>>) =>
  createDraft(h, seed, id, text, actions);
const suggestionRow = (seed: SeedResult, id: number) => suggestionRowOf(h, seed, id);

describe('agent pause (docs/domain-rules.md#ai-agent-pause)', () => {
  it('a 90-minute pause counts down, rounding up, and ends at its expiry without any job', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const { id } = await conversationOn(h, seed, 'website');
    const owner = await userName(h, seed.user_id);
    await expectAgent(seed, id, NOT_PAUSED);
    const expires = at(5400);
    await expectDisabled(seed.access_token, id, { duration_minutes: 90 }, 'The AI agent is paused for 90 minutes.');
    await expectAgent(seed, id, [true, expires, owner, '90']);
    const steps: Array<[number, AgentState]> = [
      [5339, [true, expires, owner, '2']],
      [1, [true, expires, owner, '1']],
      [30, [true, expires, owner, '1']],
      [10, [true, expires, owner, '1']],
      [19, [true, expires, owner, '1']],
      [1, NOT_PAUSED],
      [3600, NOT_PAUSED],
    ];
    for (const [seconds, expected] of steps) {
      h.clock.advance(seconds);
      await expectAgent(seed, id, expected);
    }
  });

  it('1 minute, indefinite (absent or null), integer strings; a new disable replaces the pause; enable is idempotent', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const token = seed.access_token;
    const { id } = await conversationOn(h, seed, 'telegram');
    const owner = await userName(h, seed.user_id);
    const other = await memberAs(h, seed, 'Deniz Kaya', 'Agent');
    await expectDisabled(token, id, { duration_minutes: 1 }, 'The AI agent is paused for 1 minute.');
    await expectAgent(seed, id, [true, at(60), owner, '1']);
    await expectDisabled(other.token, id, { duration_minutes: '30' }, 'The AI agent is paused for 30 minutes.');
    await expectAgent(seed, id, [true, at(1800), 'Deniz Kaya', '30']);
    await expectDisabled(await applicationToken(h, seed), id, undefined, 'The AI agent is paused until it is enabled again.');
    await expectAgent(seed, id, [true, null, 'Demo App', null]);
    await expectDisabled(token, id, { duration_minutes: 525600 }, 'The AI agent is paused for 525600 minutes.');
    await expectAgent(seed, id, [true, at(525600 * 60), owner, '525600']);
    await expectDisabled(other.token, id, { duration_minutes: null }, 'The AI agent is paused until it is enabled again.');
    h.clock.advance(20 * 86400);
    await expectAgent(seed, id, [true, null, 'Deniz Kaya', null]);
    const enabled = { success: 'Agent enabled successfully.', data: { message: 'The AI agent is enabled.' } };
    for (let round = 0; round < 2; round++) {
      const response = await enable(token, id);
      expect(response.status, response.body).toBe(200);
      expectExactJson(response.json, enabled);
      await expectAgent(seed, id, NOT_PAUSED);
    }
    await expectDisabled(token, id, { duration_minutes: 5.0 }, 'The AI agent is paused for 5 minutes.');
    await expectAgent(seed, id, [true, at(300), owner, '5']);
  });

  it('422 for bad durations, changing nothing; 404 for another tenant’s conversation', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const other = await h.seedTenant({ conversations: 4 });
    const { id } = await conversationOn(h, seed, 'telegram');
    await expectDisabled(seed.access_token, id, { duration_minutes: 10 }, 'The AI agent is paused for 10 minutes.');
    const paused: AgentState = [true, at(600), await userName(h, seed.user_id), '10'];
    const integer = 'The duration minutes field must be an integer.';
    const cases: Array<[unknown, string]> = [
      [1.5, integer],
      ['abc', integer],
      [true, integer],
      [false, integer],
      ['05', integer],
      [[5], integer],
      [{}, integer],
      ['1e1', integer],
      [9007199254740992, integer],
      ['9007199254740992', integer],
      [0, 'The duration minutes field must be at least 1.'],
      [-5, 'The duration minutes field must be at least 1.'],
      [525601, 'The duration minutes field must not be greater than 525600.'],
    ];
    for (const [value, message] of cases)
      expectValidationError(await disable(seed.access_token, id, { duration_minutes: value }), { duration_minutes: [message] });
    await expectAgent(seed, id, paused);
    const foreign = await conversationOn(h, other, 'telegram');
    const base = `/api/v1/conversations/${foreign.id}`;
    for (const [method, url, body] of [
      ['GET', '/agent'],
      ['POST', '/agent/disable', { duration_minutes: 0 }],
      ['POST', '/agent/enable'],
      ['GET', '/ai-suggestion'],
      ['POST', '/ai-suggestion/send', {}],
    ] as const) {
      const response = await h.request({ method, url: base + url, body, token: seed.access_token });
      expect(response.status, `${url}: ${response.body}`).toBe(404);
      expectExactJson(response.json, NOT_FOUND_CONVERSATION);
    }
    await expectAgent(other, foreign.id, NOT_PAUSED);
  });
});

describe('human handoff (docs/domain-rules.md#messages)', () => {
  it('a send on an autonomous or copilot channel pauses the agent for 60 minutes by the sender; off does nothing', async () => {
    const seed = await h.seedTenant({ conversations: 12 });
    await setChannelSettings(h, seed.tenant_id, seed.channels.telegram, { agent_mode: 'autonomous' });
    await setChannelSettings(h, seed.tenant_id, seed.channels.website, { agent_mode: 'copilot' });
    const telegram = await conversationOn(h, seed, 'telegram');
    await sentMessageId(h, seed.access_token, telegram.id, 'A human answers');
    await expectAgent(seed, telegram.id, [true, at(3600), await userName(h, seed.user_id), '60']);
    const website = await conversationOn(h, seed, 'website');
    expect((await sendText(h, await applicationToken(h, seed), website.id, { message: 'The app answers' })).status).toBe(200);
    await expectAgent(seed, website.id, [true, at(3600), 'Demo App', '60']);
    const off = await newConversation(h, seed, 'whatsapp', '+90 532 765 43 21');
    await insertMessage(h, seed.tenant_id, off);
    await sentMessageId(h, seed.access_token, off, 'No agent here');
    await expectAgent(seed, off, NOT_PAUSED);
    // The tenant's agent.handoff_pause_minutes sets the length.
    await setHandoffMinutes(h, seed.tenant_id, 15);
    const [, second] = await allConversations(h, seed, '?channel_type=telegram');
    await sentMessageId(h, seed.access_token, second.id, 'Short handoff');
    await expectAgent(seed, second.id, [true, at(900), await userName(h, seed.user_id), '15']);
  });

  it('leaves a pause in effect as it is; an expired pause is replaced', async () => {
    const seed = await h.seedTenant({ conversations: 12 });
    await setChannelSettings(h, seed.tenant_id, seed.channels.telegram, { agent_mode: 'autonomous' });
    const [timed, indefinite, expired] = await allConversations(h, seed, '?channel_type=telegram');
    const other = await memberAs(h, seed, 'Other Pauser', 'Agent');
    await expectDisabled(other.token, timed.id, { duration_minutes: 10 }, 'The AI agent is paused for 10 minutes.');
    await expectDisabled(other.token, indefinite.id, {}, 'The AI agent is paused until it is enabled again.');
    await expectDisabled(other.token, expired.id, { duration_minutes: 1 }, 'The AI agent is paused for 1 minute.');
    const tenMinutes = at(600);
    h.clock.advance(61);
    for (const conversation of [timed, indefinite, expired]) await sentMessageId(h, seed.access_token, conversation.id, 'Human reply');
    await expectAgent(seed, timed.id, [true, tenMinutes, 'Other Pauser', '9']);
    await expectAgent(seed, indefinite.id, [true, null, 'Other Pauser', null]);
    await expectAgent(seed, expired.id, [true, at(3600), await userName(h, seed.user_id), '60']);
  });
});

describe('AI suggestions (docs/domain-rules.md#ai-suggestions)', () => {
  it('404 without a draft; the resource; has_new_messages on a newer customer message; a new draft supersedes', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const token = seed.access_token;
    const { id } = await conversationOn(h, seed, 'telegram');
    const none = await suggestion(token, id);
    expect(none.status).toBe(404);
    expectExactJson(none.json, NO_SUGGESTION);
    const created = apiTime(h.clock.now());
    const first = await draft(seed, id, 'Siparişiniz yarın teslim edilecek.', [{ type: 'handoff', reason: 'billing' }]);
    expect(first.triggers.length).toBeGreaterThan(0);
    const expected = {
      id: first.id,
      conversation_id: id,
      original_text: 'Siparişiniz yarın teslim edilecek.',
      final_text: null,
      status: 'pending',
      rating: null,
      pending_actions: [{ type: 'handoff', reason: 'billing' }],
      trigger_chat_log_ids: first.triggers,
      has_new_messages: false,
      sent_at: null,
      created_at: created,
      updated_at: created,
    };
    h.clock.advance(5);
    const response = await suggestion(token, id);
    expect(response.status, response.body).toBe(200);
    expect(Object.keys(response.json.data)).toEqual(SUGGESTION_KEYS);
    expectExactJson(response.json, { success: 'AI suggestion retrieved successfully.', data: expected });
    await sentMessageId(h, token, id, 'An outbound message is not a new customer message');
    expectExactJson((await suggestion(token, id)).json.data, expected);
    await insertMessage(h, seed.tenant_id, id, { text: 'Are you there?' });
    expectExactJson((await suggestion(token, id)).json.data, { ...expected, has_new_messages: true });
    const second = await draft(seed, id, 'Yes, I am here.');
    const latest = (await suggestion(token, id)).json.data;
    expect([latest.id, latest.status, latest.has_new_messages, latest.pending_actions]).toEqual([second.id, 'pending', false, []]);
    expect(latest.trigger_chat_log_ids).toEqual(second.triggers);
    expect((await suggestionRow(seed, first.id)).status).toBe('superseded');
  });

  it('sends as is and edited: stored like a user send with source ai_suggestion, draft sent, no handoff pause, then 404', async () => {
    const seed = await h.seedTenant({ conversations: 8 });
    const token = seed.access_token;
    const owner = await userName(h, seed.user_id);
    await setChannelSettings(h, seed.tenant_id, seed.channels.telegram, { agent_mode: 'copilot' });
    const conversations = await allConversations(h, seed, '?channel_type=telegram');
    for (const [conversation, body, text] of [
      [conversations[0], { send_source: 'suggestion_as_is', message: 'ignored for as_is', take_over_agent: false }, 'Draft as written'],
      [conversations[1], { send_source: 'suggestion_edited', message: '  Edited by a human  ', take_over_agent: '0' }, 'Edited by a human'],
    ] as const) {
      const { id: suggestionId } = await draft(seed, conversation.id, 'Draft as written');
      const counts = await messageCounts(h, seed.tenant_id, conversation.id);
      h.clock.advance(30);
      const now = apiTime(h.clock.now());
      const response = await sendSuggestion(token, conversation.id, body);
      expect(response.status, response.body).toBe(200);
      const messageId = Number(response.json.data.message_id);
      expectExactJson(response.json, {
        success: 'AI suggestion sent successfully.',
        data: { status: 'queued', message_id: String(messageId), conversation_id: String(conversation.id) },
      });
      const row = await listedMessage(h, token, conversation.id, messageId);
      expect([row.user_id, row.user_name, row.is_customer, row.message_type, row.message, row.created_at]).toEqual([
        seed.user_id,
        owner,
        false,
        'text',
        text,
        now,
      ]);
      expect(row.metadata).toBe(
        JSON.stringify({
          source: 'ai_suggestion',
          provider: 'telegram',
          provider_message_id: null,
          provider_timestamp: null,
          quoted_message_id: null,
          delivery_status: 'queued',
          failure_reason: null,
          delivery_updated_at: now,
          ai_suggestion_id: suggestionId,
        }),
      );
      expectExactJson(await getConversation(h, token, conversation.id), {
        ...conversation,
        last_message_id: String(messageId),
        last_message: text,
        last_message_at: now,
        last_message_type: 'text',
        last_message_is_customer: false,
      });
      expect(await messageCounts(h, seed.tenant_id, conversation.id)).toEqual({ counter: counts.counter + 1, rows: counts.rows + 1 });
      const stored = await suggestionRow(seed, suggestionId);
      expect([stored.status, stored.final_text, apiTime(new Date(stored.sent_at))]).toEqual(['sent', text, now]);
      await expectAgent(seed, conversation.id, NOT_PAUSED);
      const after = await suggestion(token, conversation.id);
      expect(after.status).toBe(404);
      expectExactJson(after.json, NO_SUGGESTION);
    }
  });

  it('lists every suggestion of the conversation newest first: a sent one with final_text and sent_at; 404 for another tenant', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const other = await h.seedTenant();
    await setChannelSettings(h, seed.tenant_id, seed.channels.telegram, { agent_mode: 'copilot' });
    const [conversation] = await allConversations(h, seed, '?channel_type=telegram');
    const list = (token: string, id: number, query = '') => h.request({ url: `/api/v1/conversations/${id}/ai-suggestions${query}`, token });

    const empty = await list(seed.access_token, conversation.id);
    expect([empty.status, empty.json.data, empty.json.meta.total]).toEqual([200, [], 0]);

    const first = await draft(seed, conversation.id, 'First draft');
    h.clock.advance(5);
    const second = await draft(seed, conversation.id, 'Second draft'); // supersedes the first
    h.clock.advance(5);
    const sentAt = apiTime(h.clock.now());
    expect((await sendSuggestion(seed.access_token, conversation.id, { send_source: 'suggestion_edited', message: 'Sent, edited' })).status).toBe(200);
    h.clock.advance(5);
    const third = await draft(seed, conversation.id, 'Third draft');

    const page = await list(seed.access_token, conversation.id);
    expect(page.status, page.body).toBe(200);
    expect(page.json.data.map((s: any) => [Number(s.id), s.status, s.original_text, s.final_text, s.sent_at])).toEqual([
      [third.id, 'pending', 'Third draft', null, null],
      [second.id, 'sent', 'Second draft', 'Sent, edited', sentAt],
      [first.id, 'superseded', 'First draft', null, null],
    ]);
    expectExactJson(page.json.data[0], (await suggestion(seed.access_token, conversation.id)).json.data);
    const paged = await list(seed.access_token, conversation.id, '?per_page=2&page=2');
    expect([paged.json.data.map((s: any) => Number(s.id)), paged.json.meta.total, paged.json.meta.last_page]).toEqual([[first.id], 3, 2]);

    const foreign = await list(other.access_token, conversation.id);
    expect([foreign.status, foreign.json.error]).toEqual([404, 'not_found']);
  });

  it('take_over_agent pauses indefinitely by the sender, replacing a pause; without manage_agent it is 403', async () => {
    const seed = await h.seedTenant({ conversations: 8 });
    const [first, second] = await allConversations(h, seed, '?channel_type=website');
    const owner = await userName(h, seed.user_id);
    await expectDisabled(seed.access_token, first.id, { duration_minutes: 30 }, 'The AI agent is paused for 30 minutes.');
    await draft(seed, first.id, 'Take it over');
    const taken = await sendSuggestion(seed.access_token, first.id, { send_source: 'suggestion_as_is', take_over_agent: true });
    expect(taken.status, taken.body).toBe(200);
    await expectAgent(seed, first.id, [true, null, owner, null]);

    const replier = await memberWith(h, seed, 'Rita Reply', ['conversations.view', 'conversations.reply']);
    await draft(seed, second.id, 'Limited sender');
    const counts = await messageCounts(h, seed.tenant_id, second.id);
    for (const flag of [true, 1, '1']) {
      const denied = await sendSuggestion(replier.token, second.id, { send_source: 'suggestion_as_is', take_over_agent: flag });
      expect(denied.status, denied.body).toBe(403);
      expectExactJson(denied.json, { error: 'forbidden', message: 'You do not have permission to perform this action.' });
    }
    expect(await messageCounts(h, seed.tenant_id, second.id)).toEqual(counts);
    expect((await suggestion(replier.token, second.id)).status).toBe(200);
    const allowed = await sendSuggestion(replier.token, second.id, { send_source: 'suggestion_as_is', take_over_agent: null });
    expect(allowed.status, allowed.body).toBe(200);
    expect((await listedMessage(h, seed.access_token, second.id, Number(allowed.json.data.message_id))).user_name).toBe('Rita Reply');
    await expectAgent(seed, second.id, NOT_PAUSED);
  });

  it('answers the 422s of docs/domain-rules.md#ai-suggestions (all fields at once) and stores nothing', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const token = seed.access_token;
    const { id } = await conversationOn(h, seed, 'telegram');
    const { id: suggestionId } = await draft(seed, id, 'Pending draft');
    const counts = await messageCounts(h, seed.tenant_id, id);
    const requiredIf = 'The message field is required when send source is suggestion_edited.';
    const tooLong = 'The message field must not be greater than 4096 characters.';
    const boolean = 'The take over agent field must be true or false.';
    const invalid = 'The selected send source is invalid.';
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{}, { send_source: ['The send source field is required.'] }],
      [{ send_source: null }, { send_source: ['The send source field is required.'] }],
      [{ send_source: 'whatever' }, { send_source: [invalid] }],
      [{ send_source: 'Suggestion_As_Is' }, { send_source: [invalid] }],
      [{ send_source: ['suggestion_as_is'] }, { send_source: [invalid] }],
      [{ send_source: 'suggestion_edited' }, { message: [requiredIf] }],
      [{ send_source: 'suggestion_edited', message: null }, { message: [requiredIf] }],
      [{ send_source: 'suggestion_edited', message: '  ' }, { message: [requiredIf] }],
      [{ send_source: 'suggestion_edited', message: 'x'.repeat(4097) }, { message: [tooLong] }],
      [{ send_source: 'suggestion_as_is', message: 'x'.repeat(4097) }, { message: [tooLong] }],
      [{ send_source: 'suggestion_as_is', message: 7 }, { message: ['The message field must be a string.'] }],
      [{ send_source: 'suggestion_as_is', take_over_agent: 'maybe' }, { take_over_agent: [boolean] }],
      [{ send_source: 'suggestion_as_is', take_over_agent: 'true' }, { take_over_agent: [boolean] }],
      [{ send_source: 'suggestion_as_is', take_over_agent: 2 }, { take_over_agent: [boolean] }],
      [
        { send_source: 'whatever', message: 'x'.repeat(4097), take_over_agent: 'maybe' },
        { send_source: [invalid], message: [tooLong], take_over_agent: [boolean] },
      ],
      [
        { message: 'fine', take_over_agent: 'yes' },
        { send_source: ['The send source field is required.'], take_over_agent: [boolean] },
      ],
    ];
    for (const [body, errors] of cases) expectValidationError(await sendSuggestion(token, id, body), errors);
    expect(await messageCounts(h, seed.tenant_id, id)).toEqual(counts);
    expect((await suggestion(token, id)).json.data.id).toBe(suggestionId);
    await expectAgent(seed, id, NOT_PAUSED);
    const longest = 'ü'.repeat(4096);
    expect((await sendSuggestion(token, id, { send_source: 'suggestion_edited', message: longest })).status).toBe(200);
    expect((await suggestionRow(seed, suggestionId)).final_text).toBe(longest);
  });

  it('checks in the order 404 → 422 → 403 → 404 (no draft) → channel_inactive / reply_window_closed', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const { id } = await conversationOn(h, seed, 'telegram');
    const replier = await memberWith(h, seed, 'Limited Replier', ['conversations.view', 'conversations.reply']);
    const status = async (token: string, conversationId: number, body: unknown, expected: number, json?: object) => {
      const response = await sendSuggestion(token, conversationId, body);
      expect(response.status, response.body).toBe(expected);
      if (json) expectExactJson(response.json, json);
    };
    await status(replier.token, 999_999_999, { send_source: 'whatever', take_over_agent: true }, 404, NOT_FOUND_CONVERSATION);
    await status(replier.token, id, { send_source: 'whatever', take_over_agent: true }, 422);
    await status(replier.token, id, { send_source: 'suggestion_as_is', take_over_agent: true }, 403);
    await sql(h, 'UPDATE channels SET is_active = false WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, seed.channels.telegram]);
    await status(seed.access_token, id, { send_source: 'suggestion_as_is' }, 404, NO_SUGGESTION);
    const { id: suggestionId } = await draft(seed, id, 'Blocked by the channel');
    await status(seed.access_token, id, { send_source: 'suggestion_as_is', take_over_agent: true }, 422, {
      error: 'channel_inactive',
      message: 'This channel is switched off.',
      errors: { message: ['This channel is switched off.'] },
    });
    const wa = await newConversation(h, seed, 'whatsapp', '+90 532 444 55 66');
    await draft(seed, wa, 'No window');
    const text = 'This WhatsApp conversation has no open reply window. The customer has to write first.';
    await status(seed.access_token, wa, { send_source: 'suggestion_as_is', take_over_agent: true }, 422, {
      error: 'reply_window_closed',
      message: text,
      errors: { message: [text] },
    });
    for (const conversationId of [id, wa]) {
      expect((await suggestion(seed.access_token, conversationId)).status).toBe(200);
      await expectAgent(seed, conversationId, NOT_PAUSED);
    }
    expect((await suggestionRow(seed, suggestionId)).status).toBe('pending');
    expect((await messageCounts(h, seed.tenant_id, wa)).rows).toBe(0);
  });

  it('two concurrent sends of one draft: exactly one 200 and one 404', async () => {
    const seed = await h.seedTenant({ conversations: 4 });
    const { id } = await conversationOn(h, seed, 'website');
    for (let round = 0; round < 3; round++) {
      const { id: suggestionId } = await draft(seed, id, `Only once ${round}`);
      const counts = await messageCounts(h, seed.tenant_id, id);
      const responses = await Promise.all([1, 2].map(() => sendSuggestion(seed.access_token, id, { send_source: 'suggestion_as_is' })));
      expect(responses.map((response) => response.status).sort()).toEqual([200, 404]);
      expectExactJson(responses.find((response) => response.status === 404)!.json, NO_SUGGESTION);
      expect(await messageCounts(h, seed.tenant_id, id)).toEqual({ counter: counts.counter + 1, rows: counts.rows + 1 });
      expect((await suggestionRow(seed, suggestionId)).status).toBe('sent');
      expect((await listedMessage(h, seed.access_token, id, Number(responses.find((r) => r.status === 200)!.json.data.message_id))).message).toBe(
        `Only once ${round}`,
      );
    }
  });
});
