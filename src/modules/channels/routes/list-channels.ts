import { paginatorSchema } from '../../../http/openapi-schemas.js';
import { channelSchema } from '../channel.resource.js';
import { defineRoute } from '../../../http/define-route.js';
import { rule } from '../../../http/validation.js';
import { publicBaseUrl } from '../../../http/request-info.js';
import { CHANNEL_TYPES } from '../channel-types.js';
import { listChannels as findChannels } from '../channel.repository.js';
import { channelResource } from '../channel.resource.js';

export const listChannels = defineRoute({
  method: 'GET',
  url: '/api/v1/channels',
  permission: 'channels.view',
  scopes: ['conversations:read', 'channels:write'],
  summary: 'List channels',
  description: 'By id ascending. Secrets are never returned: `secrets` only tells which ones are stored.',
  tags: ['Channels'],
  paginated: true,
  responseSchema: paginatorSchema(channelSchema),
  query: { type: rule.enum(CHANNEL_TYPES).nullable().describe('Only channels of this type.') },
  handler: async ({ deps, tenantId, query, page, paginate, raw }) => {
    const { rows, total } = await findChannels(deps.db, tenantId, { type: query.type ?? null, limit: page.perPage, offset: page.offset });
    const baseUrl = publicBaseUrl(raw, deps.config);
    return paginate(
      rows.map((row) => channelResource(row, baseUrl)),
      total,
    );
  },
});
