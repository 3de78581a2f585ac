import { defineRoute } from '../../../http/define-route.js';
import { paginatorSchema } from '../../../http/openapi-schemas.js';
import { loadBlacklistEntry } from '../load-blacklist-entry.js';
import { listQuarantined } from '../quarantine.repository.js';
import { quarantinedResource, quarantinedSchema } from '../quarantine.resource.js';

export const listQuarantinedMessages = defineRoute({
  method: 'GET',
  url: '/api/v1/channel-blacklists/:id/quarantined-messages',
  permission: 'blacklist.view',
  scopes: ['blacklist:write'],
  summary: "List a blacklist entry's quarantined messages",
  description:
    "The inbound messages this entry stopped, newest first; `meta.total` is the entry's stored count. Inactive and expired entries still list theirs; unblocked (deleted) entries answer 404.",
  tags: ['Channel blacklist'],
  paginated: true,
  responseSchema: paginatorSchema(quarantinedSchema),
  load: loadBlacklistEntry,
  handler: async ({ deps, tenantId, loaded, page, paginate }) => {
    const { rows, total } = await listQuarantined(deps.db, tenantId, loaded.id, page.perPage, page.offset);
    return paginate(rows.map(quarantinedResource), total);
  },
});
