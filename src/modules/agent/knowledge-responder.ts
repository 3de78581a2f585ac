import type { Clock } from '../../platform/clock.js';
import type { Queryable } from '../../platform/db/db.js';
import { sentencesWithLexemes } from '../knowledge/knowledge-search.finder.js';
import { searchKnowledge } from '../knowledge/knowledge-search.js';
import type { AgentDecision } from './llm/agent-provider.js';
import { containsInsult, isGreeting, linkCount, normalizedText, REPEATED_TEXT_MIN_LENGTH } from './embedded-rules.js';
import { customerTextsSince } from './embedded-rules.finder.js';

/**
 * The embedded knowledge-base responder (docs/agent.md#the-embedded-responder): the provider used when no model is
 * configured. It decides only — it never sends, stores or blocks anything; the agent's run applies the decision.
 */

export type EmbeddedRule = 'abusive_language' | 'links' | 'repeated_text';

export interface KnowledgeDecision {
  kind: 'reply' | 'handoff';
  /** The reply (kind `reply`); null for a handoff. */
  text: string | null;
  spam: boolean;
  abusive: boolean;
  /** The embedded rule that fired (spam or abusive), else null. */
  rule: EmbeddedRule | null;
  /** One sentence for the staff, like a model's `reason`. */
  reason: string;
  /** The article the reply was taken from. */
  articleId: number | null;
}

export interface ResponderInput {
  tenantId: number;
  channelId: number;
  customerId: number;
  /** The run's trigger messages, oldest first: each one's text or caption (null for media without a caption). */
  triggers: ReadonlyArray<{ text: string | null }>;
}

export const GREETING_REPLY = 'Hello! How can I help you today?';
/** The longest reply, in code points. */
export const REPLY_MAX_LENGTH = 700;
const REPEAT_WINDOW_MS = 10 * 60 * 1000;
const REPEAT_COUNT = 5;
const LINK_COUNT = 3;

export const RULE_REASONS: Record<EmbeddedRule, string> = {
  abusive_language: 'Insulting language.',
  links: 'Three or more links.',
  repeated_text: 'The same message five times within 10 minutes.',
};

function handoff(reason: string): KnowledgeDecision {
  return { kind: 'handoff', text: null, spam: false, abusive: false, rule: null, reason, articleId: null };
}

function ruleHit(rule: EmbeddedRule): KnowledgeDecision {
  return {
    kind: 'handoff',
    text: null,
    spam: rule !== 'abusive_language',
    abusive: rule === 'abusive_language',
    rule,
    reason: RULE_REASONS[rule],
    articleId: null,
  };
}

export async function answerFromKnowledge(db: Queryable, clock: Clock, input: ResponderInput): Promise<KnowledgeDecision> {
  const texts = input.triggers.map((trigger) => trigger.text ?? '').filter((text) => text.trim() !== '');
  const hit = await embeddedRuleHit(db, clock, input, texts);
  if (hit) return ruleHit(hit);

  const text = texts.join('\n');
  if (text === '') return handoff('The message has no text to answer.');
  if (isGreeting(text)) return { kind: 'reply', text: GREETING_REPLY, spam: false, abusive: false, rule: null, reason: 'A greeting.', articleId: null };

  const { language, lexemes, articles } = await searchKnowledge(db, input.tenantId, text, 1);
  if (lexemes.length === 0) return handoff('The message has no words to search the knowledge base with.');
  const best = articles[0];
  if (!best || best.matched * 2 < lexemes.length) return handoff('No knowledge article answers the message well enough.');

  const sentences = splitSentences(best.body);
  const hits = await sentencesWithLexemes(db, language, sentences, lexemes);
  const relevant = sentences.filter((_, index) => hits[index]);
  const reply = capAtSentence(relevant.length > 0 ? relevant : sentences, REPLY_MAX_LENGTH);
  if (reply === '') return handoff('The matching knowledge article has no text.');
  return {
    kind: 'reply',
    text: reply,
    spam: false,
    abusive: false,
    rule: null,
    reason: `Answered from the knowledge article "${best.title}".`,
    articleId: best.id,
  };
}

/** docs/agent.md#embedded-spam-and-abuse-rules: insults first (abusive wins), then links, then the repeated text. */
async function embeddedRuleHit(db: Queryable, clock: Clock, input: ResponderInput, texts: string[]): Promise<EmbeddedRule | null> {
  if (texts.some(containsInsult)) return 'abusive_language';
  if (texts.some((text) => linkCount(text) >= LINK_COUNT)) return 'links';
  const repeated = [...new Set(texts.map(normalizedText))].filter((text) => [...text].length >= REPEATED_TEXT_MIN_LENGTH);
  if (repeated.length === 0) return null;
  const now = clock.now();
  const recent = await customerTextsSince(db, input.tenantId, input.channelId, input.customerId, new Date(now.getTime() - REPEAT_WINDOW_MS), now);
  const counts = new Map<string, number>();
  for (const sent of recent) {
    const normal = normalizedText(sent);
    counts.set(normal, (counts.get(normal) ?? 0) + 1);
  }
  return repeated.some((text) => (counts.get(text) ?? 0) >= REPEAT_COUNT) ? 'repeated_text' : null;
}

/**
 * Sentences of a body, verbatim: split after `.`, `!` or `?` followed by white space (so `9.30` stays whole) and at
 * line breaks; surrounding white space trimmed, empty pieces dropped.
 */
export function splitSentences(body: string): string[] {
  return body
    .split(/(?<=[.!?])\s+|\r?\n|\r/u)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence !== '');
}

/**
 * The sentences in order, joined by single spaces, as many as fit in `max` code points. A first sentence longer
 * than that is cut at its last word boundary that fits, with an ellipsis.
 */
export function capAtSentence(sentences: readonly string[], max: number): string {
  let reply = '';
  for (const sentence of sentences) {
    const next = reply === '' ? sentence : `${reply} ${sentence}`;
    if ([...next].length > max) break;
    reply = next;
  }
  if (reply !== '' || sentences.length === 0) return reply;
  const points = [...sentences[0]!].slice(0, max - 1).join('');
  const boundary = points.search(/\s\S*$/u);
  return `${(boundary > 0 ? points.slice(0, boundary) : points).trimEnd()}…`;
}

/** The decision in the providers' shape (docs/agent-llm.md): a rule hit blocks (no handoff), an empty reply hands off. */
export function asAgentDecision(decision: KnowledgeDecision): AgentDecision {
  const blocked = decision.spam || decision.abusive;
  return {
    reply: decision.text ?? '',
    handoff: decision.kind === 'handoff' && !blocked,
    spam: decision.spam,
    abusive: decision.abusive,
    reason: decision.reason,
  };
}
