import { recordEvents } from '../../events/event-recorder.js';
import { AGENT_ACTOR } from '../../events/event-types.js';
import type { Queryable } from '../../../platform/db/db.js';
import { findActiveEntryId } from '../../blacklist/blacklist.repository.js';
import { findConversation, type ConversationRecord } from '../../conversations/conversation.repository.js';
import { agentPauseInEffect } from '../../conversations/conversation.resource.js';
import { writeAgentPause } from '../agent.repository.js';
import {
  countInterruptions,
  findRunningRun,
  findTriggers,
  finishRun,
  insertRun,
  moveAgentCursor,
  newestMessageId,
  type AgentMode,
} from './agent-run.repository.js';
import type { RunContext, RunDecider } from './run-decider.js';
import { agentAnswers } from './schedule-agent-run.js';

/** A run recorded `running`, with what its decision's commit checks against (docs/agent-runs.md#a-run). */
export interface StartedRun {
  runId: number;
  mode: AgentMode;
  context: RunContext;
  /** The conversation's newest message when the run was recorded: a human send above it discards the decision. */
  sinceMessageId: number;
}

/** Why a run may not act now (§2's conditions), null when it may. */
export async function ineligibility(tx: Queryable, conversation: ConversationRecord, now: Date): Promise<string | null> {
  if (!agentAnswers(conversation.channel_settings.agent_mode)) return 'agent_off';
  if (!conversation.channel_is_active) return 'channel_inactive';
  if (agentPauseInEffect(conversation.agent_paused, conversation.agent_expires_at, now)) return 'paused';
  const blocked = await findActiveEntryId(tx, conversation.tenant_id, conversation.channel_id, conversation.customer_id, now);
  return blocked === null ? null : 'blocked';
}

/** §6.2: the agent asks for a human — paused indefinitely, by nobody; the messages so far are the humans' now. */
export async function handOff(tx: Queryable, conversation: ConversationRecord, lastMessageId: number, now: Date): Promise<void> {
  await writeAgentPause(tx, conversation.tenant_id, conversation.id, null, null);
  recordEvents(tx, conversation.tenant_id, AGENT_ACTOR, now, { kind: 'conversation', id: conversation.id, change: 'updated' });
  await moveAgentCursor(tx, conversation.tenant_id, conversation.id, lastMessageId);
}

/**
 * §3 steps 1–3 under the conversation lock: the triggers, the eligibility check (a `skipped` record when it fails),
 * and the `running` record, committed before the provider is asked. A run a crashed process left `running` is
 * failed as `interrupted` first; the second interruption of the same triggers hands off. Null: nothing to ask.
 */
export async function startRun(
  tx: Queryable,
  decider: RunDecider,
  job: { tenantId: number; conversationId: number; fromMessageId: number },
  now: Date,
): Promise<StartedRun | null> {
  const { tenantId, conversationId } = job;
  const conversation = await findConversation(tx, tenantId, conversationId, true);
  if (!conversation) return null;
  if (await interruptedTwice(tx, conversation, now)) return null;
  const triggers = await findTriggers(tx, tenantId, conversationId, job.fromMessageId);
  if (triggers.length === 0) return null;
  const lastTriggerId = triggers.at(-1)!.id;
  const mode = conversation.channel_settings.agent_mode;
  const skipped = await ineligibility(tx, conversation, now);
  if (skipped !== null || !agentAnswers(mode)) {
    // §10.5: a channel switched off since the message ends the job without a record.
    if (skipped !== 'agent_off' && agentAnswers(mode)) await insertRun(tx, tenantId, record(conversation, decider, mode, triggers, 'skipped', skipped), now);
    await moveAgentCursor(tx, tenantId, conversationId, lastTriggerId);
    return null;
  }
  const runId = await insertRun(tx, tenantId, record(conversation, decider, mode, triggers, 'running', null), now);
  return {
    runId,
    mode,
    sinceMessageId: await newestMessageId(tx, tenantId, conversationId),
    context: {
      tenantId,
      conversationId,
      channelId: conversation.channel_id,
      channelType: conversation.channel_type,
      customerId: conversation.customer_id,
      triggers,
    },
  };
}

function record(
  conversation: ConversationRecord,
  decider: RunDecider,
  mode: AgentMode,
  triggers: Array<{ id: number }>,
  status: 'running' | 'skipped',
  reason: string | null,
) {
  return {
    conversationId: conversation.id,
    channelId: conversation.channel_id,
    mode,
    provider: decider.provider,
    model: decider.model,
    triggerIds: triggers.map((trigger) => trigger.id),
    status,
    reason,
  };
}

/** Fails a run left `running` by a crash; true when it was the second interruption of its triggers (then handed off). */
async function interruptedTwice(tx: Queryable, conversation: ConversationRecord, now: Date): Promise<boolean> {
  const leftover = await findRunningRun(tx, conversation.tenant_id, conversation.id);
  if (!leftover) return false;
  const triggerIds = leftover.trigger_message_ids.map(Number);
  const second = (await countInterruptions(tx, conversation.tenant_id, conversation.id, triggerIds)) >= 1;
  await finishRun(tx, conversation.tenant_id, leftover.id, { status: 'failed', error: 'interrupted', outcome: second ? 'handoff' : null }, now);
  if (second) await handOff(tx, conversation, Math.max(0, ...triggerIds), now);
  return second;
}
