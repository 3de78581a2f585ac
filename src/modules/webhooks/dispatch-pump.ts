import type { AppDeps } from '../../app-deps.js';
import type { WorkerLogger } from '../../platform/jobs/job-worker.js';
import type { WorkPump } from '../../platform/jobs/work-pump.js';
import { readEventsAfter } from '../events/event-log.repository.js';
import { DELIVERIES_CHANGE_CHANNEL } from './attempt-pump.js';
import { DISPATCH_CHANGE_CHANNEL, DISPATCH_SAFETY_POLL_MS, DispatchTargets } from './dispatch-targets.js';
import { advanceCursor, enabledEndpoints, insertDeliveries, lockDueCursor } from './dispatch.repository.js';

/**
 * The webhook dispatcher as the job worker's pump (docs/webhooks.md#dispatch): it turns committed events into
 * deliveries, per tenant in id order, moving the tenant's cursor in the same transaction, so an (event, endpoint)
 * pair is never dispatched twice nor skipped, whichever process does it. It wakes on the event signals of the
 * tenants with enabled endpoints (DispatchTargets), with a slow safety poll; with no enabled endpoint it does nothing.
 */

const EVENTS_PER_BATCH = 500;

export interface DispatchPumpOptions {
  logger: WorkerLogger;
  /** The safety poll (tests lengthen it to show that signals alone drive the dispatcher). */
  safetyPollMs?: number;
}

export type DispatchPump = WorkPump & { readonly targets: DispatchTargets };

export function webhookDispatchPump(deps: AppDeps, options: DispatchPumpOptions): DispatchPump {
  const safetyPollMs = options.safetyPollMs ?? DISPATCH_SAFETY_POLL_MS;
  const targets = new DispatchTargets(deps.db, deps.eventBus, safetyPollMs);
  return {
    name: 'webhook-dispatch',
    wakeChannel: DISPATCH_CHANGE_CHANNEL,
    loops: 1,
    pollIntervalMs: safetyPollMs,
    targets,
    watch: (wake) => targets.start(wake),
    run: async (now) => ((await targets.anyEnabled()) ? dispatchBatch(deps, options.logger, now) : 0),
  };
}

/** One tenant's next batch; returns how many events it settled (0: no tenant is behind). */
export async function dispatchBatch(deps: AppDeps, logger: WorkerLogger, now: Date): Promise<number> {
  return deps.db.transaction(async (tx) => {
    const cursor = await lockDueCursor(tx);
    if (!cursor) return 0;
    let from = cursor.dispatchedThrough;
    if (cursor.prunedThrough > from) {
      logger.error({ tenant: cursor.tenantId, from: from + 1, through: cursor.prunedThrough }, 'events pruned before webhook dispatch; not delivered');
      from = cursor.prunedThrough;
    }
    const events = (await readEventsAfter(tx, cursor.tenantId, from, EVENTS_PER_BATCH)).filter((event) => event.id <= cursor.head);
    const endpoints = await enabledEndpoints(tx, cursor.tenantId);
    const pairs = events.flatMap((event) =>
      endpoints
        .filter((endpoint) => event.id > endpoint.receivesAfter && (endpoint.eventTypes.includes('*') || endpoint.eventTypes.includes(event.type)))
        .map((endpoint) => ({ event, endpointId: endpoint.id })),
    );
    await insertDeliveries(tx, cursor.tenantId, pairs, now);
    const through = events.length === EVENTS_PER_BATCH ? events[events.length - 1]!.id : cursor.head;
    await advanceCursor(tx, cursor.tenantId, through, now);
    if (pairs.length > 0) tx.signalAfterCommit?.(DELIVERIES_CHANGE_CHANNEL);
    return Math.max(1, events.length);
  });
}
