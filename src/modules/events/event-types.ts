import type { Principal } from '../oauth/access-tokens.js';

/** The event types of the log (docs/events.md#event-types). Clients ignore types they do not know. */
export const EVENT_TYPES = [
  'conversation.created',
  'conversation.updated',
  'message.created',
  'message.updated',
  'message.delivery_status_changed',
  'ai_suggestion.created',
  'ai_suggestion.updated',
  'agent_run.finished',
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'blacklist_entry.created',
  'blacklist_entry.updated',
  'blacklist_entry.deleted',
  'channel.created',
  'channel.updated',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The resources an event carries, in the order a transaction's events are written within each group. */
export const RESOURCE_KINDS = ['customer', 'channel', 'blacklist_entry', 'conversation', 'message', 'ai_suggestion', 'agent_run'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export type ChangeKind = 'created' | 'updated' | 'deleted' | 'delivery_status_changed' | 'finished';

/** Who caused a change (docs/events.md#actors). */
export interface EventActor {
  type: 'user' | 'application' | 'agent' | 'customer' | 'system';
  id: number | null;
  name: string | null;
}

export const AGENT_ACTOR: EventActor = { type: 'agent', id: null, name: null };
export const SYSTEM_ACTOR: EventActor = { type: 'system', id: null, name: null };

export function customerActor(customerId: number): EventActor {
  return { type: 'customer', id: customerId, name: null };
}

/** The permission a reader needs to see events of a type, and the scope beyond conversations:read (null: none). */
export function eventVisibility(type: string): { permission: string; scope: string | null } {
  const kind = type.slice(0, type.indexOf('.'));
  switch (kind) {
    case 'customer':
      return { permission: 'customers.view', scope: 'customers:read' };
    case 'blacklist_entry':
      return { permission: 'blacklist.view', scope: null };
    case 'channel':
      return { permission: 'channels.view', scope: null };
    default:
      return { permission: 'conversations.view', scope: null };
  }
}

/** The actor of a request's change: its user, or the application of a client-credentials token. */
export function requestActor(actor: { userId: number | null; applicationId: number | null; name: string; source: 'user' | 'application' }): EventActor {
  return actor.source === 'user' ? { type: 'user', id: actor.userId, name: actor.name } : { type: 'application', id: actor.applicationId, name: actor.name };
}

/** The actor of a request made with this principal's token. */
export function principalActor(principal: Principal): EventActor {
  return principal.kind === 'user'
    ? { type: 'user', id: principal.userId, name: principal.name }
    : { type: 'application', id: principal.applicationId, name: principal.name };
}
