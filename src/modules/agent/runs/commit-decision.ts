import { recordEvents } from '../../events/event-recorder.js';
import { AGENT_ACTOR } from '../../events/event-types.js';
import type { Queryable } from '../../../platform/db/db.js';
import { AppError } from '../../../platform/errors.js';
import { findActiveEntryId } from '../../blacklist/blacklist.repository.js';
import { insertUnlessBlocked } from '../../blacklist/blacklist.service.js';
import type { Actor } from '../../conversations/actor.js';
import { findConversation, type ConversationRecord } from '../../conversations/conversation.repository.js';
import { assertCanSend } from '../../conversations/send-rules.js';
import { insertOutboundMessage } from '../../messages/message.repository.js';
import { deliveryOrderingKey } from '../../messages/message.service.js';
import { createSuggestion } from '../../suggestions/suggestion.service.js';
import { loadTenantSettings, type TenantSettings } from '../../tenants/tenant-settings.js';
import type { AgentDecision } from '../llm/agent-provider.js';
import { RULE_REASONS } from '../knowledge-responder.js';
import { finishRun, messagesSince, moveAgentCursor, supersededStreak, type RunEnd } from './agent-run.repository.js';
import type { RunDecider, RunDecision } from './run-decider.js';
import { handOff, ineligibility, type StartedRun } from './start-run.js';
import { scheduleAgentRun } from './schedule-agent-run.js';

/**
 * An AI-authored message has no user and no application (user_id and user_name null); the Actor type names every
 * human or application sender, so the agent's author is spelled out here once.
 */
const AGENT_AUTHOR = { userId: null, applicationId: null, name: null, source: 'user' } as unknown as Actor;

/** After two superseded runs in a row the third applies its decision anyway (§3). */
const SUPERSEDED_RUNS_BEFORE_APPLYING = 2;

interface Commit {
  tx: Queryable;
  run: StartedRun;
  decider: RunDecider;
  conversation: ConversationRecord;
  settings: TenantSettings;
  lastTriggerId: number;
  now: Date;
}

/**
 * §3 step 5, in the job's completing transaction with the conversation locked: checks again, then applies the
 * decision (§5) or records why not. The run leaves `running` in this transaction and its message or suggestion
 * carries its id under a unique index, so a decision is applied at most once.
 */
export async function commitDecision(tx: Queryable, decider: RunDecider, run: StartedRun, result: RunDecision, now: Date): Promise<void> {
  const { tenantId, conversationId } = run.context;
  const conversation = await findConversation(tx, tenantId, conversationId, true);
  if (!conversation) return;
  const commit: Commit = {
    tx,
    run,
    decider,
    conversation,
    settings: await loadTenantSettings(tx, tenantId),
    lastTriggerId: run.context.triggers.at(-1)!.id,
    now,
  };
  const since = await messagesSince(tx, tenantId, conversationId, run.sinceMessageId, commit.lastTriggerId);
  const notNow = since.humanSent ? 'human_replied' : await ineligibility(tx, conversation, now);
  if (notNow !== null && notNow !== 'channel_inactive') return end(commit, { status: 'discarded', reason: notNow, stats: statsOf(result) });
  if (since.newerCustomer && (await supersededStreak(tx, tenantId, conversationId)) < SUPERSEDED_RUNS_BEFORE_APPLYING) {
    await end(commit, { status: 'superseded', stats: statsOf(result), reason: result.ok ? result.decision.reason : null }, false);
    return scheduleAgentRun(tx, { tenantId, agentMode: run.mode }, conversationId, run.context.triggers[0]!.id, now, 0);
  }
  if (!result.ok) return failRun(commit, result.error, statsOf(result));
  return applyDecision(commit, result.decision, result);
}

async function applyDecision(commit: Commit, decision: AgentDecision, result: RunDecision & { ok: true }): Promise<void> {
  const stats = statsOf(result);
  const reason = decision.reason;
  if (decision.abusive || decision.spam) {
    const blacklistEntryId = await block(commit, decision, result.rule ?? null);
    return end(commit, { status: 'completed', outcome: 'blocked', blacklistEntryId, reason, stats });
  }
  const handoff = decision.handoff || decision.reply === '';
  if (commit.run.mode === 'copilot') {
    const suggestionId =
      decision.reply === ''
        ? null
        : await createSuggestion(
            commit.tx,
            commit.conversation.tenant_id,
            commit.conversation.id,
            {
              originalText: decision.reply,
              triggerMessageIds: commit.run.context.triggers.map((trigger) => trigger.id),
              pendingActions: handoff ? [{ type: 'handoff', reason: reason ?? '' }] : [],
              agentRunId: commit.run.runId,
            },
            commit.now,
          );
    if (handoff) await handOff(commit.tx, commit.conversation, commit.lastTriggerId, commit.now);
    return end(commit, { status: 'completed', outcome: handoff ? 'handoff' : 'suggested', suggestionId, reason, stats });
  }
  const text = decision.reply !== '' ? decision.reply : handoff ? commit.settings.agent.handoff_message : null;
  const sent = text ? await sendAsAgent(commit, text) : { messageId: null };
  if ('refused' in sent) return failRun(commit, sent.refused, stats, false);
  if (handoff) await handOff(commit.tx, commit.conversation, commit.lastTriggerId, commit.now);
  return end(commit, { status: 'completed', outcome: handoff ? 'handoff' : 'replied', replyMessageId: sent.messageId, reason, stats });
}

