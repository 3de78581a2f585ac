import type { Queryable } from '../../../platform/db/db.js';
import { enqueueSql } from '../../../platform/jobs/job-queue.js';
import { agentRunJob } from './agent-run.job.js';

/** The channel a customer message was stored on, with its `agent_mode` as the inbound path loaded it. */
export interface AgentChannel {
  tenantId: number;
  agentMode?: unknown;
}

/** A run may follow at most three debounce periods after its job was first scheduled (docs/agent-runs.md#trigger-and-debounce). */
const DEBOUNCE_CAP_PERIODS = 3;

export function agentAnswers(mode: unknown): mode is 'autonomous' | 'copilot' {
  return mode === 'autonomous' || mode === 'copilot';
}

/** Jobs of one conversation's agent run one at a time; the debounce pushes the one not yet started. */
export function agentOrderingKey(tenantId: number, conversationId: number): string {
  return `agent:${tenantId}:${conversationId}`;
}

/**
 * Schedules (or pushes back) the conversation's `agent_run` job in the caller's transaction, which holds the
 * conversation lock, so the enqueuers of one conversation never race. Nothing at all when the channel's agent is
 * off: the inbound path calls this for every customer message. The job answers customer messages from
 * `fromMessageId` on (the one that scheduled it, or a superseded run's first trigger): older ones above the cursor
 * came while the agent was off and are the humans'. `debounceMs` is the tenant's `agent.debounce_seconds` (the caller
 * has the settings at hand); 0 runs at once (a superseded run's follow-up).
 */
export async function scheduleAgentRun(
  tx: Queryable,
  channel: AgentChannel,
  conversationId: number,
  fromMessageId: number,
  now: Date,
  debounceMs: number,
): Promise<void> {
  if (!agentAnswers(channel.agentMode)) return;
  const runAt = new Date(now.getTime() + debounceMs);
  const capMs = now.getTime() + DEBOUNCE_CAP_PERIODS * debounceMs;
  await tx.query(
    `WITH pushed AS (
       UPDATE jobs SET run_at = LEAST($4::timestamptz, to_timestamp((payload ->> 'cap_ms')::bigint / 1000.0)), updated_at = $5,
              payload = jsonb_set(payload, '{from_message_id}', to_jsonb(LEAST((payload ->> 'from_message_id')::bigint, $7::bigint)))
        WHERE ordering_key = $3 AND type = '${agentRunJob.type}' AND status IN ('pending', 'waiting') RETURNING id)
     ${enqueueSql(tx, agentRunJob, {
       tenantId: '$1',
       payload: { conversation_id: '$2::bigint', cap_ms: '$6::bigint', from_message_id: '$7::bigint' },
       orderingKey: '$3',
       runAt: '$4',
       from: '(SELECT 1) AS one WHERE NOT EXISTS (SELECT 1 FROM pushed)',
     })}`,
    [channel.tenantId, conversationId, agentOrderingKey(channel.tenantId, conversationId), runAt, now, capMs, fromMessageId],
  );
}
