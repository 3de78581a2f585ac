import { defineRoute, type PathRequest } from '../../../http/define-route.js';
import { envelopeSchema, paginatorSchema } from '../../../http/openapi-schemas.js';
import { parsePathId } from '../../../http/path-id.js';
import { rule } from '../../../http/validation.js';
import { AppError } from '../../../platform/errors.js';
import { EVENT_TYPES } from '../../events/event-types.js';
import { DELIVERY_STATUSES, insertRedelivery, listDeliveries, requireDelivery, type DeliveryRow } from '../delivery.repository.js';
import { deliveryResource, deliverySchema } from '../delivery.resource.js';
import { findEndpoint, requireEndpoint, type EndpointRow } from '../endpoint.repository.js';
import { DELIVERIES_CHANGE_CHANNEL } from '../attempt-pump.js';

/** The delivery log of an endpoint and redelivery (docs/webhooks.md#the-delivery-log). */
const TAGS = ['Webhooks'];
const FULL = 'full-access' as const;

async function loadEndpointOnly(request: PathRequest): Promise<EndpointRow> {
  return requireEndpoint(request.deps.db, request.tenantId, parsePathId(request.params.id));
}

/** The endpoint, then a delivery of that endpoint (another endpoint's id answers 404 "Webhook delivery not found."). */
async function loadDelivery(request: PathRequest): Promise<{ endpoint: EndpointRow; delivery: DeliveryRow }> {
  const endpoint = await loadEndpointOnly(request);
  const delivery = await requireDelivery(request.deps.db, request.tenantId, endpoint.id, parsePathId(request.params.deliveryId));
  return { endpoint, delivery };
}

export const listWebhookDeliveries = defineRoute({
  method: 'GET',
  url: '/api/v1/webhook-endpoints/:id/deliveries',
  permission: 'webhooks.manage',
  scopes: FULL,
  summary: "List a webhook endpoint's deliveries",
  description: 'Newest first; kept FLEXTELL_WEBHOOK_DELIVERY_RETENTION_DAYS (default 30).',
  tags: TAGS,
  paginated: true,
  responseSchema: paginatorSchema(deliverySchema),
  load: loadEndpointOnly,
  query: {
    status: rule.enum(DELIVERY_STATUSES).nullable(),
    event_type: rule.enum(EVENT_TYPES).nullable(),
    event_id: rule.integer().nullable().min(1),
  },
  handler: async ({ deps, tenantId, loaded, query, page, paginate }) => {
    const { rows, total } = await listDeliveries(deps.db, tenantId, loaded.id, {
      status: query.status ?? null,
      eventType: query.event_type ?? null,
      eventId: query.event_id ?? null,
      limit: page.perPage,
      offset: page.offset,
    });
    return paginate(rows.map(deliveryResource), total);
  },
});

export const getWebhookDelivery = defineRoute({
  method: 'GET',
  url: '/api/v1/webhook-endpoints/:id/deliveries/:deliveryId',
  permission: 'webhooks.manage',
  scopes: FULL,
  summary: 'Get a webhook delivery',
  tags: TAGS,
  responseSchema: envelopeSchema(deliverySchema),
  load: loadDelivery,
  handler: async ({ loaded }) => ({ success: 'Webhook delivery retrieved successfully.', data: deliveryResource(loaded.delivery) }),
});

export const redeliverWebhookDelivery = defineRoute({
  method: 'POST',
  url: '/api/v1/webhook-endpoints/:id/deliveries/:deliveryId/redeliver',
  permission: 'webhooks.manage',
  scopes: FULL,
  summary: 'Redeliver a webhook delivery',
  description: "A new pending delivery of the same event (same webhook-id) on the full schedule, whatever the old one's status.",
  tags: TAGS,
  successStatus: 201,
  responseSchema: envelopeSchema(deliverySchema),
  load: loadDelivery,
  handler: async ({ deps, tenantId, loaded, reply }) => {
    const now = deps.clock.now();
    const created = await deps.db.transaction(async (tx) => {
      const endpoint = await findEndpoint(tx, tenantId, loaded.endpoint.id, { forUpdate: true });
      if (!endpoint?.enabled) throw new AppError('conflict', 'The webhook endpoint is disabled. Enable it first.');
      const id = await insertRedelivery(tx, loaded.delivery, now);
      if (id === null) throw new AppError('conflict', 'This event is already waiting for delivery to this endpoint.');
      tx.signalAfterCommit?.(DELIVERIES_CHANGE_CHANNEL);
      return requireDelivery(tx, tenantId, endpoint.id, id);
    });
    reply.code(201);
    return { success: 'Webhook delivery scheduled successfully.', data: deliveryResource(created) };
  },
});
