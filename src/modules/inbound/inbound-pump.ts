import type { AppDeps } from '../../app-deps.js';
import type { WorkPump } from '../../platform/jobs/work-pump.js';
import { INBOUND_CHANGE_CHANNEL } from './inbound-event.repository.js';
import { processPendingEvents, type InboundParser } from './process-inbound.js';

/** Events per processing transaction: large enough to spread a commit over many events, small enough to hold locks briefly. */
const BATCH_SIZE = { postgres: 100, pglite: 25 } as const;

/**
 * The stored provider events as the job worker's pump (docs/channels.md#processing-inbound-events): `serve` and
 * `worker` run it next to the jobs. On PostgreSQL a process runs one batch per 8 job slots (2 by default) at once;
 * the embedded database has one connection, so one.
 */
export function inboundPump(deps: AppDeps, options: { parse?: InboundParser; random?: () => number } = {}): WorkPump {
  const kind = deps.db.kind;
  return {
    name: 'inbound',
    wakeChannel: INBOUND_CHANGE_CHANNEL,
    loops: kind === 'pglite' ? 1 : Math.max(1, Math.ceil(deps.config.jobConcurrency / 8)),
    run: (now) => processPendingEvents(deps, now, { batchSize: BATCH_SIZE[kind], ...options }),
  };
}
