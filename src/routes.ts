import type { AnyRoute } from './http/define-route.js';
import { listConversations } from './modules/conversations/routes/list-conversations.js';
import { createConversation } from './modules/conversations/routes/create-conversation.js';
import { listChannels } from './modules/channels/routes/list-channels.js';
import { listAccountTenants } from './modules/account/routes/list-account-tenants.js';

/** Every /api/v1 route. Tests walk this list, so a route registered here is covered by the security suite. */
export const apiRoutes: AnyRoute[] = [listConversations, createConversation, listChannels, listAccountTenants];
