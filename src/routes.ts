import type { AnyRoute } from './http/define-route.js';
import { listConversations } from './modules/conversations/routes/list-conversations.js';
import { createConversation } from './modules/conversations/routes/create-conversation.js';
import { getConversation } from './modules/conversations/routes/get-conversation.js';
import { markConversationRead } from './modules/conversations/routes/mark-conversation-read.js';
import { getReplyWindow } from './modules/conversations/routes/get-reply-window.js';
import { listMessages } from './modules/messages/routes/list-messages.js';
import { sendMessage } from './modules/messages/routes/send-message.js';
import { editMessage } from './modules/messages/routes/edit-message.js';
import { deleteMessage } from './modules/messages/routes/delete-message.js';
import { disableAgent, enableAgent, getAgentStatus } from './modules/agent/routes/agent-pause.js';
import { getAiSuggestion, listAiSuggestions, sendAiSuggestion } from './modules/suggestions/routes/ai-suggestion.js';
import { getAgentRun, listAgentRuns } from './modules/agent/runs/routes/agent-runs.js';
import { listChannels } from './modules/channels/routes/list-channels.js';
import { getChannel } from './modules/channels/routes/get-channel.js';
import { createChannel } from './modules/channels/routes/create-channel.js';
import { updateChannel } from './modules/channels/routes/update-channel.js';
import { getTenantSettings, updateTenantSettings } from './modules/tenants/routes/tenant-settings-routes.js';
import { listAccountTenants } from './modules/account/routes/list-account-tenants.js';
import { sendMediaMessage } from './modules/messages/routes/send-media.js';
import { getFileContent, getFileThumbnail } from './modules/files/routes/file-content.js';
import { listCustomers } from './modules/customers/routes/list-customers.js';
import { createCustomer } from './modules/customers/routes/create-customer.js';
import { getCustomer } from './modules/customers/routes/get-customer.js';
import { updateCustomer } from './modules/customers/routes/update-customer.js';
import { deleteCustomer } from './modules/customers/routes/delete-customer.js';
import { listBlacklistEntries } from './modules/blacklist/routes/list-blacklist-entries.js';
import { blockCustomer } from './modules/blacklist/routes/block-customer.js';
import { updateBlacklistEntry } from './modules/blacklist/routes/update-blacklist-entry.js';
import { unblockCustomer } from './modules/blacklist/routes/unblock-customer.js';
import { listQuarantinedMessages } from './modules/blacklist/routes/list-quarantined-messages.js';
import { listUsers } from './modules/users/routes/list-users.js';
import { createUser } from './modules/users/routes/create-user.js';
import { getUser } from './modules/users/routes/get-user.js';
import { updateUser } from './modules/users/routes/update-user.js';
import { deleteUser } from './modules/users/routes/delete-user.js';
import { listUserRoles } from './modules/users/routes/list-user-roles.js';
import { syncUserRoles } from './modules/users/routes/sync-user-roles.js';
import { listRoles } from './modules/roles/routes/list-roles.js';
import { getRole } from './modules/roles/routes/get-role.js';
import { getAccountRoles } from './modules/account/routes/account-roles.js';
import {
  createApplication,
  deleteApplicationRoute,
  getApplication,
  listApplicationsRoute,
  regenerateApplicationSecret,
  updateApplicationRoute,
} from './modules/oauth/applications/routes/application-routes.js';
import {
  createKnowledgeArticle,
  deleteKnowledgeArticle,
  getKnowledgeArticle,
  listKnowledgeArticles,
  updateKnowledgeArticle,
} from './modules/knowledge/routes/article-routes.js';
import { streamEvents } from './modules/events/routes/stream-events.js';
import { listEventLog } from './modules/events/routes/list-event-log.js';

/** Every /api/v1 route. Tests walk this list, so a route registered here is covered by the security suite. */
export const apiRoutes: AnyRoute[] = [
  listConversations,
  createConversation,
  getConversation,
  markConversationRead,
  getReplyWindow,
  listMessages,
  sendMessage,
  editMessage,
  deleteMessage,
  getAgentStatus,
  disableAgent,
  enableAgent,
  getAiSuggestion,
  listAiSuggestions,
  sendAiSuggestion,
  listAgentRuns,
  getAgentRun,
  listChannels,
  getChannel,
  createChannel,
  updateChannel,
  getTenantSettings,
  updateTenantSettings,
  listAccountTenants,
  sendMediaMessage,
  getFileContent,
  getFileThumbnail,
  listCustomers,
  createCustomer,
  getCustomer,
  updateCustomer,
  deleteCustomer,
  listBlacklistEntries,
  blockCustomer,
  updateBlacklistEntry,
  unblockCustomer,
  listUsers,
  createUser,
  getUser,
  updateUser,
  deleteUser,
  listUserRoles,
  syncUserRoles,
  listRoles,
  getRole,
  getAccountRoles,
  listApplicationsRoute,
  createApplication,
  getApplication,
  updateApplicationRoute,
  regenerateApplicationSecret,
  deleteApplicationRoute,
  listQuarantinedMessages,
  listKnowledgeArticles,
  createKnowledgeArticle,
  getKnowledgeArticle,
  updateKnowledgeArticle,
  deleteKnowledgeArticle,
  streamEvents,
  listEventLog,
];
