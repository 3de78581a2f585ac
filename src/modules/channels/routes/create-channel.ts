import { principalActor } from '../../events/event-types.js';
import { defineRoute } from '../../../http/define-route.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { publicBaseUrl } from '../../../http/request-info.js';
import { findChannel } from '../channel.repository.js';
import { channelResource, channelSchema } from '../channel.resource.js';
import { createChannel as create } from '../channel.service.js';
import { channelFields } from './channel-input.js';

export const createChannel = defineRoute({
  method: 'POST',
  url: '/api/v1/channels',
  permission: 'channels.manage',
  scopes: ['channels:write'],
  summary: 'Create a channel',
  description:
    'Settings per type; secrets are write-only and stored encrypted. A provider account (WhatsApp phone number id, ' +
    'Instagram account id, Telegram bot) may belong to one live channel across all tenants.',
  tags: ['Channels'],
  successStatus: 201,
  responseSchema: envelopeSchema(channelSchema),
  body: channelFields(true),
  handler: async ({ deps, tenantId, body, raw, reply, context }) => {
    const id = await create(
      deps,
      tenantId,
      body.type!,
      { name: body.name!, address: body.address!, is_active: body.is_active ?? true, settings: body.settings ?? {} },
      deps.clock.now(),
      principalActor(context.principal),
    );
    const channel = await findChannel(deps.db, tenantId, id);
    reply.code(201);
    return { success: 'Channel created successfully.', data: channelResource(channel!, publicBaseUrl(raw, deps.config)) };
  },
});