/** §6.2: a failed run hands off; in autonomous mode the handoff message is sent, unless the send itself was refused. */
async function failRun(commit: Commit, error: string, stats: RunEnd['stats'], sendHandoffMessage = true): Promise<void> {
  const message = commit.settings.agent.handoff_message;
  const sent = sendHandoffMessage && commit.run.mode === 'autonomous' && message ? await sendAsAgent(commit, message) : null;
  await handOff(commit.tx, commit.conversation, commit.lastTriggerId, commit.now);
  const replyMessageId = sent && 'messageId' in sent ? sent.messageId : null;
  return end(commit, { status: 'failed', outcome: 'handoff', error: error.slice(0, 300), replyMessageId, stats });
}

/** An AI-authored message (§5) through the outbound pipeline; the send rules may refuse it. */
async function sendAsAgent(commit: Commit, text: string): Promise<{ messageId: number } | { refused: string }> {
  const { tx, conversation, now } = commit;
  try {
    await assertCanSend(tx, conversation, now);
  } catch (error) {
    if (error instanceof AppError) return { refused: error.message };
    throw error;
  }
  const row = { text, messageType: 'text', quotedMessageId: null, source: 'agent', extraMetadata: { agent_run_id: commit.run.runId } };
  const messageId = await insertOutboundMessage(tx, conversation, AGENT_AUTHOR, row, deliveryOrderingKey(conversation.tenant_id, conversation.id), now);
  recordEvents(
    tx,
    conversation.tenant_id,
    AGENT_ACTOR,
    now,
    { kind: 'message', id: messageId, change: 'created' },
    { kind: 'conversation', id: conversation.id, change: 'updated' },
  );
  return { messageId };
}

/** §8: blocks the customer on the channel; an active entry already there is the run's and none is added (§10.7). */
async function block(commit: Commit, decision: AgentDecision, rule: RunDecision['rule']): Promise<number> {
  const { tx, conversation, now } = commit;
  const reason = decision.reason ?? (rule ? RULE_REASONS[rule] : null);
  const abusive = decision.abusive;
  const ttl = commit.settings.agent.block_ttl_seconds;
  const blockedAt = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const origin = rule ? { source: 'agent_rules', rule } : { source: 'agent' };
  const entry = {
    channelId: conversation.channel_id,
    customerId: conversation.customer_id,
    reason: abusive ? ('abusive_language' as const) : ('llm_spam' as const),
    note: `Automatic block by the AI agent: ${reason ?? (abusive ? 'Abusive language.' : 'Spam.')}`,
    blockedAt,
    expiresAt: ttl === null ? null : new Date(blockedAt.getTime() + ttl * 1000),
    metadata: { ...origin, agent_run_id: commit.run.runId, provider: commit.decider.provider, model: commit.decider.model, reason },
    createdByUserId: null,
  };
  const added = await insertUnlessBlocked(tx, conversation.tenant_id, entry, AGENT_ACTOR, now);
  return added ?? (await findActiveEntryId(tx, conversation.tenant_id, conversation.channel_id, conversation.customer_id, now))!;
}

function statsOf(result: RunDecision): RunEnd['stats'] {
  return { attempts: result.attempts, latencyMs: result.latencyMs, promptTokens: result.promptTokens, completionTokens: result.completionTokens };
}

/** The run leaves `running` here or the whole commit is undone (another process applied it first). */
async function end(commit: Commit, runEnd: RunEnd, moveCursor = true): Promise<void> {
  const { tx, conversation, run, now } = commit;
  if (!(await finishRun(tx, conversation.tenant_id, run.runId, runEnd, now))) throw new RunAlreadyFinished(`Agent run ${run.runId} is no longer running.`);
  if (moveCursor) await moveAgentCursor(tx, conversation.tenant_id, conversation.id, commit.lastTriggerId);
}

export class RunAlreadyFinished extends Error {}
