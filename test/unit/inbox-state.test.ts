/**
 * The inbox app's state logic (web/src/state, docs/inbox.md), without a browser: the list's order and live merge, the
 * event stream's parser and resume by id, the thread's merge, and the texts that follow the clock.
 */
import { describe, expect, it } from 'vitest';
import { applyConversation, compareConversations, mergePage, nextConversation, nextUnread } from '../../web/src/state/conversations.js';
import { EventCursor, reconnectDelayMs, StreamParser } from '../../web/src/state/events.js';
import { applyEvent, type LiveState } from '../../web/src/state/live.js';
import { authorOf, deliveryName, mergeMessages, parseMetadata, visiblePending } from '../../web/src/state/messages.js';
import { codePoints, initials, linkify, remainingText, rowDescription, unreadBadge } from '../../web/src/state/format.js';
import { agentStateText, blockStatusText, replyWindowNotice } from '../../web/src/state/status-text.js';
import type { Conversation, Message } from '../../web/src/state/types.js';

function conversation(id: number, lastAt: string | null, overrides: Partial<Conversation> = {}): Conversation {
  return {
    id,
    display_name: `Customer ${id}`,
    address: `+1555000${id}`,
    last_message_id: lastAt ? String(id * 10) : null,
    last_message: lastAt ? `Message ${id}` : null,
    last_message_at: lastAt,
    last_message_type: lastAt ? 'text' : null,
    last_message_is_customer: lastAt ? true : null,
    unread_count: '0',
    agent_disabled: false,
    agent_expires_at: null,
    agent_disabled_by_user_name: null,
    customer: { id: id + 100, first_name: 'Customer', last_name: String(id), phone_number: null, avatar_url: null },
    channel: { id: 1, name: 'Support WhatsApp', type: 'whatsapp', address: '+1555' },
    blacklist: null,
    ...overrides,
  };
}

function message(id: number, createdAt: string, overrides: Partial<Message> = {}): Message {
  return {
    id,
    conversation_id: 7,
    user_id: null,
    user_name: null,
    is_customer: true,
    message_type: 'text',
    message: `Text ${id}`,
    quoted_text: null,
    is_deleted: false,
    is_edited: false,
    edited_by_user_name: null,
    deleted_by_user_name: null,
    read_at: null,
    metadata: null,
    created_at: createdAt,
    file: null,
    ...overrides,
  };
}

const ids = (rows: { id: number }[]) => rows.map((row) => row.id);
const noFilters = { search: '', channelType: '' };

describe('the conversation list', () => {
  it('orders as the API: newest message first, none last, then id descending', () => {
    const rows = [
      conversation(1, null),
      conversation(2, '2026-11-24T10:00:00Z'),
      conversation(3, '2026-11-24T10:00:00Z'),
      conversation(4, '2026-11-24T11:00:00Z'),
      conversation(5, null),
    ];
    expect(ids([...rows].sort(compareConversations))).toEqual([4, 3, 2, 5, 1]);
  });

  it('keeps rows unique by id across shifting pages, the newer copy winning', () => {
    const first = [conversation(3, '2026-11-24T12:00:00Z'), conversation(2, '2026-11-24T11:00:00Z')];
    const second = [conversation(2, '2026-11-24T11:00:00Z', { unread_count: '4' }), conversation(1, '2026-11-24T10:00:00Z')];
    const merged = mergePage(first, second);
    expect(ids(merged)).toEqual([3, 2, 1]);
    expect(merged[1]!.unread_count).toBe('4');
  });

  it('a live update replaces and re-sorts a loaded row', () => {
    const rows = [conversation(3, '2026-11-24T12:00:00Z'), conversation(2, '2026-11-24T11:00:00Z')];
    const update = applyConversation(rows, conversation(2, '2026-11-24T13:00:00Z'), noFilters);
    expect(ids(update.rows)).toEqual([2, 3]);
    expect(update.staleSearch).toBe(false);
  });

  it('a row not loaded is inserted only without a search, for the filtered channel, and before the last loaded row', () => {
    const rows = [conversation(3, '2026-11-24T12:00:00Z'), conversation(2, '2026-11-24T11:00:00Z')];
    expect(ids(applyConversation(rows, conversation(9, '2026-11-24T11:30:00Z'), noFilters).rows)).toEqual([3, 9, 2]);
    // Older than every loaded row: a later page brings it.
    expect(ids(applyConversation(rows, conversation(8, '2026-11-24T09:00:00Z'), noFilters).rows)).toEqual([3, 2]);
    expect(ids(applyConversation(rows, conversation(9, '2026-11-24T11:30:00Z'), { search: '', channelType: 'telegram' }).rows)).toEqual([3, 2]);
    const searching = applyConversation(rows, conversation(9, '2026-11-24T11:30:00Z'), { search: 'elif', channelType: '' });
    expect([ids(searching.rows), searching.staleSearch]).toEqual([[3, 2], true]);
  });

  it('j, k and e pick the next, previous and next unread row; nothing past the end', () => {
    const rows = [
      conversation(5, '2026-11-24T15:00:00Z'),
      conversation(4, '2026-11-24T14:00:00Z'),
      conversation(3, '2026-11-24T13:00:00Z', { unread_count: '2' }),
    ];
    expect(nextConversation(rows, null, 1)?.id).toBe(5);
    expect(nextConversation(rows, null, -1)?.id).toBe(5);
    expect(nextConversation(rows, 5, 1)?.id).toBe(4);
    expect(nextConversation(rows, 4, -1)?.id).toBe(5);
    expect(nextConversation(rows, 3, 1)).toBeNull();
    expect(nextUnread(rows, 5)?.id).toBe(3);
    expect(nextUnread(rows, 3)).toBeNull();
    expect(
      nextUnread(
        rows.map((row) => ({ ...row, unread_count: '0' })),
        5,
      )?.id,
    ).toBe(4);
  });

  it('describes a row for assistive technology as the rules say', () => {
    const row = conversation(1, '2026-11-24T10:00:00Z', { unread_count: '3', agent_disabled: true, blacklist: {} as never });
    expect(rowDescription(row)).toBe('3 unread. Support WhatsApp. Message 1 AI paused. Blocked.');
    expect(rowDescription(conversation(2, '2026-11-24T10:00:00Z', { last_message: null, last_message_type: 'image' }))).toBe('Support WhatsApp. [image]');
    expect([unreadBadge(99), unreadBadge(100)]).toEqual(['99', '99+']);
    expect([initials('Elif Demir'), initials('@kaan'), initials('  ')]).toEqual(['ED', '@', '?']);
  });
});

