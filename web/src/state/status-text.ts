import { clockTime, minutesLeft, remainingText } from './format.js';
import type { Conversation } from './types.js';

/** The texts of the thread's states that follow the clock (docs/inbox.md#composer, #pause-and-resume, #blocking). */

export interface ReplyWindow {
  is_open: boolean;
  closes_at: string | null;
  last_customer_message_at: string | null;
}

/** The reply window notice (docs/inbox.md#composer): closed → why; closing within the hour → when. */
export function replyWindowNotice(window: ReplyWindow | null, now: number): { text: string; closed: boolean } | null {
  if (!window) return null;
  const closesAt = window.closes_at ? Date.parse(window.closes_at) : null;
  if (!window.is_open || (closesAt !== null && closesAt <= now)) {
    if (!window.closes_at) return { text: 'This conversation has no open reply window. The customer has to write first.', closed: true };
    return { text: `The 24-hour reply window closed at ${clockTime(window.closes_at)}. The customer has to write first.`, closed: true };
  }
  if (closesAt !== null && closesAt - now <= 3_600_000) {
    const minutes = minutesLeft(window.closes_at!, now);
    return { text: `Reply window closes in ${minutes} minute${minutes === 1 ? '' : 's'}.`, closed: false };
  }
  return null;
}

/** The agent's state text (docs/inbox.md#pause-and-resume); a timed pause turns active at its end by the clock. */
export function agentStateText(conversation: Conversation, agentMode: string | undefined, now: number): { text: string; paused: boolean; off: boolean } {
  if (agentMode === 'off') return { text: 'AI agent off on this channel', paused: false, off: true };
  const expires = conversation.agent_expires_at;
  const paused = conversation.agent_disabled && (expires === null || Date.parse(expires) > now);
  if (!paused) return { text: 'AI agent active', paused: false, off: false };
  const by = conversation.agent_disabled_by_user_name;
  if (by === null) return { text: 'The AI handed this conversation to a person', paused: true, off: false };
  if (expires === null) return { text: `Paused by ${by} until resumed`, paused: true, off: false };
  return { text: `Paused by ${by} · ${minutesLeft(expires, now)} min left`, paused: true, off: false };
}

/** "Blocked on <channel>: <reason> · <time> left" (or "permanently"); it disappears at expires_at by the clock. */
export function blockStatusText(conversation: Conversation, now: number): string | null {
  const entry = conversation.blacklist;
  if (!entry || (entry.expires_at !== null && Date.parse(entry.expires_at) <= now)) return null;
  const time = entry.expires_at === null ? 'permanently' : `${remainingText(entry.expires_at, now)} left`;
  return `Blocked on ${conversation.channel.name}: ${entry.reason_label} · ${time}`;
}
