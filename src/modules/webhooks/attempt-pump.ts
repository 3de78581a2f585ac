import crypto from 'node:crypto';
import type { AppDeps } from '../../app-deps.js';
import { unixSeconds } from '../../platform/clock.js';
import type { WorkerLogger } from '../../platform/jobs/job-worker.js';
import type { WorkPump } from '../../platform/jobs/work-pump.js';
import { NetworkList } from '../../platform/networks.js';
import { eventResource } from '../events/event.resource.js';
import type { EventRow } from '../events/event-log.repository.js';
import {
  claimDueDelivery,
  loadAttemptContext,
  markEndpointFailing,
  markEndpointHealthy,
  recordAttempt,
  releaseDelivery,
  stillHeld,
  type AttemptContext,
  type ClaimedAttempt,
} from './attempt.repository.js';
import { cancelPendingDeliveries, ENDPOINT_DELETED_ERROR, ENDPOINT_DISABLED_ERROR } from './delivery.repository.js';
import { webhookIdOf } from './delivery.resource.js';
import { disableEndpoint } from './endpoint.repository.js';
import { signingSecrets } from './endpoint.service.js';
import { nextAttemptAt, retryAfterSeconds } from './retry-schedule.js';
import { sendWebhook, type AttemptResult } from './webhook-sender.js';
import { signatureHeader } from './webhook-secret.js';

/**
 * Webhook attempts as the job worker's pump (docs/webhooks.md#retries): FLEXTELL_WEBHOOK_CONCURRENCY loops per
 * process, each running one attempt at a time outside any transaction, so a slow receiver holds one loop for at most
 * the timeout and never a job slot or a database connection. At most 4 attempts per endpoint run at once here.
 */

/** Signalled when deliveries become due at once (dispatch, redeliver), so idle loops need not wait for the poll. */
export const DELIVERIES_CHANGE_CHANNEL = 'webhook_deliveries';
const PER_ENDPOINT = 4;
/** Beyond the attempt's own timeout: how long a crashed worker's attempt holds its delivery. */
const LEASE_MARGIN_SECONDS = 30;

export interface AttemptPumpOptions {
  logger: WorkerLogger;
  /** The jitter source (tests pin it). */
  random?: () => number;
}

export function webhookAttemptPump(deps: AppDeps, options: AttemptPumpOptions): WorkPump {
  const workerId = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const running = new Map<string, number>();
  // The clock time of the last claim that found nothing. The clock has whole seconds, so until it moves on (or new
  // deliveries are signalled) no other delivery can be due: idle loops then skip the query instead of each polling.
  let foundNothingAt: number | null = null;
  // Stopping the worker aborts the attempts in flight; each hands its delivery back uncounted (runAttempt).
  const inFlight = new Set<AbortController>();
  // Once stopping, nothing new is attempted: a claim still in flight then hands its delivery back unattempted (an
  // attempt started after the abort would run to its full timeout and outlive the worker's stop).
  let stopped = false;
  void deps.db
    .watchChanges(DELIVERIES_CHANGE_CHANNEL, () => {
      foundNothingAt = null;
    })
    .catch(() => undefined);
  return {
    name: 'webhook-attempts',
    wakeChannel: DELIVERIES_CHANGE_CHANNEL,
    loops: deps.config.webhooks.concurrency,
    stopping: () => {
      stopped = true;
      for (const controller of inFlight) controller.abort();
    },
    run: async (now) => {
      if (stopped || foundNothingAt === now.getTime()) return 0;
      const busy = [...running].filter(([, count]) => count >= PER_ENDPOINT).map(([key]) => key);
      const leaseSeconds = Math.ceil(deps.config.webhooks.timeoutMs / 1000) + LEASE_MARGIN_SECONDS;
      const claimed = await claimDueDelivery(deps.db, { workerId, now, leaseSeconds, busy });
      if (!claimed) {
        if (busy.length === 0) foundNothingAt = now.getTime();
        return 0;
      }
      if (stopped) {
        await releaseDelivery(deps.db, claimed, workerId);
        return 0;
      }
      const key = `${claimed.tenant_id}:${claimed.endpoint_id}`;
      running.set(key, (running.get(key) ?? 0) + 1);
      const controller = new AbortController();
      inFlight.add(controller);
      try {
        await runAttempt(deps, options, workerId, claimed, controller.signal);
      } finally {
        inFlight.delete(controller);
        const left = (running.get(key) ?? 1) - 1;
        if (left > 0) running.set(key, left);
        else running.delete(key);
      }
      return 1;
    },
  };
}

/** The request body: the Event resource, with URLs made now (docs/webhooks.md#the-request). */
function bodyOf(deps: AppDeps, event: Record<string, unknown>, now: Date): Buffer {
  const row = { ...event, occurred_at: new Date(event.occurred_at as string) } as unknown as EventRow;
  const baseUrl = deps.config.publicUrl ?? `http://localhost:${deps.config.port}`;
  return Buffer.from(JSON.stringify(eventResource(row, { links: deps.fileLinks, baseUrl, now })), 'utf8');
}

