import { defineRoute, type PathRequest } from '../../../../http/define-route.js';
import { envelopeSchema, paginatorSchema } from '../../../../http/openapi-schemas.js';
import { parsePathId } from '../../../../http/path-id.js';
import { notFound } from '../../../../platform/errors.js';
import { loadConversation } from '../../../conversations/load-conversation.js';
import { findRun, listRuns, type AgentRunRow } from '../agent-run.repository.js';
import { agentRunResource, agentRunSchema } from '../agent-run.resource.js';

export const listAgentRuns = defineRoute({
  method: 'GET',
  url: '/api/v1/conversations/:id/agent-runs',
  permission: 'conversations.view',
  scopes: ['conversations:read'],
  summary: "List a conversation's agent runs",
  description: 'Every run of the AI agent in the conversation, newest first: its triggers, provider, model, latency, tokens and outcome.',
  tags: ['AI agent'],
  paginated: true,
  responseSchema: paginatorSchema(agentRunSchema),
  load: loadConversation,
  handler: async ({ deps, tenantId, loaded, page, paginate }) => {
    const { rows, total } = await listRuns(deps.db, tenantId, loaded.id, page.perPage, page.offset);
    return paginate(rows.map(agentRunResource), total);
  },
});

async function loadAgentRun(request: PathRequest): Promise<AgentRunRow> {
  const id = parsePathId(request.params.id);
  const run = id === null ? null : await findRun(request.deps.db, request.tenantId, id);
  if (!run) throw notFound('Agent run not found.');
  return run;
}

export const getAgentRun = defineRoute({
  method: 'GET',
  url: '/api/v1/agent-runs/:id',
  permission: 'conversations.view',
  scopes: ['conversations:read'],
  summary: 'An agent run',
  description: "One run of the AI agent; 404 for another tenant's run.",
  tags: ['AI agent'],
  responseSchema: envelopeSchema(agentRunSchema),
  load: loadAgentRun,
  handler: async ({ loaded }) => ({ success: 'Agent run retrieved successfully.', data: agentRunResource(loaded) }),
});
