import { formatTimestamp } from '../../platform/clock.js';
import { arrayOf, boolean, freeObject, integer, nullable, object, string, timestamp } from '../../http/openapi-schemas.js';
import type { SuggestionRow } from './suggestion.repository.js';

export const suggestionSchema = object({
  id: integer,
  conversation_id: integer,
  original_text: string,
  final_text: nullable(string),
  status: { type: 'string', example: 'pending' },
  rating: nullable(string),
  pending_actions: arrayOf(freeObject('An action the agent proposed; `type` names it.')),
  trigger_chat_log_ids: arrayOf(integer),
  has_new_messages: boolean,
  sent_at: nullable(timestamp),
  created_at: timestamp,
  updated_at: timestamp,
});

/** AiSuggestionResource (docs/domain-rules.md#ai-suggestions). */
export function suggestionResource(row: SuggestionRow) {
  return {
    id: row.id,
    conversation_id: row.conversation_id,
    original_text: row.original_text,
    final_text: row.final_text,
    status: row.status,
    rating: row.rating,
    pending_actions: row.pending_actions,
    trigger_chat_log_ids: [...row.trigger_message_ids].map(Number).sort((a, b) => a - b),
    has_new_messages: row.has_new_messages,
    sent_at: formatTimestamp(row.sent_at),
    created_at: formatTimestamp(row.created_at),
    updated_at: formatTimestamp(row.updated_at),
  };
}
