import { eventVisibility } from './event-types.js';

/** What a reader holds at the moment an event is written out: its permissions in the tenant and its token's scopes. */
export interface EventReader {
  permissions: ReadonlySet<string>;
  scopes: ReadonlySet<string>;
}

/**
 * Whether this reader may see events of this type (docs/events.md#who-sees-what): the type's view permission, and
 * for customer events the `customers:read` scope as well. Streams and the log endpoint filter by it; webhooks do not.
 */
export function canSeeEvent(type: string, reader: EventReader): boolean {
  const { permission, scope } = eventVisibility(type);
  return reader.permissions.has(permission) && (scope === null || reader.scopes.has(scope));
}