describe('the event stream', () => {
  it('parses blocks split anywhere, skipping comments', () => {
    const parser = new StreamParser();
    const text =
      'retry: 3000\n\nevent: ready\ndata: {"last_event_id":4}\n\n: ping\n\nid: 5\nevent: message.created\ndata: {"id":5,"type":"message.created"}\n\nid: 6\n\n';
    const blocks = [...text].flatMap((character) => parser.push(character));
    expect(blocks.map((block) => [block.id, block.event, block.data, block.retry])).toEqual([
      [null, 'message', null, 3000],
      [null, 'ready', '{"last_event_id":4}', null],
      ['5', 'message.created', '{"id":5,"type":"message.created"}', null],
      ['6', 'message', null, null],
    ]);
  });

  it('resumes by id: after a reconnect, replayed events at or below the last id are not applied again', () => {
    const cursor = new EventCursor();
    const block = (id: number) => ({
      id: String(id),
      event: 'message.created',
      data: JSON.stringify({ id, type: 'message.created', timestamp: '', data: {} }),
      retry: null,
    });
    expect(cursor.accept(block(5))?.id).toBe(5);
    expect(cursor.accept(block(6))?.id).toBe(6);
    // An id-only block of skipped events moves the cursor without an event.
    expect(cursor.accept({ id: '9', event: 'message', data: null, retry: null })).toBeNull();
    expect(cursor.lastEventId).toBe(9);
    // The reconnect with Last-Event-ID 9 overlaps: 8 and 9 again, then 10.
    expect([cursor.accept(block(8)), cursor.accept(block(9)), cursor.accept(block(10))?.id]).toEqual([null, null, 10]);
    expect(cursor.accept({ id: null, event: 'closing', data: '{"reason":"shutdown"}', retry: null })).toBeNull();
    cursor.reset(40);
    expect(cursor.accept(block(40))).toBeNull();
  });

  it('reconnects after 1, 2, 4 … up to 30 s, with full jitter', () => {
    expect([0, 1, 2, 5, 20].map((failures) => reconnectDelayMs(failures, () => 0.999999))).toEqual([999, 1999, 3999, 29999, 29999]);
    expect(reconnectDelayMs(3, () => 0)).toBe(0);
  });

  it('merges events into the list and the open thread, each message once, whatever the order', () => {
    const open = conversation(7, '2026-11-24T10:00:00Z');
    let state: LiveState = {
      rows: [conversation(8, '2026-11-24T11:00:00Z'), open],
      staleSearch: false,
      open,
      messages: [message(1, '2026-11-24T10:00:00Z')],
      suggestion: null,
    };
    const event = (id: number, type: string, data: unknown) => ({ id, type, timestamp: '2026-11-24T12:00:00Z', data });
    const reply = message(2, '2026-11-24T12:00:00Z', { is_customer: false });
    state = applyEvent(state, event(1, 'message.created', reply), noFilters);
    state = applyEvent(state, event(2, 'message.delivery_status_changed', { ...reply, metadata: '{"delivery_status":"sent"}' }), noFilters);
    state = applyEvent(state, event(3, 'conversation.updated', { ...open, last_message_at: '2026-11-24T12:00:00Z', unread_count: '0' }), noFilters);
    state = applyEvent(state, event(4, 'message.created', message(99, '2026-11-24T12:00:00Z', { conversation_id: 8 })), noFilters);
    state = applyEvent(state, event(5, 'something.new', {}), noFilters);
    expect(ids(state.messages)).toEqual([1, 2]);
    expect(deliveryName(state.messages[1]!)).toBe('Sent');
    expect(ids(state.rows)).toEqual([7, 8]);
    expect(state.open?.last_message_at).toBe('2026-11-24T12:00:00Z');
    const draft = {
      id: 3,
      conversation_id: 7,
      original_text: 'Hi',
      status: 'pending' as const,
      pending_actions: [],
      trigger_chat_log_ids: [1],
      has_new_messages: false,
    };
    state = applyEvent(state, event(6, 'ai_suggestion.created', draft), noFilters);
    expect(state.suggestion?.id).toBe(3);
    state = applyEvent(state, event(7, 'ai_suggestion.updated', { ...draft, status: 'sent' }), noFilters);
    expect(state.suggestion).toBeNull();
    state = applyEvent(state, event(8, 'customer.updated', { id: 107, first_name: 'Elif', last_name: null, phone_number: null }), noFilters);
    expect([state.open?.display_name, state.rows[0]!.display_name]).toEqual(['Elif', 'Elif']);
  });
});

