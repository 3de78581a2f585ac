/**
 * The change channel (Db.watchChanges) signalled after every commit that appended events of `tenantId`: streams in
 * every process wake on it and read the log from their cursor. A hint only; the log is the truth.
 */
export function eventsChangeChannel(tenantId: number): string {
  return `events:${tenantId}`;
}
