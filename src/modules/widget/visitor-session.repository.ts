import type { Queryable } from '../../platform/db/db.js';

/** Sessions of the widget's visitors and the website channels they talk to (docs/channels.md#website-widget). */

export interface WidgetChannel {
  tenant_id: number;
  id: number;
  name: string;
  settings: Record<string, unknown>;
}

export interface VisitorSession {
  tenant_id: number;
  id: number;
  channel_id: number;
  address: string;
  name: string | null;
  email: string | null;
  last_used_at: Date;
  expires_at: Date;
  /** The channel's settings (allowed origins) and whether it is still a live website channel. */
  channel_settings: Record<string, unknown>;
  channel_live: boolean;
}

/** The live website channel whose widget key this is (any tenant: the key is the only name the snippet has). */
export async function findWidgetChannel(db: Queryable, widgetKey: string): Promise<WidgetChannel | null> {
  const result = await db.query<WidgetChannel>(
    `SELECT tenant_id, id, name, settings FROM channels WHERE type = 'website' AND settings ->> 'widget_key' = $1 AND is_active LIMIT 1`,
    [widgetKey],
  );
  return result.rows[0] ?? null;
}

export async function findSessionByDigest(db: Queryable, tokenDigest: string): Promise<VisitorSession | null> {
  const result = await db.query<VisitorSession>(
    `SELECT s.tenant_id, s.id, s.channel_id, s.address, s.name, s.email, s.last_used_at, s.expires_at,
            ch.settings AS channel_settings, (ch.is_active AND ch.type = 'website') AS channel_live
       FROM widget_sessions s JOIN channels ch ON ch.tenant_id = s.tenant_id AND ch.id = s.channel_id
      WHERE s.token_digest = $1`,
    [tokenDigest],
  );
  return result.rows[0] ?? null;
}

export async function insertSession(
  db: Queryable,
  channel: WidgetChannel,
  session: { tokenDigest: string; address: string; name: string | null; email: string | null; expiresAt: Date },
  now: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO widget_sessions (tenant_id, channel_id, token_digest, address, name, email, last_used_at, expires_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7)`,
    [channel.tenant_id, channel.id, session.tokenDigest, session.address, session.name, session.email, now, session.expiresAt],
  );
}

/** Moves the session's expiry to 30 days after this use. */
export async function touchSession(db: Queryable, session: VisitorSession, now: Date, expiresAt: Date): Promise<void> {
  await db.query('UPDATE widget_sessions SET last_used_at = $3, expires_at = $4 WHERE tenant_id = $1 AND id = $2', [
    session.tenant_id,
    session.id,
    now,
    expiresAt,
  ]);
}

/** Of these token digests, those whose session still holds at `now` (one query for every open stream of a process). */
export async function liveSessionDigests(db: Queryable, digests: string[], now: Date): Promise<Set<string>> {
  const result = await db.query<{ token_digest: string }>(
    `SELECT s.token_digest FROM widget_sessions s JOIN channels ch ON ch.tenant_id = s.tenant_id AND ch.id = s.channel_id
      WHERE s.token_digest = ANY($1::text[]) AND s.expires_at > $2 AND ch.is_active AND ch.type = 'website'`,
    [digests, now],
  );
  return new Set(result.rows.map((row) => row.token_digest));
}