describe('the thread', () => {
  it('orders oldest first by (created_at, id), unique by id', () => {
    const merged = mergeMessages(
      [message(3, '2026-11-24T10:00:00Z'), message(1, '2026-11-24T09:00:00Z')],
      [message(2, '2026-11-24T10:00:00Z'), message(3, '2026-11-24T10:00:00Z', { is_edited: true })],
    );
    expect(ids(merged)).toEqual([1, 2, 3]);
    expect(merged[2]!.is_edited).toBe(true);
  });

  it('drops an optimistic bubble once its message is in the thread, whichever came first', () => {
    const pending = [
      { key: 'a', text: 'Hi', messageId: 5 },
      { key: 'b', text: 'Still sending', messageId: null },
    ];
    expect(visiblePending(pending, [message(5, '2026-11-24T10:00:00Z')]).map((send) => send.key)).toEqual(['b']);
  });

  it('names authors and reads metadata leniently', () => {
    const at = '2026-11-24T10:00:00Z';
    expect(authorOf(message(1, at), 'Elif Demir', 'Support WhatsApp')).toBe('Elif Demir');
    expect(authorOf(message(2, at, { is_customer: false, metadata: '{"source":"agent"}' }), 'Elif', 'Support WhatsApp')).toBe('AI agent');
    expect(authorOf(message(3, at, { is_customer: false, metadata: '{"source":"provider_app"}' }), 'Elif', 'Support WhatsApp')).toBe('Support WhatsApp app');
    expect(authorOf(message(4, at, { is_customer: false, user_name: 'Deniz Kaya', metadata: '{"source":"user"}' }), 'Elif', 'X')).toBe('Deniz Kaya');
    expect([parseMetadata('not json'), parseMetadata('[1]'), parseMetadata(null)]).toEqual([{}, {}, {}]);
  });

  it('links only http and https URLs, leaving everything else text', () => {
    expect(linkify('See https://example.com/a?b=1. Or javascript:alert(1) and <b>bold</b>')).toEqual([
      { kind: 'text', text: 'See ' },
      { kind: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { kind: 'text', text: '. Or javascript:alert(1) and <b>bold</b>' },
    ]);
    expect(linkify('data:text/html,hi')).toEqual([{ kind: 'text', text: 'data:text/html,hi' }]);
  });

  it('counts code points like the API (an emoji counts 1)', () => {
    expect(codePoints('a😀b')).toBe(3);
  });
});

describe('texts that follow the clock', () => {
  const now = Date.parse('2026-11-24T18:00:00Z');
  it("the agent's state", () => {
    const paused = conversation(1, null, { agent_disabled: true, agent_expires_at: '2026-11-24T18:41:30Z', agent_disabled_by_user_name: 'Deniz Kaya' });
    expect(agentStateText(paused, 'copilot', now).text).toBe('Paused by Deniz Kaya · 42 min left');
    expect(agentStateText(paused, 'copilot', Date.parse('2026-11-24T18:41:30Z')).text).toBe('AI agent active');
    expect(agentStateText({ ...paused, agent_expires_at: null }, undefined, now).text).toBe('Paused by Deniz Kaya until resumed');
    expect(agentStateText({ ...paused, agent_disabled_by_user_name: null }, 'autonomous', now).text).toBe('The AI handed this conversation to a person');
    expect(agentStateText(paused, 'off', now).text).toBe('AI agent off on this channel');
  });

  it("the block's remaining time, by the API's rule", () => {
    const at = (seconds: number) => new Date(now + seconds * 1000).toISOString();
    expect([7200, 7199, 7500, 3 * 86400, 86400 + 5 * 3600 + 1800, 86400 + 1800, 90, 1].map((seconds) => remainingText(at(seconds), now))).toEqual([
      '2 hours',
      '2 hours',
      '2 hours 5 minutes',
      '3 days',
      '1 day 5 hours',
      '1 day',
      '2 minutes',
      '1 minute',
    ]);
    const blocked = conversation(1, null, {
      blacklist: { reason_label: 'Manual', expires_at: at(86400), note: null } as never,
      channel: { id: 1, name: 'Zebrafoot bot', type: 'telegram', address: '@z' },
    });
    expect(blockStatusText(blocked, now)).toBe('Blocked on Zebrafoot bot: Manual · 1 day left');
    expect(blockStatusText(blocked, now + 86400_000)).toBeNull();
  });

  it('the reply window', () => {
    expect(replyWindowNotice({ is_open: true, closes_at: '2026-11-24T18:42:00Z', last_customer_message_at: null }, now)?.text).toBe(
      'Reply window closes in 42 minutes.',
    );
    expect(replyWindowNotice({ is_open: true, closes_at: '2026-11-24T20:00:00Z', last_customer_message_at: null }, now)).toBeNull();
    expect(replyWindowNotice({ is_open: false, closes_at: null, last_customer_message_at: null }, now)).toEqual({
      text: 'This conversation has no open reply window. The customer has to write first.',
      closed: true,
    });
    expect(replyWindowNotice({ is_open: true, closes_at: '2026-11-24T17:00:00Z', last_customer_message_at: null }, now)?.closed).toBe(true);
  });
});

describe('notifications and signed links', () => {
  it('notifies at most once per conversation per 10 s, with the first 100 characters', async () => {
    const { NotificationThrottle, notificationText } = await import('../../web/src/state/notify.js');
    const throttle = new NotificationThrottle();
    expect([throttle.allow(1, 0), throttle.allow(1, 9_999), throttle.allow(2, 5_000), throttle.allow(1, 10_000)]).toEqual([true, false, true, true]);
    expect(notificationText('Elif', { message: 'x'.repeat(150), message_type: 'text' })).toBe(`Elif: ${'x'.repeat(100)}`);
    expect(notificationText('Elif', { message: null, message_type: 'image' })).toBe('Elif: [image]');
  });

  it('refetches a page 60 s before its first signed link expires', async () => {
    const { linkExpiry, refetchLinksAt } = await import('../../web/src/state/notify.js');
    const link = (expires: number) => `http://127.0.0.1:8080/api/v1/files/5/content?t=2&expires=${expires}&signature=ab`;
    expect(linkExpiry(link(1795546750))).toBe(1795546750_000);
    expect(linkExpiry('not a url ::')).toBeNull();
    expect(refetchLinksAt([link(2000), link(1000), 'http://x/no-expiry'])).toBe(940_000);
    expect(refetchLinksAt([])).toBeNull();
  });
});

describe('the suggestion', () => {
  it('is marked stale by a customer message newer than every message it answers', async () => {
    const { newerCustomerMessage } = await import('../../web/src/state/messages.js');
    const at = '2026-11-24T10:00:00Z';
    const thread = [message(3, at), message(5, at, { is_customer: false }), message(4, at)];
    expect(newerCustomerMessage(thread, [3, 4])).toBe(false);
    expect(newerCustomerMessage(thread, [3])).toBe(true);
    expect(newerCustomerMessage([], [])).toBe(false);
  });
});

describe('reactions', () => {
  it("reads the customer's reactions from metadata, ignoring anything else", async () => {
    const { reactionsOf } = await import('../../web/src/state/messages.js');
    expect(reactionsOf(parseMetadata('{"reactions":[{"emoji":"👍","at":"2026-11-24T10:00:00Z"},{"emoji":""},null,{"x":1}]}'))).toEqual(['👍']);
    expect(reactionsOf(parseMetadata('{"reactions":"👍"}'))).toEqual([]);
  });
});
