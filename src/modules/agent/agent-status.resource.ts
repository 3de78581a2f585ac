import { formatTimestamp } from '../../platform/clock.js';
import { agentPauseInEffect } from '../conversations/conversation.resource.js';
import type { ConversationRecord } from '../conversations/conversation.repository.js';
import { boolean, integerString, nullable, object, string, timestamp } from '../../http/openapi-schemas.js';

export const agentStatusSchema = object({
  agent_disabled: boolean,
  agent_expires_at: nullable(timestamp),
  agent_disabled_by_user_name: nullable(string),
  remaining_minutes: nullable(integerString),
});

/** AgentStatus (docs/domain-rules.md#ai-agent-pause); agrees with the conversation's agent_* fields by construction. */
export function agentStatusResource(conversation: Pick<ConversationRecord, 'agent_paused' | 'agent_expires_at' | 'agent_disabled_by_name'>, now: Date) {
  const paused = agentPauseInEffect(conversation.agent_paused, conversation.agent_expires_at, now);
  const expiresAt = paused ? conversation.agent_expires_at : null;
  return {
    agent_disabled: paused,
    agent_expires_at: formatTimestamp(expiresAt),
    agent_disabled_by_user_name: paused ? conversation.agent_disabled_by_name : null,
    remaining_minutes: expiresAt ? String(Math.ceil((expiresAt.getTime() - now.getTime()) / 60_000)) : null,
  };
}
