import { INSULTS } from './insults.js';

/**
 * The embedded responder's text rules (docs/agent.md#the-embedded-responder): greetings, insults, links and the
 * normal form of a repeated text. Pure functions; the responder reads the database.
 */

export const GREETINGS: readonly string[] = ['hi', 'hello', 'hey', 'good morning', 'good afternoon', 'good evening', 'merhaba', 'selam'];

/**
 * Unicode lower case, with the Turkish dotted capital İ read as i (JavaScript would leave a combining dot behind).
 * Words are runs of letters, combining marks and digits.
 */
function words(text: string): string[] {
  const lower = text.replace(/İ/g, 'i').toLowerCase().normalize('NFC');
  return lower.split(/[^\p{L}\p{M}\p{N}]+/u).filter((word) => word.length > 0);
}

/** Whether a list entry (one word or several in a row) occurs among the words. */
function containsEntry(textWords: readonly string[], entries: readonly string[]): boolean {
  const joined = ` ${textWords.join(' ')} `;
  return entries.some((entry) => joined.includes(` ${entry} `));
}

export function containsInsult(text: string): boolean {
  return containsEntry(words(text), INSULTS);
}

/**
 * A greeting is 1–5 words that split entirely into list entries, a two-word entry using two words: "Hello!",
 * "hi hi" and "Good morning!" are greetings, "hello there" is not.
 */
export function isGreeting(text: string): boolean {
  const list = words(text);
  if (list.length === 0 || list.length > 5) return false;
  for (let index = 0; index < list.length; ) {
    const pair = `${list[index]} ${list[index + 1] ?? ''}`;
    if (index + 1 < list.length && GREETINGS.includes(pair)) index += 2;
    else if (GREETINGS.includes(list[index]!)) index += 1;
    else return false;
  }
  return true;
}

/** Links in one message: each `http://…`, `https://…` or `www.…` counts once (a `https://www.` link is one link). */
export function linkCount(text: string): number {
  return text.match(/(?:https?:\/\/|www\.)\S*/giu)?.length ?? 0;
}

/** The form compared by the repeated-text rule: lower case, white space collapsed and trimmed. */
export function normalizedText(text: string): string {
  return text.toLowerCase().replace(/\s+/gu, ' ').trim();
}

/** Texts shorter than this (in code points, once normalised) never count as repeated. */
export const REPEATED_TEXT_MIN_LENGTH = 10;
