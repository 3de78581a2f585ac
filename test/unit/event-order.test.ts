/** The rules of one transaction's events (docs/events.md#who-writes-what), as a pure function. */
import { describe, expect, it } from 'vitest';
import { eventTypeOf, orderChanges, type RecordedChange } from '../../src/modules/events/event-order.js';
import { SYSTEM_ACTOR, type ChangeKind, type ResourceKind } from '../../src/modules/events/event-types.js';
import { canSeeEvent } from '../../src/modules/events/event-visibility.js';

const at = new Date('2026-11-24T18:00:00Z');
const change = (kind: ResourceKind, id: number, kindOfChange: ChangeKind, tenantId = 1): RecordedChange => ({
  tenantId,
  kind,
  id,
  change: kindOfChange,
  actor: SYSTEM_ACTOR,
  at,
});
const types = (changes: RecordedChange[]) => orderChanges(changes).map((item) => `${eventTypeOf(item)}#${item.id}`);

describe('orderChanges', () => {
  it('a first inbound message: customer, conversation, message created, whatever order they were recorded in', () => {
    expect(types([change('message', 5, 'created'), change('conversation', 3, 'created'), change('customer', 2, 'created')])).toEqual([
      'customer.created#2',
      'conversation.created#3',
      'message.created#5',
    ]);
  });

  it('a reply: message.created before conversation.updated (created first)', () => {
    expect(types([change('conversation', 3, 'updated'), change('message', 9, 'created')])).toEqual(['message.created#9', 'conversation.updated#3']);
  });

  it('a resource created in the transaction is only created, however often it changed after', () => {
    expect(types([change('conversation', 3, 'created'), change('conversation', 3, 'updated'), change('conversation', 3, 'updated')])).toEqual([
      'conversation.created#3',
    ]);
  });

  it('several updates of one resource become one; a delete wins over an update', () => {
    expect(types([change('customer', 2, 'updated'), change('customer', 2, 'deleted'), change('customer', 2, 'updated')])).toEqual(['customer.deleted#2']);
    expect(types([change('message', 4, 'delivery_status_changed'), change('message', 4, 'updated')])).toEqual(['message.updated#4']);
  });

  it('groups in the order customer, channel, blacklist entry, conversation, message, suggestion; agent_run.finished last', () => {
    expect(
      types([
        change('agent_run', 1, 'finished'),
        change('ai_suggestion', 6, 'updated'),
        change('message', 5, 'updated'),
        change('conversation', 4, 'updated'),
        change('blacklist_entry', 3, 'created'),
        change('channel', 2, 'updated'),
        change('customer', 1, 'updated'),
      ]),
    ).toEqual([
      'blacklist_entry.created#3',
      'customer.updated#1',
      'channel.updated#2',
      'conversation.updated#4',
      'message.updated#5',
      'ai_suggestion.updated#6',
      'agent_run.finished#1',
    ]);
  });

  it('a flood block: the entry, then each conversation in recording order', () => {
    expect(types([change('conversation', 8, 'updated'), change('blacklist_entry', 2, 'created'), change('conversation', 7, 'updated')])).toEqual([
      'blacklist_entry.created#2',
      'conversation.updated#8',
      'conversation.updated#7',
    ]);
  });

  it('the same id of two tenants is two resources', () => {
    expect(orderChanges([change('message', 1, 'created', 1), change('message', 1, 'created', 2)])).toHaveLength(2);
  });

  it('nothing recorded, nothing written', () => {
    expect(orderChanges([])).toEqual([]);
  });
});

describe('canSeeEvent', () => {
  const all = new Set(['conversations.view', 'customers.view', 'blacklist.view', 'channels.view']);
  it('needs the view permission of the type, and customers:read for customer events', () => {
    const reader = { permissions: all, scopes: new Set(['conversations:read']) };
    expect(canSeeEvent('message.created', reader)).toBe(true);
    expect(canSeeEvent('agent_run.finished', reader)).toBe(true);
    expect(canSeeEvent('channel.updated', reader)).toBe(true);
    expect(canSeeEvent('customer.created', reader)).toBe(false);
    expect(canSeeEvent('customer.created', { ...reader, scopes: new Set(['conversations:read', 'customers:read']) })).toBe(true);
    expect(canSeeEvent('blacklist_entry.created', { permissions: new Set(['conversations.view']), scopes: reader.scopes })).toBe(false);
  });
});
