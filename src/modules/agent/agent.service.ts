import { recordEvents } from '../events/event-recorder.js';
import { requestActor } from '../events/event-types.js';
import type { Db, Queryable } from '../../platform/db/db.js';
import type { Actor } from '../conversations/actor.js';
import { requireConversation, type ConversationRecord } from '../conversations/conversation.repository.js';
import { agentPauseInEffect } from '../conversations/conversation.resource.js';
import { loadTenantSettings } from '../tenants/tenant-settings.js';
import { clearAgentPause, writeAgentPause } from './agent.repository.js';

/**
 * Every change of a conversation's AI agent pause goes through here: a manual pause or resume, the handoff pause a
 * human reply starts, and the takeover of an accepted suggestion.
 */

/** Pauses the agent until `expiresAt` (null: until enabled again), replacing any pause in effect. */
export async function pauseConversationAgent(db: Db, tenantId: number, conversationId: number, actor: Actor, expiresAt: Date | null, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const before = await requireConversation(tx, tenantId, conversationId, true);
    await writeAgentPause(tx, tenantId, conversationId, actor, expiresAt);
    const same =
      agentPauseInEffect(before.agent_paused, before.agent_expires_at, now) &&
      before.agent_expires_at?.getTime() === expiresAt?.getTime() &&
      before.agent_disabled_by_name === actor.name;
    if (!same) recordEvents(tx, tenantId, requestActor(actor), now, { kind: 'conversation', id: conversationId, change: 'updated' });
  });
}

/** Clears any pause. Idempotent: resuming an agent no pause holds changes nothing the API shows, and emits nothing. */
export async function resumeConversationAgent(db: Db, tenantId: number, conversationId: number, actor: Actor, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const before = await requireConversation(tx, tenantId, conversationId, true);
    if (!before.agent_paused) return;
    await clearAgentPause(tx, tenantId, conversationId);
    if (agentPauseInEffect(before.agent_paused, before.agent_expires_at, now)) {
      recordEvents(tx, tenantId, requestActor(actor), now, { kind: 'conversation', id: conversationId, change: 'updated' });
    }
  });
}

/** A person taking over the conversation pauses the agent until enabled again. */
export async function takeOverAgent(tx: Queryable, tenantId: number, conversationId: number, actor: Actor): Promise<void> {
  await writeAgentPause(tx, tenantId, conversationId, actor, null);
}

/**
 * A human reply on a channel where the agent answers pauses it for the tenant's handoff time, unless a pause is
 * already in effect. Runs in the send's transaction, under the conversation lock.
 */
export async function applyHandoffPause(tx: Queryable, conversation: ConversationRecord, actor: Actor, now: Date): Promise<void> {
  const mode = conversation.channel_settings.agent_mode;
  if (mode !== 'autonomous' && mode !== 'copilot') return;
  if (agentPauseInEffect(conversation.agent_paused, conversation.agent_expires_at, now)) return;
  const settings = await loadTenantSettings(tx, conversation.tenant_id);
  const expiresAt = new Date(now.getTime() + settings.agent.handoff_pause_minutes * 60_000);
  await writeAgentPause(tx, conversation.tenant_id, conversation.id, actor, expiresAt);
}
