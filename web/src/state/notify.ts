/** Desktop notifications and signed links (docs/inbox.md#live-updates, #messages): small rules kept testable. */

export const NOTIFY_KEY = 'flextell.inbox.notifications';
const PER_CONVERSATION_MS = 10_000;

/** At most one notification per conversation per 10 s. */
export class NotificationThrottle {
  private readonly last = new Map<number, number>();

  allow(conversationId: number, now: number): boolean {
    const previous = this.last.get(conversationId);
    if (previous !== undefined && now - previous < PER_CONVERSATION_MS) return false;
    this.last.set(conversationId, now);
    return true;
  }
}

/** "<display_name>: <first 100 characters>" (or `[image]` … for media without text). */
export function notificationText(displayName: string, message: { message: string | null; message_type: string }): string {
  const text = message.message ?? `[${message.message_type}]`;
  return `${displayName}: ${Array.from(text).slice(0, 100).join('')}`;
}

/** When a signed file link stops working: its `expires` query parameter (Unix seconds), in ms; null when it has none. */
export function linkExpiry(url: string): number | null {
  try {
    const expires = new URL(url, 'http://localhost').searchParams.get('expires');
    return expires !== null && /^\d+$/.test(expires) ? Number(expires) * 1000 : null;
  } catch {
    return null;
  }
}

/** The earliest time (ms) a page of messages must be refetched: 60 s before its first link expires. */
export function refetchLinksAt(urls: readonly string[]): number | null {
  const expiries = urls.map(linkExpiry).filter((value): value is number => value !== null);
  return expiries.length === 0 ? null : Math.min(...expiries) - 60_000;
}
