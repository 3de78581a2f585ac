import { defineRoute } from '../../../http/define-route.js';
import { rule } from '../../../http/validation.js';
import { actorOf } from '../../conversations/actor.js';
import { loadConversation } from '../../conversations/load-conversation.js';
import { pauseConversationAgent, resumeConversationAgent } from '../agent.service.js';
import { agentStatusResource, agentStatusSchema } from '../agent-status.resource.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { messageResultResponse } from '../../../http/message-result.js';

export const getAgentStatus = defineRoute({
  method: 'GET',
  url: '/api/v1/conversations/:id/agent',
  permission: 'conversations.view',
  scopes: ['conversations:read'],
  summary: 'AI agent status of a conversation',
  tags: ['AI agent'],
  responseSchema: envelopeSchema(agentStatusSchema),
  load: loadConversation,
  handler: async ({ deps, loaded }) => ({
    success: 'Agent status retrieved successfully.',
    data: agentStatusResource(loaded, deps.clock.now()),
  }),
});

export const disableAgent = defineRoute({
  method: 'POST',
  url: '/api/v1/conversations/:id/agent/disable',
  permission: 'conversations.manage_agent',
  scopes: ['conversations:write'],
  summary: 'Pause the AI agent',
  description: 'For `duration_minutes` (1..525600), or until enabled again when omitted. Replaces any pause in effect.',
  tags: ['AI agent'],
  responseSchema: messageResultResponse,
  load: loadConversation,
  body: { duration_minutes: rule.integer().nullable().min(1).max(525600) },
  handler: async ({ deps, tenantId, loaded, body, context }) => {
    const minutes = body.duration_minutes ?? null;
    const now = deps.clock.now();
    const expiresAt = minutes === null ? null : new Date(now.getTime() + minutes * 60_000);
    await pauseConversationAgent(deps.db, tenantId, loaded.id, actorOf(context.principal), expiresAt, now);
    const message =
      minutes === null ? 'The AI agent is paused until it is enabled again.' : `The AI agent is paused for ${minutes} minute${minutes === 1 ? '' : 's'}.`;
    return { success: 'Agent disabled successfully.', data: { message } };
  },
});

export const enableAgent = defineRoute({
  method: 'POST',
  url: '/api/v1/conversations/:id/agent/enable',
  permission: 'conversations.manage_agent',
  scopes: ['conversations:write'],
  summary: 'Resume the AI agent',
  description: 'Clears any pause. Idempotent.',
  tags: ['AI agent'],
  responseSchema: messageResultResponse,
  load: loadConversation,
  handler: async ({ deps, tenantId, loaded, context }) => {
    await resumeConversationAgent(deps.db, tenantId, loaded.id, actorOf(context.principal), deps.clock.now());
    return { success: 'Agent enabled successfully.', data: { message: 'The AI agent is enabled.' } };
  },
});
