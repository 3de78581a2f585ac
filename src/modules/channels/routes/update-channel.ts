import { principalActor } from '../../events/event-types.js';
import { defineRoute } from '../../../http/define-route.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { publicBaseUrl } from '../../../http/request-info.js';
import { findChannel } from '../channel.repository.js';
import { channelResource, channelSchema } from '../channel.resource.js';
import { updateChannel as update } from '../channel.service.js';
import { channelFields } from './channel-input.js';
import { loadChannel } from './load-channel.js';

export const updateChannel = defineRoute({
  method: 'PUT',
  url: '/api/v1/channels/:id',
  permission: 'channels.manage',
  scopes: ['channels:write'],
  summary: 'Update a channel',
  description:
    'A partial update: absent fields and settings keys keep their values (secrets too), null clears an optional key. ' +
    '`type` cannot change. `"is_active": false` switches the channel off; switching it on checks uniqueness again.',
  tags: ['Channels'],
  responseSchema: envelopeSchema(channelSchema),
  load: loadChannel,
  body: channelFields(false),
  handler: async ({ deps, tenantId, loaded, body, raw, context }) => {
    await update(
      deps,
      tenantId,
      loaded,
      { name: body.name ?? null, address: body.address ?? null, is_active: body.is_active ?? null, settings: body.settings ?? {} },
      deps.clock.now(),
      principalActor(context.principal),
    );
    const channel = await findChannel(deps.db, tenantId, loaded.id);
    return { success: 'Channel updated successfully.', data: channelResource(channel!, publicBaseUrl(raw, deps.config)) };
  },
});
