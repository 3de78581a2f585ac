import { formatTimestamp } from '../../../platform/clock.js';
import { arrayOf, integer, nullable, object, string, timestamp } from '../../../http/openapi-schemas.js';
import type { AgentRunRow } from './agent-run.repository.js';

export const agentRunSchema = object({
  id: integer,
  conversation_id: integer,
  channel_id: integer,
  mode: { type: 'string', example: 'autonomous' },
  provider: { type: 'string', example: 'openai_compatible' },
  model: nullable(string),
  status: { type: 'string', example: 'completed' },
  outcome: nullable({ type: 'string', example: 'replied' }),
  trigger_message_ids: arrayOf(integer),
  reply_message_id: nullable(integer),
  ai_suggestion_id: nullable(integer),
  blacklist_entry_id: nullable(integer),
  attempts: integer,
  latency_ms: nullable(integer),
  prompt_tokens: nullable(integer),
  completion_tokens: nullable(integer),
  reason: nullable(string),
  error: nullable(string),
  started_at: timestamp,
  finished_at: nullable(timestamp),
});

/** AgentRunResource (docs/agent-runs.md#the-runs-api), keys in the contract's order. */
export function agentRunResource(row: AgentRunRow) {
  return {
    id: row.id,
    conversation_id: row.conversation_id,
    channel_id: row.channel_id,
    mode: row.mode,
    provider: row.provider,
    model: row.model,
    status: row.status,
    outcome: row.outcome,
    trigger_message_ids: row.trigger_message_ids.map(Number).sort((a, b) => a - b),
    reply_message_id: row.reply_message_id,
    ai_suggestion_id: row.ai_suggestion_id,
    blacklist_entry_id: row.blacklist_entry_id,
    attempts: row.attempts,
    latency_ms: row.latency_ms,
    prompt_tokens: row.prompt_tokens,
    completion_tokens: row.completion_tokens,
    reason: row.reason,
    error: row.error,
    started_at: formatTimestamp(row.started_at ?? row.created_at),
    finished_at: formatTimestamp(row.finished_at),
  };
}
