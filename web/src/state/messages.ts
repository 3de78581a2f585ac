import type { Message } from './types.js';

/** Thread order (docs/inbox.md#thread): oldest first by (`created_at`, `id`) ascending — the API's order reversed. */
export function compareMessages(a: Message, b: Message): number {
  const byTime = Date.parse(a.created_at) - Date.parse(b.created_at);
  return byTime !== 0 ? byTime : a.id - b.id;
}

/** Adds messages (a page, an event, a send's refetch) to a thread: unique by id, the newer copy wins. */
export function mergeMessages(thread: readonly Message[], incoming: readonly Message[]): Message[] {
  const byId = new Map(thread.map((message) => [message.id, message]));
  for (const message of incoming) byId.set(message.id, message);
  return [...byId.values()].sort(compareMessages);
}

/** A send shown before its answer: matched to the stored message by `message_id`, whichever arrives first. */
export interface PendingSend {
  key: string;
  text: string;
  messageId: number | null;
}

/**
 * The optimistic bubbles still to show: a pending send whose message is already in the thread is dropped, so a
 * message is never shown twice whether the event or the send's answer comes first.
 */
export function visiblePending(pending: readonly PendingSend[], thread: readonly Message[]): PendingSend[] {
  const ids = new Set(thread.map((message) => message.id));
  return pending.filter((send) => send.messageId === null || !ids.has(send.messageId));
}

export interface MessageMetadata {
  source?: string;
  delivery_status?: string | null;
  failure_reason?: string | null;
  provider_type?: string;
  media_error?: string;
  ai_suggestion_id?: number;
  reactions?: unknown;
}

/** The customer's reactions of a message (`metadata.reactions`, `[{"emoji", "at"}]`); anything else is ignored. */
export function reactionsOf(metadata: MessageMetadata): string[] {
  if (!Array.isArray(metadata.reactions)) return [];
  return metadata.reactions.flatMap((reaction: unknown) => {
    const emoji = (reaction as { emoji?: unknown } | null)?.emoji;
    return typeof emoji === 'string' && emoji !== '' ? [emoji] : [];
  });
}

/** `metadata` is JSON text; unparsable or not an object → `{}`, unknown keys ignored. */
export function parseMetadata(text: string | null): MessageMetadata {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as MessageMetadata) : {};
  } catch {
    return {};
  }
}

/** The author line of a message (docs/inbox.md#messages). */
export function authorOf(message: Message, displayName: string, channelName: string): string {
  if (message.is_customer) return displayName;
  const source = parseMetadata(message.metadata).source;
  if (source === 'agent') return 'AI agent';
  if (source === 'provider_app') return `${channelName} app`;
  if (source === 'system') return 'System';
  return message.user_name ?? 'System';
}

const STATUS_NAMES: Record<string, string> = { queued: 'Queued', sent: 'Sent', delivered: 'Delivered', read: 'Read', failed: 'Failed' };

export function deliveryName(message: Message): string | null {
  if (message.is_customer) return null;
  const status = parseMetadata(message.metadata).delivery_status;
  return status ? (STATUS_NAMES[status] ?? null) : null;
}

/** A customer message newer than every message the draft answers: the draft may be stale. */
export function newerCustomerMessage(messages: readonly Message[], triggers: readonly number[]): boolean {
  const newest = Math.max(0, ...triggers);
  return messages.some((message) => message.is_customer && message.id > newest);
}
