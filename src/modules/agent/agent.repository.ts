import type { Queryable } from '../../platform/db/db.js';
import type { Actor } from '../conversations/actor.js';

/**
 * A pause beginning or ending moves the agent cursor past the conversation's messages: the customer messages before
 * it are the humans', and after a pause the agent answers only what arrives from then on (docs/agent-runs.md#the-agent-cursor).
 */
const CURSOR_TO_NEWEST = `agent_cursor_message_id = GREATEST(agent_cursor_message_id,
  COALESCE((SELECT id FROM messages WHERE messages.tenant_id = $1 AND messages.conversation_id = $2 AND seq IS NOT NULL
             ORDER BY seq DESC LIMIT 1), 0))`;

/** The only writes of a conversation's agent pause fields (`agent_paused`, `agent_expires_at`, `agent_disabled_by_*`). */
export async function writeAgentPause(tx: Queryable, tenantId: number, conversationId: number, actor: Actor | null, expiresAt: Date | null): Promise<void> {
  await tx.query(
    `UPDATE conversations SET agent_paused = true, agent_expires_at = $3, agent_disabled_by_user_id = $4, agent_disabled_by_name = $5,
            ${CURSOR_TO_NEWEST}
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, conversationId, expiresAt, actor?.userId ?? null, actor?.name ?? null],
  );
}

export async function clearAgentPause(db: Queryable, tenantId: number, conversationId: number): Promise<void> {
  await db.query(
    `UPDATE conversations SET agent_paused = false, agent_expires_at = NULL, agent_disabled_by_user_id = NULL, agent_disabled_by_name = NULL,
            ${CURSOR_TO_NEWEST}
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, conversationId],
  );
}
