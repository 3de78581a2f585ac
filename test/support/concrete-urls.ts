/** Real URLs for the route registry's patterns, so route-walking tests reach each route's own checks. */
import type { Harness } from './harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { addMembership, createUser, insertBlacklist, sql } from './factories.js';

/**
 * A concrete URL for a registry route: each `:param` becomes a real id of the seed's tenant (or "1" for a resource
 * this helper does not know yet, which still exercises every check that runs before path resources, docs/request-checks.md#order-of-checks).
 */
export async function concreteUrl(h: Harness, seed: SeedResult, url: string): Promise<string> {
  const segments = url.split('/');
  const resolved: string[] = [];
  let conversationId: number | null = null;
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index]!;
    if (!segment.startsWith(':')) {
      resolved.push(segment);
      continue;
    }
    const resource = segments[index - 1] ?? '';
    const id = await realId(h, seed, resource, segment.slice(1), conversationId);
    if (resource === 'conversations') conversationId = id;
    resolved.push(String(id ?? 1));
  }
  return resolved.join('/');
}

async function firstId(h: Harness, text: string, params: unknown[]): Promise<number | null> {
  const rows = await sql<{ id: number }>(h, text, params);
  return rows[0] ? Number(rows[0].id) : null;
}

async function realId(h: Harness, seed: SeedResult, resource: string, param: string, conversationId: number | null): Promise<number | null> {
  const t = seed.tenant_id;
  switch (resource) {
    case 'conversations':
      return firstId(h, 'SELECT id FROM conversations WHERE tenant_id = $1 ORDER BY id LIMIT 1', [t]);
    case 'messages':
      return firstId(h, 'SELECT id FROM messages WHERE tenant_id = $1 AND ($2::bigint IS NULL OR conversation_id = $2) ORDER BY id LIMIT 1', [
        t,
        conversationId,
      ]);
    case 'channels':
      return seed.channels.whatsapp;
    case 'customers':
      return firstId(h, 'SELECT id FROM customers WHERE tenant_id = $1 ORDER BY id LIMIT 1', [t]);
    case 'users': {
      // Not the seed's Owner: Owner protection (docs/request-checks.md#owner-protection) would refuse a non-Owner caller with 403.
      const member = await createUser(h, 'Listed Agent');
      await addMembership(h, seed.tenant_id, member, ['Agent']);
      return member;
    }
    case 'roles':
      return firstId(h, `SELECT id FROM roles WHERE tenant_id = $1 ORDER BY id LIMIT 1`, [t]);
    case 'applications':
      // A fresh application: deleting the seed's own Demo App would revoke the very token making the call.
      return firstId(
        h,
        `INSERT INTO oauth_clients (tenant_id, client_id, name, confidential) VALUES ($1, gen_random_uuid(), 'Security probe', true) RETURNING id`,
        [t],
      );
    case 'channel-blacklists': {
      const customer = await firstId(h, 'SELECT id FROM customers WHERE tenant_id = $1 ORDER BY id LIMIT 1', [t]);
      return customer === null ? null : insertBlacklist(h, { tenantId: t, channelId: seed.channels.whatsapp, customerId: customer });
    }
    case 'knowledge-articles':
      return firstId(h, `INSERT INTO knowledge_articles (tenant_id, title, body) VALUES ($1, 'Returns', 'Within 30 days.') RETURNING id`, [t]);
    case 'agent-runs': {
      if (conversationId === null) conversationId = await firstId(h, 'SELECT id FROM conversations WHERE tenant_id = $1 ORDER BY id LIMIT 1', [t]);
      return conversationId === null
        ? null
        : firstId(h, `INSERT INTO agent_runs (tenant_id, conversation_id, mode) VALUES ($1, $2, 'copilot') RETURNING id`, [t, conversationId]);
    }
    default:
      void param;
      return null;
  }
}
