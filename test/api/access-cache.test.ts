/**
 * The per-request tenant access (docs/request-checks.md#tenancy) is cached in memory and dropped on every change of memberships,
 * roles or role permissions (migration 0013), so "a role change takes effect on the member's very next request"
 * (docs/request-checks.md#owner-protection) holds whichever code path or process made the change.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { currentEngine } from '../support/test-database.js';
import { expectError } from '../support/assertions.js';
import { createUser, addMembership, memberWith, sql } from '../support/factories.js';
import { ChangeAwareCache } from '../../src/platform/change-aware-cache.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const list = (token: string, tenant?: number) => h.request({ url: '/api/v1/conversations', token, tenant: tenant ?? null });

async function memberRole(tenantId: number, userId: number): Promise<number> {
  const [row] = await sql(h, 'SELECT role_id FROM membership_roles WHERE tenant_id = $1 AND user_id = $2', [tenantId, userId]);
  return Number(row!.role_id);
}

describe('tenant access cache', () => {
  it('applies a permission removed through the API on the very next request', async () => {
    const seed = await h.seedTenant();
    const member = await memberWith(h, seed, 'Cached Carla', ['conversations.view']);
    expect((await list(member.token)).status).toBe(200);
    expect((await list(member.token)).status).toBe(200); // served from the cache
    const role = await memberRole(seed.tenant_id, member.userId);
    const update = await h.request({
      method: 'PUT',
      url: `/api/v1/users/${member.userId}/roles`,
      token: seed.access_token,
      body: { role_ids: [] },
    });
    expect(update.status, update.body).toBe(200);
    expectError(await list(member.token), 403, 'forbidden');
    await sql(h, 'INSERT INTO membership_roles (tenant_id, user_id, role_id) VALUES ($1, $2, $3)', [seed.tenant_id, member.userId, role]);
    expect((await list(member.token)).status).toBe(200);
  });

  it('applies changes made by any statement: role permissions, deactivation, removal, a new membership', async () => {
    const seed = await h.seedTenant();
    const member = await memberWith(h, seed, 'Cached Cem', ['conversations.view']);
    const role = await memberRole(seed.tenant_id, member.userId);
    expect((await list(member.token)).status).toBe(200);

    await sql(h, 'DELETE FROM role_permissions WHERE tenant_id = $1 AND role_id = $2', [seed.tenant_id, role]);
    expectError(await list(member.token), 403, 'forbidden');
    await sql(h, 'INSERT INTO role_permissions (tenant_id, role_id, permission_id) VALUES ($1, $2, 1)', [seed.tenant_id, role]);
    expect((await list(member.token)).status).toBe(200);

    await sql(h, 'UPDATE memberships SET is_active = false WHERE tenant_id = $1 AND user_id = $2', [seed.tenant_id, member.userId]);
    expectError(await list(member.token, seed.tenant_id), 403, 'tenant_forbidden');
    await sql(h, 'UPDATE memberships SET is_active = true WHERE tenant_id = $1 AND user_id = $2', [seed.tenant_id, member.userId]);
    expect((await list(member.token)).status).toBe(200);

    // Without X-Tenant a second membership makes the tenant ambiguous at once (400 tenant_required).
    const other = await h.seedTenant();
    await addMembership(h, other.tenant_id, member.userId, ['Viewer']);
    expectError(await list(member.token), 400, 'tenant_required');
    expect((await list(member.token, other.tenant_id)).status).toBe(200);
    await sql(h, 'DELETE FROM membership_roles WHERE tenant_id = $1 AND user_id = $2', [other.tenant_id, member.userId]);
    await sql(h, 'DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2', [other.tenant_id, member.userId]);
    expectError(await list(member.token, other.tenant_id), 403, 'tenant_forbidden');
    expect((await list(member.token)).status).toBe(200);
  });

  it('applies a change committed inside a transaction only from its commit on', async () => {
    const seed = await h.seedTenant();
    const member = await memberWith(h, seed, 'Cached Cora', ['conversations.view']);
    const role = await memberRole(seed.tenant_id, member.userId);
    expect((await list(member.token)).status).toBe(200);
    await h.deps.db.transaction(async (tx) => {
      await tx.query('DELETE FROM role_permissions WHERE tenant_id = $1 AND role_id = $2', [seed.tenant_id, role]);
      // PGlite runs one transaction at a time, so a request can only observe the change once it has committed.
      if (h.engine === 'postgres') expect((await list(member.token)).status).toBe(200);
    });
    expectError(await list(member.token), 403, 'forbidden');
  });

  it('a rolled-back change leaves the access as it was', async () => {
    const seed = await h.seedTenant();
    const member = await memberWith(h, seed, 'Cached Cyd', ['conversations.view']);
    await expect(
      h.deps.db.transaction(async (tx) => {
        await tx.query('DELETE FROM membership_roles WHERE tenant_id = $1 AND user_id = $2', [seed.tenant_id, member.userId]);
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    expect((await list(member.token)).status).toBe(200);
  });
});

// PostgreSQL only (registered on that engine alone, never skipped).
if (currentEngine() === 'postgres')
  describe('tenant access cache across processes (PostgreSQL)', () => {
    async function otherProcess<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
      const client = new pg.Client({ connectionString: await databaseUrl() });
      await client.connect();
      try {
        return await work(client);
      } finally {
        await client.end();
      }
    }

    async function databaseUrl(): Promise<string> {
      const [row] = await sql(h, 'SELECT current_database() AS name');
      const url = new URL(process.env.TEST_DATABASE_URL!);
      url.pathname = `/${row!.name}`;
      return url.toString();
    }

    async function eventually(check: () => Promise<boolean>, timeoutMs = 3000): Promise<number> {
      const started = Date.now();
      while (!(await check())) {
        if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return Date.now() - started;
    }

    it("hears another process's commit through NOTIFY within moments", async () => {
      const seed = await h.seedTenant();
      const member = await memberWith(h, seed, 'Remote Rae', ['conversations.view']);
      expect((await list(member.token)).status).toBe(200);
      await otherProcess((client) => client.query('DELETE FROM membership_roles WHERE tenant_id = $1 AND user_id = $2', [seed.tenant_id, member.userId]));
      const waited = await eventually(async () => (await list(member.token)).status === 403);
      expect(waited).toBeLessThan(1000);
    });

    it('serves nothing from memory while the listening connection is lost, and caches again once it is back', async () => {
      const seed = await h.seedTenant();
      const member = await memberWith(h, seed, 'Remote Rio', ['conversations.view']);
      const role = await memberRole(seed.tenant_id, member.userId);
      expect((await list(member.token)).status).toBe(200);
      await otherProcess((client) =>
        client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'flextell-changes' AND datname = current_database()"),
      );
      // Once the loss is noticed, a change from elsewhere applies on the next request with no notification at all.
      await eventually(async () => {
        await otherProcess((client) => client.query('DELETE FROM role_permissions WHERE tenant_id = $1 AND role_id = $2', [seed.tenant_id, role]));
        const refused = (await list(member.token)).status === 403;
        await otherProcess((client) =>
          client.query('INSERT INTO role_permissions (tenant_id, role_id, permission_id) VALUES ($1, $2, 1)', [seed.tenant_id, role]),
        );
        return refused;
      });
      await eventually(async () => {
        const [row] = await sql(
          h,
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'flextell-changes' AND datname = current_database()",
        );
        return row!.n === 1;
      }, 5000);
      await otherProcess((client) => client.query('DELETE FROM role_permissions WHERE tenant_id = $1 AND role_id = $2', [seed.tenant_id, role]));
      await eventually(async () => (await list(member.token)).status === 403);
    });
  });

describe('ChangeAwareCache', () => {
  it('returns but does not keep a value read while a change happened', async () => {
    const cache = new ChangeAwareCache<number>();
    cache.onChange('restored');
    let loads = 0;
    const value = await cache.get('k', async () => {
      loads++;
      cache.onChange('changed');
      return 1;
    });
    expect(value).toBe(1);
    expect(await cache.get('k', async () => ++loads)).toBe(2);
    expect(await cache.get('k', async () => ++loads)).toBe(2);
    expect(loads).toBe(2);
  });

  it('serves nothing from memory until it is told it can hear changes, and stops when that is lost', async () => {
    const cache = new ChangeAwareCache<number>();
    let loads = 0;
    const load = async () => ++loads;
    await cache.get('k', load);
    await cache.get('k', load);
    expect(loads).toBe(2);
    cache.onChange('restored');
    await cache.get('k', load);
    await cache.get('k', load);
    expect(loads).toBe(3);
    cache.onChange('lost');
    await cache.get('k', load);
    expect(loads).toBe(4);
  });

  it('user ids and wanted tenants never share an entry', async () => {
    const seed = await h.seedTenant();
    const lone = await createUser(h, 'Lone Lou');
    const token = await h.token(lone);
    expectError(await list(token, seed.tenant_id), 403, 'tenant_forbidden');
    expect((await list(seed.access_token, seed.tenant_id)).status).toBe(200);
    expectError(await list(token, seed.tenant_id), 403, 'tenant_forbidden');
  });
});
