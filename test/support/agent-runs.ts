import type { Harness } from './harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { inboundText, processAllWith, providerId, storeEvent, type ChannelKind } from './inbound.js';
import { setChannelSettings, sql } from './factories.js';
import type { InboundParser } from '../../src/modules/inbound/process-inbound.js';

/** Test payloads of customer texts: `{address, text}`, read back by `customerTexts`. */
const customerTexts: InboundParser = (_provider, payload) => {
  const { address, text } = payload as { address: string; text: string };
  return [inboundText(address, text)];
};

/** A customer text stored through the real inbound path (an event, then the batch processor), as a webhook stores it. */
export async function customerSays(h: Harness, seed: SeedResult, type: ChannelKind, address: string, text: string): Promise<void> {
  await storeEvent(h, seed, type, { key: providerId('evt'), payload: { address, text } });
  await processAllWith(h, customerTexts);
}

/** Moves the clock past the debounce (the seed's default 3 s) and runs every due job, deliveries included. */
export async function afterDebounce(h: Harness, seconds = 3.001): Promise<void> {
  h.clock.advance(seconds);
  await h.drainJobs();
}

export async function setAgentMode(h: Harness, seed: SeedResult, type: ChannelKind, mode: 'off' | 'autonomous' | 'copilot'): Promise<void> {
  await setChannelSettings(h, seed.tenant_id, seed.channels[type], { agent_mode: mode });
}

/** The conversation of an address on the seed's channel. */
export async function conversationIdOf(h: Harness, seed: SeedResult, type: ChannelKind, address: string): Promise<number> {
  const [row] = await sql<{ id: number }>(h, 'SELECT id FROM conversations WHERE tenant_id = $1 AND channel_id = $2 AND address = $3', [
    seed.tenant_id,
    seed.channels[type],
    address,
  ]);
  return Number(row!.id);
}

/** The conversation's agent runs through the API, newest first. */
export async function agentRuns(h: Harness, seed: SeedResult, conversationId: number): Promise<any[]> {
  const response = await h.request({ url: `/api/v1/conversations/${conversationId}/agent-runs`, token: seed.access_token });
  if (response.status !== 200) throw new Error(`agent-runs answered ${response.status}: ${response.body}`);
  return response.json.data;
}

/** The conversation's outbound messages straight from the table, oldest first. */
export async function outboundMessages(h: Harness, seed: SeedResult, conversationId: number): Promise<Array<Record<string, any>>> {
  return sql(
    h,
    `SELECT id, message, user_id, user_name, source, delivery_status, provider_message_id, extra_metadata FROM messages
      WHERE tenant_id = $1 AND conversation_id = $2 AND NOT is_customer ORDER BY id`,
    [seed.tenant_id, conversationId],
  );
}

/** Whether the conversation's agent cursor stands on its newest message (everything before it handled or the humans'). */
export async function agentCursorIsNewestMessage(h: Harness, seed: SeedResult, conversationId: number): Promise<boolean> {
  const [row] = await sql<{ at_newest: boolean }>(
    h,
    `SELECT agent_cursor_message_id = (SELECT max(id) FROM messages WHERE tenant_id = $1 AND conversation_id = $2) AS at_newest
       FROM conversations WHERE tenant_id = $1 AND id = $2`,
    [seed.tenant_id, conversationId],
  );
  return row!.at_newest;
}

/** The blacklist entry a run made (or found active), straight from the table. */
export async function blockOfRun(h: Harness, seed: SeedResult, run: { blacklist_entry_id: number }): Promise<Record<string, any>> {
  const result = await h.deps.db.query<Record<string, any>>(
    'SELECT id, reason, note, metadata, expires_at, blocked_at FROM channel_blacklists WHERE tenant_id = $1 AND id = $2',
    [seed.tenant_id, run.blacklist_entry_id],
  );
  return result.rows[0]!;
}
