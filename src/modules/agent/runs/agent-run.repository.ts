import { recordEvents } from '../../events/event-recorder.js';
import { AGENT_ACTOR } from '../../events/event-types.js';
import type { Queryable } from '../../../platform/db/db.js';
import type { ProviderName } from '../llm/agent-provider.js';

/** The SQL of the agent's runs and the conversation's agent cursor (docs/agent-runs.md). */

export type RunStatus = 'running' | 'completed' | 'failed' | 'superseded' | 'discarded' | 'skipped';
export type RunOutcome = 'replied' | 'suggested' | 'handoff' | 'blocked';
export type AgentMode = 'autonomous' | 'copilot';

export interface AgentRunRow {
  id: number;
  conversation_id: number;
  channel_id: number | null;
  mode: string;
  provider: string | null;
  model: string | null;
  status: RunStatus;
  outcome: RunOutcome | null;
  trigger_message_ids: number[];
  reply_message_id: number | null;
  ai_suggestion_id: number | null;
  blacklist_entry_id: number | null;
  attempts: number;
  latency_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  reason: string | null;
  error: string | null;
  started_at: Date | null;
  created_at: Date;
  finished_at: Date | null;
}

const RUN_COLUMNS = `id, conversation_id, channel_id, mode, provider, model, status, outcome, trigger_message_ids, reply_message_id,
  ai_suggestion_id, blacklist_entry_id, attempts, latency_ms, prompt_tokens, completion_tokens, reason, error, started_at, created_at, finished_at`;

export interface NewRun {
  conversationId: number;
  channelId: number;
  mode: AgentMode;
  provider: ProviderName;
  model: string | null;
  triggerIds: number[];
  status: 'running' | 'skipped';
  reason: string | null;
}

export async function insertRun(tx: Queryable, tenantId: number, run: NewRun, now: Date): Promise<number> {
  const result = await tx.query<{ id: number }>(
    `INSERT INTO agent_runs (tenant_id, conversation_id, channel_id, mode, provider, model, trigger_message_ids, status, reason,
                             started_at, created_at, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, CASE WHEN $8 = 'running' THEN NULL ELSE $10::timestamptz END) RETURNING id`,
    [tenantId, run.conversationId, run.channelId, run.mode, run.provider, run.model, JSON.stringify(run.triggerIds), run.status, run.reason, now],
  );
  const id = Number(result.rows[0]!.id);
  // A skipped run is final when recorded; a running one emits when it finishes (docs/events.md#event-types).
  if (run.status === 'skipped') recordEvents(tx, tenantId, AGENT_ACTOR, now, { kind: 'agent_run', id, change: 'finished' });
  return id;
}

export interface RunEnd {
  status: Exclude<RunStatus, 'running' | 'skipped'>;
  outcome?: RunOutcome | null;
  reason?: string | null;
  error?: string | null;
  replyMessageId?: number | null;
  suggestionId?: number | null;
  blacklistEntryId?: number | null;
  stats?: { attempts: number; latencyMs: number; promptTokens: number | null; completionTokens: number | null };
}

/**
 * A run leaves `running` once: false when it had left already (a retried or reclaimed job), and the caller's
 * transaction must then apply nothing.
 */
export async function finishRun(tx: Queryable, tenantId: number, runId: number, end: RunEnd, now: Date): Promise<boolean> {
  const result = await tx.query(
    `UPDATE agent_runs SET status = $3, outcome = $4, reason = $5, error = $6, reply_message_id = $7, ai_suggestion_id = $8,
            blacklist_entry_id = $9, attempts = COALESCE($10, attempts), latency_ms = COALESCE($11, latency_ms),
            prompt_tokens = COALESCE($12, prompt_tokens), completion_tokens = COALESCE($13, completion_tokens), finished_at = $14
      WHERE tenant_id = $1 AND id = $2 AND status = 'running'`,
    [
      tenantId,
      runId,
      end.status,
      end.outcome ?? null,
      end.reason ?? null,
      end.error ?? null,
      end.replyMessageId ?? null,
      end.suggestionId ?? null,
      end.blacklistEntryId ?? null,
      end.stats?.attempts ?? null,
      end.stats?.latencyMs ?? null,
      end.stats?.promptTokens ?? null,
      end.stats?.completionTokens ?? null,
      now,
    ],
  );
  const finished = (result.rowCount ?? 0) > 0;
  if (finished) recordEvents(tx, tenantId, AGENT_ACTOR, now, { kind: 'agent_run', id: runId, change: 'finished' });
  return finished;
}

/** The run a crashed process left `running` in this conversation, if any. */
export async function findRunningRun(tx: Queryable, tenantId: number, conversationId: number): Promise<AgentRunRow | null> {
  const result = await tx.query<AgentRunRow>(
    `SELECT ${RUN_COLUMNS} FROM agent_runs WHERE tenant_id = $1 AND conversation_id = $2 AND status = 'running' ORDER BY id DESC LIMIT 1`,
    [tenantId, conversationId],
  );
  return result.rows[0] ?? null;
}

