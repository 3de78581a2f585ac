import type { Clock } from '../../../platform/clock.js';
import type { Queryable } from '../../../platform/db/db.js';
import type { ChannelType } from '../../channels/channel-types.js';
import { searchKnowledge } from '../../knowledge/knowledge-search.js';
import { loadTenantSettings } from '../../tenants/tenant-settings.js';
import { answerFromKnowledge, asAgentDecision, type EmbeddedRule } from '../knowledge-responder.js';
import type { AgentProvider, DecisionResult, ProviderName } from '../llm/agent-provider.js';
import { PROMPT_ARTICLE_LIMIT, PROMPT_HISTORY_LIMIT, type PromptMessage } from '../llm/prompt.js';
import type { TriggerMessage } from './agent-run.repository.js';

/**
 * The one shape a run asks for a decision through, whichever provider answers (docs/agent-runs.md#providers): the
 * model client (given a prompt) or the embedded knowledge-base responder (given the triggers). The embedded rules'
 * blocks also say which rule fired.
 */
export interface RunContext {
  tenantId: number;
  conversationId: number;
  channelId: number;
  channelType: ChannelType;
  customerId: number;
  triggers: TriggerMessage[];
}

export type RunDecision = DecisionResult & { rule?: EmbeddedRule | null };

export interface RunDecider {
  readonly provider: ProviderName;
  readonly model: string | null;
  decide(db: Queryable, clock: Clock, context: RunContext): Promise<RunDecision>;
}

/** The process's decider: the model client when one is configured, else the embedded responder. */
export function runDecider(model: AgentProvider | null): RunDecider {
  return model ? modelDecider(model) : knowledgeDecider;
}

const knowledgeDecider: RunDecider = {
  provider: 'knowledge_base',
  model: null,
  async decide(db, clock, context) {
    const started = performance.now();
    const answer = await answerFromKnowledge(db, clock, {
      tenantId: context.tenantId,
      channelId: context.channelId,
      customerId: context.customerId,
      triggers: context.triggers.map((trigger) => ({ text: trigger.message })),
    });
    return {
      ok: true,
      decision: asAgentDecision(answer),
      rule: answer.rule,
      // §10.6: one attempt, the responder's time.
      attempts: 1,
      latencyMs: Math.round(performance.now() - started),
      promptTokens: null,
      completionTokens: null,
    };
  },
};

function modelDecider(provider: AgentProvider): RunDecider {
  return {
    provider: provider.name,
    model: provider.model,
    async decide(db, _clock, context) {
      const text = context.triggers.map((trigger) => trigger.message ?? '').join('\n');
      const [settings, tenant, knowledge, history] = await Promise.all([
        loadTenantSettings(db, context.tenantId),
        db.query<{ name: string }>('SELECT name FROM tenants WHERE id = $1', [context.tenantId]),
        searchKnowledge(db, context.tenantId, text, PROMPT_ARTICLE_LIMIT),
        recentHistory(db, context.tenantId, context.conversationId, context.triggers.at(-1)!.id),
      ]);
      return provider.decide({
        tenantName: tenant.rows[0]?.name ?? '',
        channelType: context.channelType,
        instructions: settings.agent.instructions,
        articles: knowledge.articles.map((article) => ({ title: article.title, body: article.body })),
        history,
      });
    },
  };
}

/** The conversation's newest messages up to the last trigger, not deleted, oldest first. */
async function recentHistory(db: Queryable, tenantId: number, conversationId: number, lastTriggerId: number): Promise<PromptMessage[]> {
  const result = await db.query<{ is_customer: boolean; message_type: string; message: string | null; file_name: string | null }>(
    `SELECT m.is_customer, m.message_type, m.message, f.name AS file_name
       FROM messages m LEFT JOIN files f ON f.tenant_id = m.tenant_id AND f.id = m.file_id
      WHERE m.tenant_id = $1 AND m.conversation_id = $2 AND NOT m.is_deleted AND m.id <= $3
      ORDER BY m.id DESC LIMIT $4`,
    [tenantId, conversationId, lastTriggerId, PROMPT_HISTORY_LIMIT],
  );
  return result.rows.reverse().map((row) => ({ isCustomer: row.is_customer, messageType: row.message_type, text: row.message, fileName: row.file_name }));
}
