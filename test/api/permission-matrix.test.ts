/**
 * The permission matrix (docs/request-checks.md#permissions-and-system-roles, docs/request-checks.md#the-permission-matrix, docs/request-checks.md#owner-protection), walked for every route of the registry: the
 * declared permission and scopes equal the spec's index, and a real request succeeds for each system role that
 * holds the permission (and for a member holding only that permission) and answers 403 forbidden to the others.
 * A route added to src/routes.ts without a row here fails this file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { apiRoutes } from '../../src/routes.js';
import { isTokenlessRoute, type AnyRoute } from '../../src/http/define-route.js';
import { SYSTEM_ROLE_PERMISSIONS, SYSTEM_ROLES, systemRolesWith } from '../../src/modules/roles/permissions.js';
import { expectError } from '../support/assertions.js';
import { addMembership, createRole, createUser, memberAs, sql } from '../support/factories.js';
import { SAMPLE_REQUESTS, SPEC_MATRIX } from '../support/route-samples.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const FORBIDDEN = 'You do not have permission to perform this action.';

const tokenRoutes = (apiRoutes as AnyRoute[]).filter((route) => !isTokenlessRoute(route));

async function callSample(seed: SeedResult, route: AnyRoute, token: string) {
  const key = `${route.method} ${route.url}`;
  const sample = await SAMPLE_REQUESTS[key]!(h, seed);
  return h.request({
    method: route.method,
    url: sample.url,
    token,
    tenant: seed.tenant_id,
    body: sample.body,
    headers: sample.headers,
    payload: sample.payload,
  });
}

describe('system roles', () => {
  it('the seeded system_role_permissions table equals the documented matrix', async () => {
    const rows = await sql<{ role_name: string; name: string }>(
      h,
      'SELECT s.role_name, p.name FROM system_role_permissions s JOIN permissions p ON p.id = s.permission_id ORDER BY s.role_name, p.id',
    );
    for (const role of SYSTEM_ROLES) {
      expect(
        rows.filter((row) => row.role_name === role).map((row) => row.name),
        role,
      ).toEqual([...SYSTEM_ROLE_PERMISSIONS[role]]);
    }
    expect(SYSTEM_ROLES.map((role) => SYSTEM_ROLE_PERMISSIONS[role].length)).toEqual([16, 15, 11, 7]);
  });

  it('a new tenant gets the four system roles in order, each with exactly its permissions', async () => {
    const seed = await h.seedTenant();
    const rows = await sql<{ name: string; is_system: boolean; permissions: string[] }>(
      h,
      `SELECT r.name, r.is_system, array_agg(p.name ORDER BY p.id) AS permissions
         FROM roles r JOIN role_permissions rp ON rp.tenant_id = r.tenant_id AND rp.role_id = r.id JOIN permissions p ON p.id = rp.permission_id
        WHERE r.tenant_id = $1 GROUP BY r.id, r.name, r.is_system ORDER BY r.id`,
      [seed.tenant_id],
    );
    expect(rows.map((row) => [row.name, row.is_system, row.permissions])).toEqual(SYSTEM_ROLES.map((role) => [role, true, [...SYSTEM_ROLE_PERMISSIONS[role]]]));
  });
});

for (const route of tokenRoutes) {
  const key = `${route.method} ${route.url}`;
  describe(key, () => {
    it('declares the permission and scopes of the endpoint index (docs/request-checks.md#the-permission-matrix)', () => {
      const spec = SPEC_MATRIX[key];
      expect(spec, `${key} is not in the spec's endpoint index`).toBeDefined();
      expect(route.permission).toBe(spec!.permission);
      expect(route.scopes === 'full-access' ? 'full-access' : [...route.scopes].sort()).toEqual(
        spec!.scopes === 'full-access' ? 'full-access' : [...spec!.scopes].sort(),
      );
    });

    it('succeeds for the system roles that hold its permission and refuses the others with 403 forbidden', async () => {
      expect(SAMPLE_REQUESTS[key], `no sample request for ${key} in test/support/route-samples.ts`).toBeDefined();
      const seed = await h.seedTenant({ conversations: 8 });
      const allowed = systemRolesWith(route.permission);
      for (const role of SYSTEM_ROLES) {
        const member = await memberAs(h, seed, `${role} member`, role);
        const response = await callSample(seed, route, member.token);
        if (route.permission === 'none' || allowed.includes(role)) {
          expect(response.status, `${role}: ${response.body.slice(0, 300)}`).toBeGreaterThanOrEqual(200);
          expect(response.status, `${role}: ${response.body.slice(0, 300)}`).toBeLessThan(300);
        } else expectError(response, 403, 'forbidden', FORBIDDEN);
      }
    });

    it(
      route.permission === 'member' || route.permission === 'none'
        ? 'succeeds for a member without any role'
        : `succeeds for a member holding only ${String(route.permission)}, and refuses one holding every other permission`,
      async () => {
        const seed = await h.seedTenant({ conversations: 8 });
        const only = await createUser(h, 'Only this');
        const roles =
          route.permission === 'member' || route.permission === 'none' ? [] : [await createRole(h, seed.tenant_id, 'Only this', [route.permission])];
        await addMembership(h, seed.tenant_id, only, roles);
        const response = await callSample(seed, route, await h.token(only));
        expect(response.status, response.body.slice(0, 300)).toBeGreaterThanOrEqual(200);
        expect(response.status, response.body.slice(0, 300)).toBeLessThan(300);
        if (route.permission === 'member' || route.permission === 'none') return;
        const allButThis = await createUser(h, 'All but this');
        const everyOther = Object.values(SYSTEM_ROLE_PERMISSIONS.Owner).filter((permission) => permission !== route.permission);
        await addMembership(h, seed.tenant_id, allButThis, [await createRole(h, seed.tenant_id, 'All but this', everyOther)]);
        expectError(await callSample(seed, route, await h.token(allButThis)), 403, 'forbidden', FORBIDDEN);
      },
    );
  });
}
