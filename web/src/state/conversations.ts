import type { Conversation } from './types.js';

/**
 * The conversation list's order (docs/inbox.md#conversation-list): as the API, `last_message_at` descending with
 * conversations without messages last, then `id` descending. Kept on every page load and live update.
 */
export function compareConversations(a: Conversation, b: Conversation): number {
  if (a.last_message_at !== b.last_message_at) {
    if (a.last_message_at === null) return 1;
    if (b.last_message_at === null) return -1;
    const byTime = Date.parse(b.last_message_at) - Date.parse(a.last_message_at);
    if (byTime !== 0) return byTime;
  }
  return b.id - a.id;
}

/** Adds a page to the loaded rows: unique by id (pages shift as conversations move), the newer copy wins. */
export function mergePage(rows: readonly Conversation[], page: readonly Conversation[]): Conversation[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  for (const row of page) byId.set(row.id, row);
  return [...byId.values()].sort(compareConversations);
}

export interface ListFilters {
  search: string;
  channelType: string;
}

export type ListUpdate = { rows: Conversation[]; staleSearch: boolean };

/**
 * A live `conversation.created` / `.updated`: a loaded row is replaced and re-sorted; a row not loaded is inserted
 * only without a search, when the channel filter matches, and when it sorts before the last loaded row (otherwise a
 * later page brings it). With a search active, `staleSearch` asks for the "New activity — refresh" button instead.
 */
export function applyConversation(rows: readonly Conversation[], conversation: Conversation, filters: ListFilters): ListUpdate {
  const index = rows.findIndex((row) => row.id === conversation.id);
  if (index >= 0) {
    const next = rows.slice();
    next[index] = conversation;
    return { rows: next.sort(compareConversations), staleSearch: false };
  }
  if (filters.search !== '') return { rows: rows.slice(), staleSearch: true };
  if (filters.channelType !== '' && conversation.channel.type !== filters.channelType) return { rows: rows.slice(), staleSearch: false };
  const last = rows[rows.length - 1];
  if (last && compareConversations(conversation, last) > 0) return { rows: rows.slice(), staleSearch: false };
  return { rows: [...rows, conversation].sort(compareConversations), staleSearch: false };
}

/** `display_name` as the API computes it (first + last name, else the address), for `customer.updated`. */
export function displayNameOf(customer: { first_name: string | null; last_name: string | null }, address: string): string {
  const name = `${customer.first_name ?? ''} ${customer.last_name ?? ''}`.trim();
  return name === '' ? address : name;
}

export function unreadCount(conversation: Conversation): number {
  return Number(conversation.unread_count) || 0;
}

/** §12 keyboard "next": the row below the open one (the first when none is open); null past the end. */
export function nextConversation(rows: readonly Conversation[], openId: number | null, direction: 1 | -1): Conversation | null {
  const index = openId === null ? -1 : rows.findIndex((row) => row.id === openId);
  if (index < 0) return rows[0] ?? null;
  return rows[index + direction] ?? null;
}

/** `e`: the first row below the open one with unread messages, else the row directly below. */
export function nextUnread(rows: readonly Conversation[], openId: number | null): Conversation | null {
  const index = openId === null ? -1 : rows.findIndex((row) => row.id === openId);
  const below = rows.slice(index + 1);
  return below.find((row) => unreadCount(row) > 0) ?? below[0] ?? null;
}
