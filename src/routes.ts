import type { AnyRoute } from './http/define-route.js';
import { listConversations } from './modules/conversations/routes/list-conversations.js';
import { createConversation } from './modules/conversations/routes/create-conversation.js';
import { getConversation } from './modules/conversations/routes/get-conversation.js';
import { markConversationRead } from './modules/conversations/routes/mark-conversation-read.js';
import { listMessages } from './modules/messages/routes/list-messages.js';
import { sendMessage } from './modules/messages/routes/send-message.js';
import { editMessage } from './modules/messages/routes/edit-message.js';
import { deleteMessage } from './modules/messages/routes/delete-message.js';
import { disableAgent, enableAgent, getAgentStatus } from './modules/agent/routes/agent-pause.js';
import { getAiSuggestion, sendAiSuggestion } from './modules/suggestions/routes/ai-suggestion.js';
import { listChannels } from './modules/channels/routes/list-channels.js';
import { listAccountTenants } from './modules/account/routes/list-account-tenants.js';
import { sendMediaMessage } from './modules/messages/routes/send-media.js';
import { getFileContent, getFileThumbnail } from './modules/files/routes/file-content.js';
import {
  createApplication, deleteApplicationRoute, getApplication, listApplicationsRoute, regenerateApplicationSecret, updateApplicationRoute,
} from './modules/oauth/applications/routes/application-routes.js';

/** Every /api/v1 route. Tests walk this list, so a route registered here is covered by the security suite. */
export const apiRoutes: AnyRoute[] = [
  listConversations,
  createConversation,
  getConversation,
  markConversationRead,
  listMessages,
  sendMessage,
  editMessage,
  deleteMessage,
  getAgentStatus,
  disableAgent,
  enableAgent,
  getAiSuggestion,
  sendAiSuggestion,
  listChannels,
  listAccountTenants,
  sendMediaMessage,
  getFileContent,
  getFileThumbnail,
  listApplicationsRoute,
  createApplication,
  getApplication,
  updateApplicationRoute,
  regenerateApplicationSecret,
  deleteApplicationRoute,
];
