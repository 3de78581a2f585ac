import { principalActor } from '../../events/event-types.js';
import { defineRoute } from '../../../http/define-route.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { blacklistSchema } from '../blacklist.resource.js';
import { rule } from '../../../http/validation.js';
import { findChannel } from '../../channels/channel.repository.js';
import { actorOf } from '../../conversations/actor.js';
import { BlacklistFinder } from '../blacklist.finder.js';
import { isLiveCustomer } from '../blacklist.repository.js';
import { BLACKLIST_REASONS, blacklistResource } from '../blacklist.resource.js';
import { blockCustomer as block } from '../blacklist.service.js';
import { metadataObject, metadataRule } from '../metadata.js';

/** Ten years: the longest temporary block. */
const MAX_TTL_SECONDS = 315_360_000;

export const blockCustomer = defineRoute({
  method: 'POST',
  url: '/api/v1/channel-blacklists',
  permission: 'blacklist.manage',
  scopes: ['blacklist:write'],
  summary: 'Block a customer on a channel',
  description:
    'Permanent without `ttl_seconds`. Answers 409 while the customer has an active entry on this channel ' +
    '(an inactive, expired or unblocked one does not count).',
  tags: ['Channel blacklist'],
  successStatus: 201,
  responseSchema: envelopeSchema(blacklistSchema),
  body: {
    channel_id: rule
      .integer()
      .required()
      .exists(async (id: number, { db, tenantId }) => (await findChannel(db, tenantId, id)) !== null),
    customer_id: rule
      .integer()
      .required()
      .exists((id: number, { db, tenantId }) => isLiveCustomer(db, tenantId, id)),
    reason: rule.enum(BLACKLIST_REASONS).required(),
    ttl_seconds: rule.integer().nullable().min(1).max(MAX_TTL_SECONDS).describe('Seconds until the block ends; absent or null: permanent.'),
    note: rule.string().nullable().max(1000),
    metadata: metadataRule(),
  },
  handler: async ({ deps, tenantId, body, context, reply }) => {
    const now = deps.clock.now();
    const id = await block(
      deps.db,
      tenantId,
      {
        channelId: body.channel_id!,
        customerId: body.customer_id!,
        reason: body.reason!,
        note: body.note ?? null,
        ttlSeconds: body.ttl_seconds ?? null,
        metadata: metadataObject(body.metadata) ?? {},
        createdByUserId: actorOf(context.principal).userId,
      },
      principalActor(context.principal),
      now,
    );
    const entry = await new BlacklistFinder(deps.db).findById(tenantId, id);
    reply.code(201);
    return { success: 'Customer blocked successfully.', data: blacklistResource(entry!, now) };
  },
});
