import type { Config } from '../../config.js';
import type { InboundAction, InboundProfile } from './inbound-event.js';

/**
 * docs/channels.md#processing-inbound-events: a new (or nameless) Instagram customer's profile is fetched, best
 * effort, before the event's transaction (no network call holds a lock). Any failure leaves the profile as it was.
 */
export async function fetchInstagramProfile(config: Config, accessToken: string, igsid: string): Promise<Partial<InboundProfile> | null> {
  try {
    const url = `${config.instagramApiUrl}/${config.metaGraphApiVersion}/${encodeURIComponent(igsid)}?fields=name,username,profile_pic`;
    const response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(config.providerTimeoutMs) });
    if (!response.ok) return null;
    const body = (await response.json()) as { name?: unknown; username?: unknown; profile_pic?: unknown };
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    const space = name.indexOf(' ');
    return {
      firstName: name === '' ? null : space < 0 ? name : name.slice(0, space),
      lastName: space < 0 ? null : name.slice(space + 1).trim() || null,
      username: typeof body.username === 'string' ? body.username : null,
      avatarUrl: typeof body.profile_pic === 'string' ? body.profile_pic : null,
    };
  } catch {
    return null;
  }
}

/** The actions with the fetched profile merged into each customer message from `address` (the parser's values win). */
export function withProfile(actions: InboundAction[], address: string, fetched: Partial<InboundProfile>): InboundAction[] {
  return actions.map((action) => {
    if (action.kind !== 'message' || action.echo || action.address !== address) return action;
    const profile = { ...action.profile };
    for (const key of ['firstName', 'lastName', 'username', 'avatarUrl'] as const) profile[key] = profile[key] ?? fetched[key] ?? null;
    return { ...action, profile };
  });
}
