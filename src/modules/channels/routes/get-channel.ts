import { defineRoute } from '../../../http/define-route.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { publicBaseUrl } from '../../../http/request-info.js';
import { channelResource, channelSchema } from '../channel.resource.js';
import { loadChannel } from './load-channel.js';

export const getChannel = defineRoute({
  method: 'GET',
  url: '/api/v1/channels/:id',
  permission: 'channels.view',
  scopes: ['conversations:read', 'channels:write'],
  summary: 'Get a channel',
  description: 'Secrets are never returned: `secrets` only tells which ones are stored.',
  tags: ['Channels'],
  responseSchema: envelopeSchema(channelSchema),
  load: loadChannel,
  handler: async ({ deps, loaded, raw }) => ({ success: 'Channel retrieved successfully.', data: channelResource(loaded, publicBaseUrl(raw, deps.config)) }),
});
