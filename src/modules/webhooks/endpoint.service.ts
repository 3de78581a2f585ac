import type { Db } from '../../platform/db/db.js';
import type { SecretBox } from '../../platform/crypto.js';
import { AppError } from '../../platform/errors.js';
import {
  countLiveEndpoints,
  disableEndpoint,
  enableEndpoint,
  insertEndpoint,
  lockTenantWebhooks,
  MAX_LIVE_ENDPOINTS,
  nextEndpointId,
  requireEndpoint,
  rotateEndpointSecret,
  softDeleteEndpoint,
  updateEndpointFields,
  type EndpointRow,
} from './endpoint.repository.js';
import { cancelPendingDeliveries, ENDPOINT_DELETED_ERROR, ENDPOINT_DISABLED_ERROR } from './delivery.repository.js';
import { newWebhookSecret, openWebhookSecret, sealWebhookSecret } from './webhook-secret.js';

/** Endpoint writes (docs/webhooks.md#endpoints), one transaction each, serialised per tenant with its dispatcher. */

export interface EndpointInput {
  url?: string;
  description?: string | null;
  eventTypes?: string[];
  enabled?: boolean;
}

/** Creates an endpoint; returns it with its secret in clear, which is shown this once. */
export async function createEndpoint(db: Db, box: SecretBox, tenantId: number, input: Required<EndpointInput>, now: Date) {
  return db.transaction(async (tx) => {
    const head = await lockTenantWebhooks(tx, tenantId, now);
    if ((await countLiveEndpoints(tx, tenantId)) >= MAX_LIVE_ENDPOINTS) {
      throw new AppError('conflict', `A tenant can have at most ${MAX_LIVE_ENDPOINTS} webhook endpoints.`);
    }
    const id = await nextEndpointId(tx);
    const secret = newWebhookSecret();
    const secretSealed = sealWebhookSecret(box, tenantId, id, secret);
    await insertEndpoint(
      tx,
      { tenantId, id, url: input.url, description: input.description, eventTypes: input.eventTypes, enabled: input.enabled, secretSealed, head },
      now,
    );
    return { endpoint: await requireEndpoint(tx, tenantId, id), secret };
  });
}

/** Partial update; disabling cancels pending deliveries, enabling receives events committed from now on. */
export async function updateEndpoint(db: Db, tenantId: number, id: number, input: EndpointInput, now: Date): Promise<EndpointRow> {
  return db.transaction(async (tx) => {
    const head = await lockTenantWebhooks(tx, tenantId, now);
    const endpoint = await requireEndpoint(tx, tenantId, id);
    await updateEndpointFields(tx, tenantId, id, input, now);
    if (input.enabled === false && (await disableEndpoint(tx, tenantId, id, 'manual', now))) {
      await cancelPendingDeliveries(tx, tenantId, id, ENDPOINT_DISABLED_ERROR, now);
    }
    if (input.enabled === true && !endpoint.enabled) await enableEndpoint(tx, tenantId, id, head, now);
    return requireEndpoint(tx, tenantId, id);
  });
}

export async function deleteEndpoint(db: Db, tenantId: number, id: number, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await lockTenantWebhooks(tx, tenantId, now);
    await softDeleteEndpoint(tx, tenantId, id, now);
    await cancelPendingDeliveries(tx, tenantId, id, ENDPOINT_DELETED_ERROR, now);
  });
}

/**
 * A new current secret; the replaced one keeps signing for `overlapSeconds` (0: dropped at once). A previous secret
 * still in its overlap is dropped now: only the newest two ever sign.
 */
export async function rotateSecret(db: Db, box: SecretBox, tenantId: number, id: number, overlapSeconds: number, now: Date) {
  return db.transaction(async (tx) => {
    const endpoint = await requireEndpoint(tx, tenantId, id);
    const secret = newWebhookSecret();
    const replaced = openWebhookSecret(box, tenantId, id, endpoint.secret_sealed);
    const keep = overlapSeconds > 0;
    await rotateEndpointSecret(
      tx,
      tenantId,
      id,
      {
        currentSealed: sealWebhookSecret(box, tenantId, id, secret),
        previousSealed: keep ? sealWebhookSecret(box, tenantId, id, replaced) : null,
        previousExpiresAt: keep ? new Date(now.getTime() + overlapSeconds * 1000) : null,
      },
      now,
    );
    return { endpoint: await requireEndpoint(tx, tenantId, id), secret };
  });
}

/** The secrets that sign an attempt made at `now`: the current one, then the previous one during its overlap. */
export function signingSecrets(
  box: SecretBox,
  endpoint: Pick<EndpointRow, 'tenant_id' | 'id' | 'secret_sealed' | 'previous_secret_sealed' | 'previous_secret_expires_at'>,
  now: Date,
): string[] {
  const secrets = [openWebhookSecret(box, endpoint.tenant_id, endpoint.id, endpoint.secret_sealed)];
  if (endpoint.previous_secret_sealed && endpoint.previous_secret_expires_at && endpoint.previous_secret_expires_at > now) {
    secrets.push(openWebhookSecret(box, endpoint.tenant_id, endpoint.id, endpoint.previous_secret_sealed));
  }
  return secrets;
}