/** Interrupted runs of these triggers: the second one hands off (§3). */
export async function countInterruptions(tx: Queryable, tenantId: number, conversationId: number, triggerIds: number[]): Promise<number> {
  const result = await tx.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM agent_runs
      WHERE tenant_id = $1 AND conversation_id = $2 AND status = 'failed' AND error = 'interrupted' AND trigger_message_ids = $3::jsonb`,
    [tenantId, conversationId, JSON.stringify(triggerIds)],
  );
  return result.rows[0]!.count;
}

/** Superseded runs since the conversation's last completed or failed one (the third applies anyway). */
export async function supersededStreak(tx: Queryable, tenantId: number, conversationId: number): Promise<number> {
  const result = await tx.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM agent_runs
      WHERE tenant_id = $1 AND conversation_id = $2 AND status = 'superseded'
        AND id > COALESCE((SELECT max(id) FROM agent_runs WHERE tenant_id = $1 AND conversation_id = $2 AND status IN ('completed', 'failed')), 0)`,
    [tenantId, conversationId],
  );
  return result.rows[0]!.count;
}

export async function findRun(db: Queryable, tenantId: number, runId: number): Promise<AgentRunRow | null> {
  const result = await db.query<AgentRunRow>(`SELECT ${RUN_COLUMNS} FROM agent_runs WHERE tenant_id = $1 AND id = $2`, [tenantId, runId]);
  return result.rows[0] ?? null;
}

export async function listRuns(
  db: Queryable,
  tenantId: number,
  conversationId: number,
  limit: number,
  offset: number,
): Promise<{ rows: AgentRunRow[]; total: number }> {
  const [rows, total] = await Promise.all([
    db.query<AgentRunRow>(`SELECT ${RUN_COLUMNS} FROM agent_runs WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY id DESC LIMIT $3 OFFSET $4`, [
      tenantId,
      conversationId,
      limit,
      offset,
    ]),
    db.query<{ count: number }>(`SELECT count(*)::int AS count FROM agent_runs WHERE tenant_id = $1 AND conversation_id = $2`, [tenantId, conversationId]),
  ]);
  return { rows: rows.rows, total: total.rows[0]!.count };
}

export interface TriggerMessage {
  id: number;
  message_type: string;
  message: string | null;
}

/** §3 step 1: the customer messages above the cursor (and from `fromId` on), oldest first, at most the 20 newest. */
export async function findTriggers(tx: Queryable, tenantId: number, conversationId: number, fromId: number): Promise<TriggerMessage[]> {
  const result = await tx.query<TriggerMessage>(
    `SELECT id, message_type, message FROM messages
      WHERE tenant_id = $1 AND conversation_id = $2 AND is_customer AND NOT is_deleted
        AND id > (SELECT agent_cursor_message_id FROM conversations WHERE tenant_id = $1 AND id = $2) AND id >= $3
      ORDER BY id DESC LIMIT 20`,
    [tenantId, conversationId, fromId],
  );
  return result.rows.map((row) => ({ ...row, id: Number(row.id) })).reverse();
}

/** The cursor only moves forward. */
export async function moveAgentCursor(tx: Queryable, tenantId: number, conversationId: number, messageId: number): Promise<void> {
  await tx.query(`UPDATE conversations SET agent_cursor_message_id = GREATEST(agent_cursor_message_id, $3) WHERE tenant_id = $1 AND id = $2`, [
    tenantId,
    conversationId,
    messageId,
  ]);
}

/** What §3 step 5 checks again before a decision is applied: a newer customer message, a human's send since `sinceId`. */
export async function messagesSince(tx: Queryable, tenantId: number, conversationId: number, sinceId: number, lastTriggerId: number) {
  const result = await tx.query<{ newer_customer: boolean; human_sent: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND is_customer AND NOT is_deleted AND id > $4) AS newer_customer,
            EXISTS (SELECT 1 FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND NOT is_customer AND id > $3
                       AND source IN ('user', 'application', 'ai_suggestion')) AS human_sent`,
    [tenantId, conversationId, sinceId, lastTriggerId],
  );
  return { newerCustomer: result.rows[0]!.newer_customer, humanSent: result.rows[0]!.human_sent };
}

/** The newest message id of the conversation: a human send above it came after the run was recorded. */
export async function newestMessageId(tx: Queryable, tenantId: number, conversationId: number): Promise<number> {
  const result = await tx.query<{ id: number | null }>(`SELECT max(id) AS id FROM messages WHERE tenant_id = $1 AND conversation_id = $2`, [
    tenantId,
    conversationId,
  ]);
  return Number(result.rows[0]!.id ?? 0);
}
