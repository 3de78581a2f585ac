import type { Db } from '../../platform/db/db.js';
import type { EventBus } from '../events/event-bus.js';
import { tenantsWithEnabledEndpoints } from './dispatch.repository.js';

/**
 * Signalled after every commit that changes a tenant's endpoints (create, update, delete): dispatchers in every
 * process re-read which tenants have enabled endpoints, and so which tenants' event signals to listen to.
 */
export const DISPATCH_CHANGE_CHANNEL = 'webhook_dispatch';

/** How often the dispatcher re-reads the tenants with enabled endpoints and looks for work, whatever the signals say. */
export const DISPATCH_SAFETY_POLL_MS = 5000;

/**
 * Which tenants the dispatcher of this process listens to (docs/webhooks.md#dispatch): those with an enabled endpoint.
 * While it runs (`start`), each such tenant's event signal (the event bus the streams use) wakes it, so an event is
 * dispatched moments after its commit, and a process where no endpoint is enabled does no dispatch work at all.
 * The list is re-read after an endpoint change signal and at least every safety poll.
 */
export class DispatchTargets {
  private tenants = new Set<number>();
  /** Per watched tenant, what stops its watch (a promise while the watch starts). */
  private readonly watches = new Map<number, Promise<() => void>>();
  private wake: (() => void) | null = null;
  private stale = true;
  private refreshedAt = 0;

  constructor(
    private readonly db: Db,
    private readonly eventBus: EventBus,
    private readonly safetyPollMs = DISPATCH_SAFETY_POLL_MS,
  ) {}

  /** Listens for endpoint changes and, through `wake`, for the events of tenants with enabled endpoints. */
  async start(wake: () => void): Promise<() => void> {
    this.wake = wake;
    this.stale = true;
    const stopSignal = await this.db.watchChanges(DISPATCH_CHANGE_CHANNEL, () => {
      this.stale = true;
    });
    return () => {
      stopSignal();
      this.wake = null;
      for (const watch of this.watches.values()) void watch.then((stop) => stop());
      this.watches.clear();
    };
  }

  /** The tenants whose event signals are watched now. */
  get watched(): number[] {
    return [...this.watches.keys()].sort((a, b) => a - b);
  }

  /**
   * Whether any tenant has an enabled endpoint. Not started (tests draining the worker), every call reads it; started,
   * the list is kept between signals and safety polls.
   */
  async anyEnabled(): Promise<boolean> {
    const due = this.wake === null || this.stale || Date.now() - this.refreshedAt >= this.safetyPollMs;
    if (due) await this.refresh();
    return this.tenants.size > 0;
  }

  private async refresh(): Promise<void> {
    this.stale = false;
    this.refreshedAt = Date.now();
    this.tenants = new Set(await tenantsWithEnabledEndpoints(this.db));
    const wake = this.wake;
    if (!wake) return;
    for (const tenantId of this.tenants) {
      if (this.watches.has(tenantId)) continue;
      const watch = this.eventBus.watch(tenantId, wake).catch(() => {
        // Tried again at the next refresh; the safety poll covers the tenant meanwhile.
        this.watches.delete(tenantId);
        this.stale = true;
        return () => undefined;
      });
      this.watches.set(tenantId, watch);
    }
    for (const [tenantId, watch] of this.watches) {
      if (this.tenants.has(tenantId)) continue;
      this.watches.delete(tenantId);
      void watch.then((stop) => stop());
    }
    // Events committed before the watches began are not lost: the run that called this dispatches them next.
    await Promise.all(this.watches.values());
  }
}
