import { defineRoute } from '../../../http/define-route.js';
import { paginatorSchema } from '../../../http/openapi-schemas.js';
import { blacklistSchema } from '../blacklist.resource.js';
import { rule } from '../../../http/validation.js';
import { BlacklistFinder } from '../blacklist.finder.js';
import { BLACKLIST_REASONS, blacklistResource } from '../blacklist.resource.js';

export const listBlacklistEntries = defineRoute({
  method: 'GET',
  url: '/api/v1/channel-blacklists',
  permission: 'blacklist.view',
  scopes: ['conversations:read', 'blacklist:write'],
  summary: 'List blacklist entries',
  description: 'Newest first (id descending). Unblocked (deleted) entries are never listed; inactive and expired ones are unless filtered out.',
  tags: ['Channel blacklist'],
  paginated: true,
  responseSchema: paginatorSchema(blacklistSchema),
  query: {
    active: rule.boolean().nullable().describe('true: only active entries (switched on, not expired); false: only the others.'),
    channel_id: rule.integer().nullable().min(1).describe("Only this channel's entries."),
    customer_id: rule.integer().nullable().min(1).describe("Only this customer's entries."),
    reason: rule.enum(BLACKLIST_REASONS).nullable().describe('Only entries with this reason.'),
  },
  handler: async ({ deps, tenantId, query, page, paginate }) => {
    const now = deps.clock.now();
    const { rows, total } = await new BlacklistFinder(deps.db).list(
      tenantId,
      {
        active: query.active ?? null,
        channelId: query.channel_id ?? null,
        customerId: query.customer_id ?? null,
        reason: query.reason ?? null,
        limit: page.perPage,
        offset: page.offset,
      },
      now,
    );
    return paginate(
      rows.map((row) => blacklistResource(row, now)),
      total,
    );
  },
});