async function attempt(
  deps: AppDeps,
  context: AttemptContext & { event: Record<string, unknown> },
  secrets: string[],
  claimed: ClaimedAttempt,
  now: Date,
  signal: AbortSignal,
): Promise<AttemptResult> {
  const body = bodyOf(deps, context.event, now);
  const webhookId = webhookIdOf(claimed.tenant_id, claimed.event_id);
  const timestamp = unixSeconds(now);
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'Flextell-Webhooks/1.0',
    'webhook-id': webhookId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureHeader(secrets, webhookId, timestamp, body),
  };
  const allowed = new NetworkList(deps.config.webhooks.allowedNetworks);
  return sendWebhook({ url: context.endpoint.url, headers, body }, { allowed, timeoutMs: deps.config.webhooks.timeoutMs, signal });
}

type Outcome = 'succeeded' | 'retry' | 'failed' | 'gone';

function outcomeOf(result: AttemptResult): Outcome {
  const status = result.status;
  if (status !== null && status >= 200 && status < 300) return 'succeeded';
  if (status === 410) return 'gone';
  if (status === null || status === 408 || status === 429 || status >= 500) return 'retry';
  return 'failed';
}

async function runAttempt(deps: AppDeps, options: AttemptPumpOptions, workerId: string, claimed: ClaimedAttempt, signal: AbortSignal): Promise<void> {
  const startedAt = deps.clock.now();
  const context = await loadAttemptContext(deps.db, claimed);
  const settle = (status: 'cancelled' | 'failed', error: string) =>
    recordAttempt(
      deps.db,
      claimed,
      workerId,
      { status, nextAttemptAt: null, attemptedAt: startedAt, responseStatus: null, responseBody: null, latencyMs: 0, error },
      startedAt,
    );
  if (!context) return void (await settle('cancelled', ENDPOINT_DELETED_ERROR));
  if (!context.endpoint.enabled) return void (await settle('cancelled', ENDPOINT_DISABLED_ERROR));
  if (!context.event) return void (await settle('failed', 'Event no longer available.'));
  let secrets: string[];
  try {
    secrets = signingSecrets(deps.box, context.endpoint, startedAt);
  } catch {
    return void (await settle('failed', "The endpoint's signing secret cannot be decrypted with this server's encryption key."));
  }
  const result = await attempt(deps, { ...context, event: context.event }, secrets, claimed, startedAt, signal);
  // Cut off by a shutdown: not counted, and due again at once for whichever worker runs next.
  if (signal.aborted) return releaseDelivery(deps.db, claimed, workerId);
  const outcome = outcomeOf(result);
  const now = deps.clock.now();
  const { tenant_id: tenantId, endpoint_id: endpointId } = claimed;
  const scale = deps.config.webhooks.retryScale;
  const retryAt =
    outcome === 'retry'
      ? nextAttemptAt(claimed.attempts + 1, startedAt, { retryAfter: retryHint(result, startedAt), scale, random: options.random ?? Math.random })
      : null;
  await deps.db.transaction(async (tx) => {
    // Disabled or deleted meanwhile: the delivery was cancelled, and the endpoint's state is not this attempt's to change.
    if (!(await stillHeld(tx, claimed, workerId))) return;
    let disable: 'failing' | 'gone' | null = outcome === 'gone' ? 'gone' : null;
    if (outcome === 'succeeded') await markEndpointHealthy(tx, tenantId, endpointId);
    else {
      const failingSince = await markEndpointFailing(tx, tenantId, endpointId, startedAt);
      const limit = deps.config.webhooks.disableAfterDays * 86_400_000;
      if (disable === null && now.getTime() - new Date(failingSince).getTime() >= limit) disable = 'failing';
    }
    const status = outcome === 'succeeded' ? 'succeeded' : retryAt === null ? 'failed' : disable ? 'cancelled' : 'pending';
    const record = { status, nextAttemptAt: status === 'pending' ? retryAt : null, attemptedAt: startedAt } as const;
    const kept = { responseStatus: result.status, responseBody: result.body, latencyMs: result.latencyMs, error: result.error };
    await recordAttempt(tx, claimed, workerId, { ...record, ...kept }, now);
    if (disable && (await disableEndpoint(tx, tenantId, endpointId, disable, now))) {
      await cancelPendingDeliveries(tx, tenantId, endpointId, ENDPOINT_DISABLED_ERROR, now);
      if (disable === 'failing') {
        options.logger.warn({ tenant: tenantId, endpoint: endpointId, error: result.error }, 'webhook endpoint disabled after failing');
      }
    }
  });
}

/** A receiver's Retry-After counts on 429 and 503 only. */
function retryHint(result: AttemptResult, now: Date): number | null {
  return result.status === 429 || result.status === 503 ? retryAfterSeconds(result.retryAfter, now) : null;
}
