import { defineRoute } from '../../../http/define-route.js';
import { AppError, notFound } from '../../../platform/errors.js';
import { MESSAGES } from '../../../http/errors.js';
import { rule } from '../../../http/validation.js';
import { actorOf } from '../../conversations/actor.js';
import { loadConversation } from '../../conversations/load-conversation.js';
import { sendResult, sendResultSchema } from '../../messages/message.resource.js';
import { envelopeSchema, paginatorSchema } from '../../../http/openapi-schemas.js';
import { findPendingSuggestion, listSuggestions, NO_PENDING_SUGGESTION } from '../suggestion.repository.js';
import { suggestionResource, suggestionSchema } from '../suggestion.resource.js';
import { sendSuggestion as send } from '../suggestion.service.js';

export const getAiSuggestion = defineRoute({
  method: 'GET',
  url: '/api/v1/conversations/:id/ai-suggestion',
  permission: 'conversations.view',
  scopes: ['conversations:read'],
  summary: 'The pending AI suggestion',
  description: '404 when the conversation has no pending draft.',
  tags: ['AI suggestions'],
  responseSchema: envelopeSchema(suggestionSchema),
  load: loadConversation,
  handler: async ({ deps, tenantId, loaded }) => {
    const pending = await findPendingSuggestion(deps.db, tenantId, loaded.id);
    if (!pending) throw notFound(NO_PENDING_SUGGESTION);
    return { success: 'AI suggestion retrieved successfully.', data: suggestionResource(pending) };
  },
});

export const listAiSuggestions = defineRoute({
  method: 'GET',
  url: '/api/v1/conversations/:id/ai-suggestions',
  permission: 'conversations.view',
  scopes: ['conversations:read'],
  summary: "List a conversation's AI suggestions",
  description: 'Every suggestion, pending, sent or superseded, newest first; a sent one shows its `final_text` and `sent_at`.',
  tags: ['AI suggestions'],
  paginated: true,
  responseSchema: paginatorSchema(suggestionSchema),
  load: loadConversation,
  handler: async ({ deps, tenantId, loaded, page, paginate }) => {
    const { rows, total } = await listSuggestions(deps.db, tenantId, loaded.id, page.perPage, page.offset);
    return paginate(rows.map(suggestionResource), total);
  },
});

export const sendAiSuggestion = defineRoute({
  method: 'POST',
  url: '/api/v1/conversations/:id/ai-suggestion/send',
  permission: 'conversations.reply',
  scopes: ['conversations:write'],
  summary: 'Send the pending AI suggestion',
  description: 'As it is or edited. `take_over_agent: true` also pauses the agent indefinitely (needs conversations.manage_agent).',
  tags: ['AI suggestions'],
  responseSchema: envelopeSchema(sendResultSchema),
  load: loadConversation,
  body: {
    send_source: rule.enum(['suggestion_as_is', 'suggestion_edited'] as const).required(),
    message: rule.string().requiredIf('send_source', 'suggestion_edited').nullable().max(4096),
    take_over_agent: rule.boolean().nullable(),
  },
  handler: async ({ deps, tenantId, loaded, body, context }) => {
    const takeOverAgent = body.take_over_agent === true;
    if (takeOverAgent && !context.permissions.has('conversations.manage_agent')) throw new AppError('forbidden', MESSAGES.forbidden);
    const editedText = body.send_source === 'suggestion_edited' ? body.message! : null;
    const messageId = await send(deps.db, tenantId, loaded.id, actorOf(context.principal), { editedText, takeOverAgent }, deps.clock.now());
    return { success: 'AI suggestion sent successfully.', data: sendResult(messageId, loaded.id) };
  },
});
