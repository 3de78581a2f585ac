import type { AgentDecision } from './agent-provider.js';

/** The longest reply kept; a longer one is cut at its last sentence end before this many characters. */
export const REPLY_MAX_CHARS = 4096;

export type ParsedDecision = { ok: true; decision: AgentDecision } | { ok: false; problem: string };

/**
 * Reads the model's `choices[0].message.content` as the decision object (docs/agent-llm.md#the-answer). A Markdown
 * code fence around it is tolerated; `handoff`, `spam`, `abusive` absent (or null) are false, `reason` is optional,
 * `reply` is required. `plainTextAllowed` is the last compatibility fallback (no `response_format` at all): content
 * that is not such an object is then the reply itself, every flag false.
 */
export function parseDecision(content: unknown, plainTextAllowed: boolean): ParsedDecision {
  if (typeof content !== 'string') return { ok: false, problem: 'The answer has no message content.' };
  const parsed = readObject(content);
  if (parsed.ok || !plainTextAllowed) return parsed;
  return { ok: true, decision: { reply: cutReply(content.trim()), handoff: false, spam: false, abusive: false, reason: null } };
}

function readObject(content: string): ParsedDecision {
  let value: unknown;
  try {
    value = JSON.parse(withoutFence(content));
  } catch {
    return { ok: false, problem: 'The answer is not JSON.' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, problem: 'The answer is not a JSON object.' };
  const fields = value as Record<string, unknown>;
  if (typeof fields.reply !== 'string') return { ok: false, problem: 'The answer has no "reply" string.' };
  for (const flag of ['handoff', 'spam', 'abusive']) {
    if (fields[flag] != null && typeof fields[flag] !== 'boolean') return { ok: false, problem: `The answer's "${flag}" is not a boolean.` };
  }
  if (fields.reason != null && typeof fields.reason !== 'string') return { ok: false, problem: 'The answer\'s "reason" is not a string.' };
  const reason = typeof fields.reason === 'string' ? fields.reason.trim() : '';
  return {
    ok: true,
    decision: {
      reply: cutReply(fields.reply.trim()),
      handoff: fields.handoff === true,
      spam: fields.spam === true,
      abusive: fields.abusive === true,
      reason: reason === '' ? null : reason,
    },
  };
}

/** ```json … ``` or ``` … ``` around the whole content. */
function withoutFence(content: string): string {
  const fenced = /^\s*```[A-Za-z0-9_-]*[ \t]*\r?\n?([\s\S]*?)\r?\n?[ \t]*```\s*$/.exec(content);
  return fenced ? fenced[1]! : content;
}

/**
 * At most REPLY_MAX_CHARS code points, cut after the last `.`, `!` or `?` that ends a sentence (followed by white
 * space or the end) within them; with no sentence end there, cut at the limit.
 */
export function cutReply(reply: string): string {
  const points = Array.from(reply);
  if (points.length <= REPLY_MAX_CHARS) return reply;
  for (let index = REPLY_MAX_CHARS - 1; index >= 0; index--) {
    const next = points[index + 1];
    if ('.!?'.includes(points[index]!) && (next === undefined || /\s/.test(next))) return points.slice(0, index + 1).join('');
  }
  return points.slice(0, REPLY_MAX_CHARS).join('').trimEnd();
}
