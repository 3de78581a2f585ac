import { defineRoute } from '../../../http/define-route.js';
import { messageResult, messageResultResponse } from '../../../http/message-result.js';
import { envelopeSchema, paginatorSchema } from '../../../http/openapi-schemas.js';
import { rule } from '../../../http/validation.js';
import { listEndpoints } from '../endpoint.repository.js';
import { endpointResource, endpointSchema } from '../endpoint.resource.js';
import { createEndpoint, deleteEndpoint, rotateSecret, updateEndpoint } from '../endpoint.service.js';
import { endpointFields, loadEndpoint, loadForCreate } from './endpoint-input.js';

/** Outbound webhook endpoints (docs/webhooks.md#endpoints): full access only, since an endpoint receives every event. */
const TAGS = ['Webhooks'];
const FULL = 'full-access' as const;
const DEFAULT_OVERLAP_SECONDS = 86400;

export const listWebhookEndpoints = defineRoute({
  method: 'GET',
  url: '/api/v1/webhook-endpoints',
  permission: 'webhooks.manage',
  scopes: FULL,
  summary: 'List webhook endpoints',
  description: 'Newest first. Secrets are never shown here.',
  tags: TAGS,
  paginated: true,
  responseSchema: paginatorSchema(endpointSchema),
  handler: async ({ deps, tenantId, page, paginate }) => {
    const { rows, total } = await listEndpoints(deps.db, tenantId, { limit: page.perPage, offset: page.offset });
    const now = deps.clock.now();
    return paginate(
      rows.map((row) => endpointResource(row, now)),
      total,
    );
  },
});

export const createWebhookEndpoint = defineRoute({
  method: 'POST',
  url: '/api/v1/webhook-endpoints',
  permission: 'webhooks.manage',
  scopes: FULL,
  summary: 'Create a webhook endpoint',
  description: 'At most 20 per tenant. The answer holds the signing secret in clear; it is never shown again.',
  tags: TAGS,
  successStatus: 201,
  responseSchema: envelopeSchema(endpointSchema),
  load: loadForCreate,
  body: endpointFields(true),
  handler: async ({ deps, tenantId, body, reply }) => {
    const now = deps.clock.now();
    const input = { url: body.url!, description: body.description ?? null, eventTypes: body.event_types as string[], enabled: body.enabled ?? true };
    const { endpoint, secret } = await createEndpoint(deps.db, deps.box, tenantId, input, now);
    reply.code(201);
    return { success: 'Webhook endpoint created successfully.', data: endpointResource(endpoint, now, secret) };
  },
});

export const getWebhookEndpoint = defineRoute({
  method: 'GET',
  url: '/api/v1/webhook-endpoints/:id',
  permission: 'webhooks.manage',
  scopes: FULL,
  summary: 'Get a webhook endpoint',
  tags: TAGS,
  responseSchema: envelopeSchema(endpointSchema),
  load: loadEndpoint,
  handler: async ({ deps, loaded }) => ({ success: 'Webhook endpoint retrieved successfully.', data: endpointResource(loaded.endpoint, deps.clock.now()) }),
});

export const updateWebhookEndpoint = defineRoute({
  method: 'PUT',
  url: '/api/v1/webhook-endpoints/:id',
  permission: 'webhooks.manage',
  scopes: FULL,
  summary: 'Update a webhook endpoint',
  description: 'Absent fields keep their values. `enabled: false` cancels pending deliveries; `enabled: true` receives events committed from then on.',
  tags: TAGS,
  responseSchema: envelopeSchema(endpointSchema),
  load: loadEndpoint,
  body: endpointFields(false),
  handler: async ({ deps, tenantId, loaded, body }) => {
    const now = deps.clock.now();
    const changes = {
      url: body.url ?? undefined,
      description: body.description === undefined ? undefined : body.description,
      eventTypes: (body.event_types as string[] | null | undefined) ?? undefined,
      enabled: body.enabled ?? undefined,
    };
    const endpoint = await updateEndpoint(deps.db, tenantId, loaded.endpoint.id, changes, now);
    return { success: 'Webhook endpoint updated successfully.', data: endpointResource(endpoint, now) };
  },
});

export const deleteWebhookEndpoint = defineRoute({
  method: 'DELETE',
  url: '/api/v1/webhook-endpoints/:id',
  permission: 'webhooks.manage',
  scopes: FULL,
  summary: 'Delete a webhook endpoint',
  description: 'Soft delete: the endpoint and its deliveries then answer 404; pending deliveries are cancelled.',
  tags: TAGS,
  responseSchema: messageResultResponse,
  load: loadEndpoint,
  handler: async ({ deps, tenantId, loaded }) => {
    await deleteEndpoint(deps.db, tenantId, loaded.endpoint.id, deps.clock.now());
    return messageResult('Webhook endpoint deleted successfully.');
  },
});

export const rotateWebhookSecret = defineRoute({
  method: 'POST',
  url: '/api/v1/webhook-endpoints/:id/secret',
  permission: 'webhooks.manage',
  scopes: FULL,
  summary: "Rotate a webhook endpoint's signing secret",
  description: 'The answer holds the new secret in clear. The replaced secret keeps signing too for `overlap_seconds` (default 86400).',
  tags: TAGS,
  responseSchema: envelopeSchema(endpointSchema),
  load: loadEndpoint,
  body: { overlap_seconds: rule.integer().nullable().min(0).max(604800) },
  handler: async ({ deps, tenantId, loaded, body }) => {
    const now = deps.clock.now();
    const overlap = body.overlap_seconds ?? DEFAULT_OVERLAP_SECONDS;
    const { endpoint, secret } = await rotateSecret(deps.db, deps.box, tenantId, loaded.endpoint.id, overlap, now);
    return { success: 'Webhook endpoint secret rotated successfully.', data: endpointResource(endpoint, now, secret) };
  },
});
