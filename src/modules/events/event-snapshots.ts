import type { Queryable } from '../../platform/db/db.js';
import { findRun } from '../agent/runs/agent-run.repository.js';
import { agentRunResource } from '../agent/runs/agent-run.resource.js';
import { BlacklistFinder } from '../blacklist/blacklist.finder.js';
import { blacklistResource } from '../blacklist/blacklist.resource.js';
import { findChannelsByIds } from '../channels/channel.repository.js';
import { channelResource } from '../channels/channel.resource.js';
import { ConversationFinder } from '../conversations/conversation.finder.js';
import { conversationResource } from '../conversations/conversation.resource.js';
import { CustomerFinder } from '../customers/customer.finder.js';
import { customerResource } from '../customers/customer.resource.js';
import { MessageFinder } from '../messages/message.finder.js';
import { messageResource } from '../messages/message.resource.js';
import { findSuggestionsByIds } from '../suggestions/suggestion.repository.js';
import { suggestionResource } from '../suggestions/suggestion.resource.js';
import { SNAPSHOT_LINKS } from './event.resource.js';
import type { ResourceKind } from './event-types.js';

type Snapshot = Record<string, unknown>;

/**
 * The resources of one kind as the API renders them at `now`, loaded with the loaders the routes use, one query per
 * kind and tenant (an inbound batch writes a hundred messages at once). Links are left as markers (event.resource.ts).
 */
export async function loadSnapshots(tx: Queryable, tenantId: number, kind: ResourceKind, ids: number[], now: Date): Promise<Map<number, Snapshot>> {
  const rendered = await render(tx, tenantId, kind, ids, now);
  return new Map(rendered.map((data) => [Number(data.id), data]));
}

async function render(tx: Queryable, tenantId: number, kind: ResourceKind, ids: number[], now: Date): Promise<Snapshot[]> {
  switch (kind) {
    case 'conversation':
      return (await new ConversationFinder(tx).findByIds(tenantId, ids, now)).map((view) => conversationResource(view, now));
    case 'message':
      return (await new MessageFinder(tx).findByIds(tenantId, ids)).map((view) => messageResource(view, { ...SNAPSHOT_LINKS, now }));
    case 'customer':
      return (await new CustomerFinder(tx).findAnyByIds(tenantId, ids)).map((view) => customerResource(view));
    case 'blacklist_entry':
      return (await new BlacklistFinder(tx).findAnyByIds(tenantId, ids)).map((view) => blacklistResource(view, now));
    case 'channel': {
      const rows = await findChannelsByIds(
        tx,
        ids.map((id) => ({ tenantId, id })),
      );
      return [...rows.values()].map((row) => channelResource(row, SNAPSHOT_LINKS.baseUrl));
    }
    case 'ai_suggestion':
      return (await findSuggestionsByIds(tx, tenantId, ids)).map((row) => suggestionResource(row));
    case 'agent_run': {
      const runs = await Promise.all(ids.map((id) => findRun(tx, tenantId, id)));
      return runs.flatMap((row) => (row ? [agentRunResource(row)] : []));
    }
  }
}
