import { principalActor } from '../../events/event-types.js';
import { defineRoute } from '../../../http/define-route.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { blacklistSchema } from '../blacklist.resource.js';
import { rule } from '../../../http/validation.js';
import { BlacklistFinder } from '../blacklist.finder.js';
import { BLACKLIST_REASONS, blacklistResource } from '../blacklist.resource.js';
import { updateBlacklistEntry as update } from '../blacklist.service.js';
import { loadBlacklistEntry } from '../load-blacklist-entry.js';
import { metadataObject, metadataRule } from '../metadata.js';

export const updateBlacklistEntry = defineRoute({
  method: 'PUT',
  url: '/api/v1/channel-blacklists/:id',
  permission: 'blacklist.manage',
  scopes: ['blacklist:write'],
  summary: 'Update a blacklist entry',
  description:
    'Absent fields keep their values; `metadata` is merged into the stored object. `expires_at: null` makes the block ' +
    'permanent, a past value ends it. Making an entry active again answers 409 while another entry of the same ' +
    'channel and customer is active.',
  tags: ['Channel blacklist'],
  responseSchema: envelopeSchema(blacklistSchema),
  load: loadBlacklistEntry,
  body: {
    reason: rule.enum(BLACKLIST_REASONS),
    note: rule.string().nullable().max(1000),
    expires_at: rule.date().nullable().describe('ISO 8601 date or date-time; null: permanent.'),
    is_active: rule.boolean(),
    metadata: metadataRule(),
  },
  handler: async ({ deps, tenantId, loaded, body, context }) => {
    const now = deps.clock.now();
    await update(
      deps.db,
      tenantId,
      loaded.id,
      {
        reason: body.reason ?? undefined,
        note: body.note,
        expiresAt: body.expires_at,
        isActive: body.is_active ?? undefined,
        metadata: metadataObject(body.metadata) ?? undefined,
      },
      principalActor(context.principal),
      now,
    );
    const entry = await new BlacklistFinder(deps.db).findById(tenantId, loaded.id);
    return { success: 'Blacklist entry updated successfully.', data: blacklistResource(entry!, now) };
  },
});
