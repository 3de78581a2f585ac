import crypto from 'node:crypto';
import type { AppDeps } from '../../app-deps.js';
import type { Queryable } from '../../platform/db/db.js';
import { recordEvents } from '../events/event-recorder.js';
import { customerActor } from '../events/event-types.js';
import { loadTenantSettings } from '../tenants/tenant-settings.js';
import { applyInboundActions, retryConversationRaces, type InboundInput } from '../inbound/apply-inbound.js';
import { textMessage, type InboundMessage } from '../inbound/inbound-event.js';
import { findMessageIdByProviderId } from '../inbound/inbound.repository.js';
import type { VisitorSession } from './visitor-session.repository.js';

export interface SentVisitorMessage {
  /** The message's id, or the quarantine row's when the visitor is blocked (docs/channels.md#website-widget). */
  id: number;
  quarantined: boolean;
  receivedAt: Date;
}

/** The session's name split as providers' profiles are: first word, then the rest. */
function profileOf(session: VisitorSession): InboundMessage['profile'] {
  const name = session.name?.trim() ?? '';
  const space = name.indexOf(' ');
  const [firstName, lastName] = name === '' ? [null, null] : space === -1 ? [name, null] : [name.slice(0, space), name.slice(space + 1).trim() || null];
  return { firstName, lastName, username: null, phone: null, avatarUrl: null };
}

/**
 * A visitor's message enters the inbound pipeline as any channel's does (applyInboundActions: customer and
 * conversation on the first message, blacklist quarantine, flood auto-block), but at once and in the request's
 * transaction: the widget's answer carries the stored id. Nothing is stored as an inbound event; the provider
 * message id `widget-<uuid>` only keeps the message unique on its channel.
 */
export async function sendVisitorMessage(deps: AppDeps, session: VisitorSession, text: string): Promise<SentVisitorMessage> {
  const now = deps.clock.now();
  const settings = await loadTenantSettings(deps.db, session.tenant_id);
  const providerMessageId = `widget-${crypto.randomUUID()}`;
  const message = textMessage(session.address, text, providerMessageId, profileOf(session));
  const input: InboundInput = {
    channel: { tenantId: session.tenant_id, id: session.channel_id, type: 'website', agentMode: session.channel_settings.agent_mode },
    event: { id: null, receivedAt: now },
    actions: [message],
    settings,
    now,
  };
  // Two first messages of one visitor at once: the loser's transaction is undone and runs again, finding the conversation.
  return retryConversationRaces(() =>
    deps.db.transaction(async (tx) => {
      const outcome = await applyInboundActions(tx, input);
      await fillCustomerEmail(tx, session, now);
      if (outcome === 'quarantined') return { id: await lastQuarantineId(tx), quarantined: true, receivedAt: now };
      const id = await findMessageIdByProviderId(tx, session.tenant_id, session.channel_id, providerMessageId);
      if (id === null) throw new Error(`The widget message was not stored (outcome ${outcome}).`);
      return { id, quarantined: false, receivedAt: now };
    }),
  );
}

/** The quarantine row this transaction has just written: the sequence's value in this session is exactly its id. */
async function lastQuarantineId(tx: Queryable): Promise<number> {
  const result = await tx.query<{ id: number }>("SELECT currval('quarantined_messages_id_seq') AS id");
  return Number(result.rows[0]!.id);
}

/** The session's email goes to the visitor's customer when it has none (names come through the inbound profile). */
async function fillCustomerEmail(tx: Queryable, session: VisitorSession, now: Date): Promise<void> {
  if (!session.email) return;
  const filled = await tx.query<{ id: number }>(
    `UPDATE customers SET email = $4, updated_at = $5
      WHERE tenant_id = $1 AND email IS NULL
        AND id = (SELECT customer_id FROM conversations WHERE tenant_id = $1 AND channel_id = $2 AND address_key = $3)
      RETURNING id`,
    [session.tenant_id, session.channel_id, session.address, session.email, now],
  );
  const customerId = filled.rows[0] ? Number(filled.rows[0].id) : null;
  if (customerId !== null) recordEvents(tx, session.tenant_id, customerActor(customerId), now, { kind: 'customer', id: customerId, change: 'updated' });
}
