import type { Conversation } from './types.js';

/** The list's time (docs/inbox.md#conversation-list): `now`, `5m`, `3h`, a weekday within a week, else a date. */
export function shortTime(iso: string, now: number): string {
  const at = Date.parse(iso);
  const seconds = Math.max(0, Math.floor((now - at) / 1000));
  if (seconds < 60) return 'now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  if (seconds < 6 * 86400) return new Intl.DateTimeFormat('en', { weekday: 'short' }).format(at);
  return new Intl.DateTimeFormat('en', { day: 'numeric', month: 'short' }).format(at);
}

export function fullTime(iso: string): string {
  return new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' }).format(Date.parse(iso));
}

export function clockTime(iso: string): string {
  return new Intl.DateTimeFormat('en', { hour: '2-digit', minute: '2-digit' }).format(Date.parse(iso));
}

function localDay(time: number): string {
  const date = new Date(time);
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

/** Day separators of the thread: "Today", "Yesterday", else the date, in the browser's time zone. */
export function dayLabel(iso: string, now: number): string {
  const at = Date.parse(iso);
  if (localDay(at) === localDay(now)) return 'Today';
  if (localDay(at) === localDay(now - 86_400_000)) return 'Yesterday';
  return new Intl.DateTimeFormat('en', { dateStyle: 'long' }).format(at);
}

export function sameDay(a: string, b: string): boolean {
  return localDay(Date.parse(a)) === localDay(Date.parse(b));
}

/** The last message as a row shows it: its text, else `[image]`, `[document]` … by type; '' without messages. */
export function lastMessagePreview(conversation: Conversation): string {
  if (conversation.last_message !== null) return conversation.last_message;
  return conversation.last_message_type ? `[${conversation.last_message_type}]` : '';
}

export function unreadBadge(count: number): string {
  return count > 99 ? '99+' : String(count);
}

/** A row's accessible description: "<N> unread. <channel>. <last message>" then " AI paused." and " Blocked.". */
export function rowDescription(conversation: Conversation): string {
  const unread = Number(conversation.unread_count) || 0;
  let text = `${unread > 0 ? `${unread} unread. ` : ''}${conversation.channel.name}. ${lastMessagePreview(conversation)}`;
  if (conversation.agent_disabled) text += ' AI paused.';
  if (conversation.blacklist) text += ' Blocked.';
  return text;
}

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]!, words[words.length - 1]!] : words;
  return letters.map((word) => Array.from(word)[0]!.toUpperCase()).join('') || '?';
}

/** The composer's counter counts code points, like the API's max:5000 (an emoji counts 1). */
export function codePoints(text: string): number {
  return Array.from(text).length;
}

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

/**
 * Splits message text into plain text and http(s) links (docs/inbox.md#messages): only those two schemes become
 * links; everything is rendered as text nodes, never HTML.
 */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  const pattern = /\bhttps?:\/\/[^\s<>"]+/gi;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    // Trailing punctuation belongs to the sentence, not the URL.
    const url = match[0].replace(/[.,;:!?)\]'}]+$/, '');
    const start = match.index;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    parts.push({ kind: 'link', text: url, href: url });
    last = start + url.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

/** Minutes left until `iso`, rounded up (the agent's pause, docs/inbox.md#pause-and-resume). */
export function minutesLeft(iso: string, now: number): number {
  return Math.max(0, Math.ceil((Date.parse(iso) - now) / 60_000));
}

/**
 * The block's "<time> left", by the API's `remaining_time` rule: whole minutes rounded up, split into days, hours and
 * minutes; the largest non-zero unit, then the next smaller one when it is non-zero ("1 day 5 hours", "2 minutes").
 */
export function remainingText(iso: string, now: number): string {
  const seconds = Math.max(0, Math.floor((Date.parse(iso) - now) / 1000));
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  const parts: [number, string][] = [
    [Math.floor(minutes / 1440), 'day'],
    [Math.floor((minutes % 1440) / 60), 'hour'],
    [minutes % 60, 'minute'],
  ];
  const first = parts.findIndex(([count]) => count > 0);
  const shown = [parts[first]!, parts[first + 1]].filter((part): part is [number, string] => part !== undefined && part[0] > 0);
  return shown.map(([count, unit]) => `${count} ${unit}${count === 1 ? '' : 's'}`).join(' ');
}
