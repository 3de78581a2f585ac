import { RESOURCE_KINDS, type ChangeKind, type EventActor, type ResourceKind } from './event-types.js';

/** One change a transaction made to one resource, as the write paths record it. */
export interface RecordedChange {
  tenantId: number;
  kind: ResourceKind;
  id: number;
  change: ChangeKind;
  actor: EventActor;
  at: Date;
  /** The rendered resource, for a change after which the row can no longer be loaded. */
  data?: Record<string, unknown>;
}

// Which change wins when a resource changed several times in one transaction: created there → only `.created`.
const PRECEDENCE: Record<ChangeKind, number> = { created: 4, deleted: 3, finished: 2, updated: 1, delivery_status_changed: 0 };

/**
 * The events one transaction writes (docs/events.md#who-writes-what): each resource once, with the
 * change that wins; every `.created` first, then the others, each group in the order customer, channel, blacklist
 * entry, conversation, message, AI suggestion; `agent_run.finished` last. Within a kind, first recorded first.
 */
export function orderChanges(changes: readonly RecordedChange[]): RecordedChange[] {
  const byResource = new Map<string, RecordedChange>();
  for (const change of changes) {
    const key = `${change.tenantId}:${change.kind}:${change.id}`;
    const held = byResource.get(key);
    if (!held) byResource.set(key, change);
    else if (PRECEDENCE[change.change] > PRECEDENCE[held.change]) byResource.set(key, { ...change, data: change.data ?? held.data });
    else if (change.data && PRECEDENCE[change.change] === PRECEDENCE[held.change]) byResource.set(key, { ...held, data: change.data });
  }
  const merged = [...byResource.values()];
  const rank = (change: RecordedChange) => (change.kind === 'agent_run' ? 2 : change.change === 'created' ? 0 : 1);
  // Array.prototype.sort is stable: equal keys keep their recording order.
  return merged.sort((a, b) => rank(a) - rank(b) || RESOURCE_KINDS.indexOf(a.kind) - RESOURCE_KINDS.indexOf(b.kind));
}

/** The event type of a merged change. */
export function eventTypeOf(change: Pick<RecordedChange, 'kind' | 'change'>): string {
  return `${change.kind}.${change.change}`;
}
