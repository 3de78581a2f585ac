/**
 * GET /api/v1/roles, GET /api/v1/roles/{id}, GET/PUT /api/v1/users/{id}/roles, GET /api/v1/account/roles
 * (docs/domain-rules.md#users-and-roles; Owner rules: owner-rules.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { PERMISSIONS } from '../../src/modules/roles/permissions.js';
import { apiTime } from '../support/shapes.js';
import { expectError, expectExactJson, expectPaginatorShape, expectValidationError } from '../support/assertions.js';
import { addMembership, applicationToken, createRole, createUser, memberAs, memberWith, roleId, sql } from '../support/factories.js';
import { FORBIDDEN, ROLE_KEYS, ROLE_NOT_FOUND, USER_NOT_FOUND, createdUser, directorySnapshot, syncRoles } from '../support/users.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const VIEWER_PERMISSIONS = [
  { id: 1, name: 'conversations.view' },
  { id: 4, name: 'customers.view' },
  { id: 6, name: 'users.view' },
  { id: 8, name: 'roles.view' },
  { id: 9, name: 'blacklist.view' },
  { id: 11, name: 'channels.view' },
  { id: 14, name: 'knowledge.view' },
];
const catalogue = (ids: number[]) => ids.map((id) => ({ id, name: PERMISSIONS[id - 1] }));
const SYSTEM = {
  Owner: catalogue([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]),
  Admin: catalogue([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16]),
  Agent: catalogue([1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 14]),
  Viewer: VIEWER_PERMISSIONS,
};

async function systemRole(seed: SeedResult, name: keyof typeof SYSTEM) {
  const [row] = await sql(h, 'SELECT id, created_at FROM roles WHERE tenant_id = $1 AND name = $2', [seed.tenant_id, name]);
  const created = apiTime(row!.created_at);
  return {
    id: Number(row!.id),
    tenant_id: seed.tenant_id,
    name,
    is_system: true,
    created_at: created,
    updated_at: created,
    permissions_count: SYSTEM[name].length,
    permissions: SYSTEM[name],
  };
}

describe('GET /roles and GET /roles/{id}', () => {
  it("lists the tenant's roles by id ascending, system roles first, as exact RoleResources", async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    await h.seedTenant({ conversations: 0 });
    const custom = await createRole(h, seed.tenant_id, 'Night Shift', ['customers.view', 'conversations.reply']);
    const response = await h.request({ url: '/api/v1/roles', token: seed.access_token });
    expect(response.status, response.body).toBe(200);
    expectPaginatorShape(response.json);
    const expected: Array<Record<string, unknown>> = [
      await systemRole(seed, 'Owner'),
      await systemRole(seed, 'Admin'),
      await systemRole(seed, 'Agent'),
      await systemRole(seed, 'Viewer'),
    ];
    const [customRow] = await sql(h, 'SELECT created_at FROM roles WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, custom]);
    expected.push({
      id: custom,
      tenant_id: seed.tenant_id,
      name: 'Night Shift',
      is_system: false,
      created_at: apiTime(customRow!.created_at),
      updated_at: apiTime(customRow!.created_at),
      permissions_count: 2,
      permissions: catalogue([2, 4]),
    });
    expectExactJson(response.json.data, expected);
    for (const role of response.json.data) expect(Object.keys(role)).toEqual(ROLE_KEYS);
    expect(expected.map((role) => role.permissions_count)).toEqual([16, 15, 11, 7, 2]);
    expect(response.json.meta).toMatchObject({ total: 5, per_page: 15, current_page: 1, path: 'http://127.0.0.1:8080/api/v1/roles' });

    const page = await h.request({ url: '/api/v1/roles?per_page=2&page=2', token: seed.access_token });
    expect(page.json.data.map((role: any) => role.name)).toEqual(['Agent', 'Viewer']);
    expect(page.json.meta).toMatchObject({ from: 3, to: 4, last_page: 3, total: 5 });
    const search = await h.request({ url: '/api/v1/roles?search=SHIFT', token: seed.access_token });
    expect(search.json.data.map((role: any) => role.id)).toEqual([custom]);
    const literal = await h.request({ url: '/api/v1/roles?search=%25', token: seed.access_token });
    expect(literal.json.data).toEqual([]);
    expectValidationError(await h.request({ url: `/api/v1/roles?search=${'x'.repeat(256)}&per_page=101`, token: seed.access_token }), {
      per_page: ['The per page field must not be greater than 100.'],
      search: ['The search field must not be greater than 255 characters.'],
    });
  });

  it("answers one role with the Viewer example's permissions, and 404 for another tenant's role", async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const other = await h.seedTenant({ conversations: 0 });
    const viewer = await systemRole(seed, 'Viewer');
    const response = await h.request({ url: `/api/v1/roles/${viewer.id}`, token: seed.access_token });
    expectExactJson(response.json, { success: 'Role retrieved successfully.', data: viewer });
    for (const id of [await roleId(h, other.tenant_id, 'Viewer'), 999999999, 'abc']) {
      const missing = await h.request({ url: `/api/v1/roles/${id}`, token: seed.access_token });
      expect(missing.status).toBe(404);
      expectExactJson(missing.json, ROLE_NOT_FOUND);
    }
  });
});

describe('GET /users/{id}/roles', () => {
  it('answers exactly {"data": [...]} by role id ascending, [] without roles, 404 for others', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const other = await h.seedTenant({ conversations: 0 });
    const user = await createdUser(h, seed.access_token, { role_ids: [await roleId(h, seed.tenant_id, 'Viewer'), await roleId(h, seed.tenant_id, 'Admin')] });
    const response = await h.request({ url: `/api/v1/users/${user.id}/roles`, token: seed.access_token });
    expect(response.status).toBe(200);
    expectExactJson(response.json, { data: [await systemRole(seed, 'Admin'), await systemRole(seed, 'Viewer')] });
    const bare = await createdUser(h, seed.access_token);
    expectExactJson((await h.request({ url: `/api/v1/users/${bare.id}/roles`, token: seed.access_token })).json, { data: [] });
    for (const id of [other.user_id, 999999999]) {
      expectExactJson((await h.request({ url: `/api/v1/users/${id}/roles`, token: seed.access_token })).json, USER_NOT_FOUND);
    }
  });
});

describe('PUT /users/{id}/roles', () => {
  it('replaces the roles exactly, ignoring duplicates, and answers the roles after the sync', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const [admin, agent, viewer] = await Promise.all(['Admin', 'Agent', 'Viewer'].map((name) => roleId(h, seed.tenant_id, name)));
    const user = await createdUser(h, seed.access_token, { role_ids: [viewer] });
    h.clock.advance(60);
    const response = await syncRoles(h, seed.access_token, user.id, [agent, String(admin), agent]);
    expect(response.status, response.body).toBe(200);
    expectExactJson(response.json, { success: 'User roles synced successfully.', data: [await systemRole(seed, 'Admin'), await systemRole(seed, 'Agent')] });
    const fetched = await h.request({ url: `/api/v1/users/${user.id}`, token: seed.access_token });
    expect(fetched.json.data.roles).toEqual([
      { id: admin, name: 'Admin' },
      { id: agent, name: 'Agent' },
    ]);
    expect(fetched.json.data.updated_at).toBe(apiTime(h.clock.now()));
    const emptied = await syncRoles(h, seed.access_token, user.id, []);
    expectExactJson(emptied.json, { success: 'User roles synced successfully.', data: [] });
  });

  it('answers 404 before 422, the documented 422 messages, and changes nothing', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const other = await h.seedTenant({ conversations: 0 });
    const user = await createdUser(h, seed.access_token, { role_ids: [await roleId(h, seed.tenant_id, 'Agent')] });
    const before = await directorySnapshot(h, seed.tenant_id);
    const put = (body: unknown, id = user.id) => h.request({ method: 'PUT', url: `/api/v1/users/${id}/roles`, token: seed.access_token, body });
    expectValidationError(await put({}), { role_ids: ['The role ids field is required.'] });
    expectValidationError(await put({ role_ids: null }), { role_ids: ['The role ids field is required.'] });
    expectValidationError(await put({ role_ids: 'Agent' }), { role_ids: ['The role ids field must be an array.'] });
    expectValidationError(await put({ role_ids: [await roleId(h, seed.tenant_id, 'Viewer'), await roleId(h, other.tenant_id, 'Agent')] }), {
      'role_ids.1': ['The selected role_ids.1 is invalid.'],
    });
    expectValidationError(await put({ role_ids: [999999999] }), { 'role_ids.0': ['The selected role_ids.0 is invalid.'] });
    expectValidationError(await put({ role_ids: [true] }), { 'role_ids.0': ['The role_ids.0 field must be an integer.'] });
    for (const id of [other.user_id, 999999999]) expectExactJson((await put({ role_ids: 'x' }, id)).json, USER_NOT_FOUND);
    expect(await directorySnapshot(h, seed.tenant_id)).toEqual(before);
  });
});

describe('GET /account/roles', () => {
  it("answers the caller's role names and the permissions they grant, in catalogue order", async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const viewer = await memberAs(h, seed, 'Vera Viewer', 'Viewer');
    const response = await h.request({ url: '/api/v1/account/roles', token: viewer.token });
    expect(response.status, response.body).toBe(200);
    expectExactJson(response.json, {
      success: 'Account roles retrieved successfully.',
      data: {
        roles: ['Viewer'],
        permissions: ['conversations.view', 'customers.view', 'users.view', 'roles.view', 'blacklist.view', 'channels.view', 'knowledge.view'],
      },
    });
    const owner = await h.request({ url: '/api/v1/account/roles', token: seed.access_token });
    expectExactJson(owner.json.data, { roles: ['Owner'], permissions: [...PERMISSIONS] });

    const mixed = await createUser(h, 'Mixed');
    const knowledge = await createRole(h, seed.tenant_id, 'Knowledge', ['knowledge.manage', 'conversations.view']);
    await addMembership(h, seed.tenant_id, mixed, [knowledge, 'Viewer']);
    const union = await h.request({ url: '/api/v1/account/roles', token: await h.token(mixed) });
    expectExactJson(union.json.data, {
      roles: ['Viewer', 'Knowledge'],
      permissions: [
        'conversations.view',
        'customers.view',
        'users.view',
        'roles.view',
        'blacklist.view',
        'channels.view',
        'knowledge.view',
        'knowledge.manage',
      ],
    });
    const emptyRole = await memberWith(h, seed, 'Empty', []);
    expectExactJson((await h.request({ url: '/api/v1/account/roles', token: emptyRole.token })).json.data, {
      roles: [`Empty role ${emptyRole.userId}`],
      permissions: [],
    });
    const roleless = await createUser(h, 'Roleless');
    await addMembership(h, seed.tenant_id, roleless, []);
    expectExactJson((await h.request({ url: '/api/v1/account/roles', token: await h.token(roleless) })).json.data, { roles: [], permissions: [] });
  });

  it('gives a client-credentials token no roles and the whole catalogue', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const response = await h.request({ url: '/api/v1/account/roles', token: await applicationToken(h, seed) });
    expectExactJson(response.json, { success: 'Account roles retrieved successfully.', data: { roles: [], permissions: [...PERMISSIONS] } });
  });

  it("counts only this tenant's roles", async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const other = await h.seedTenant({ conversations: 0 });
    await addMembership(h, other.tenant_id, seed.user_id, ['Viewer']);
    const here = await h.request({ url: '/api/v1/account/roles', token: seed.access_token, tenant: seed.tenant_id });
    expect(here.json.data.roles).toEqual(['Owner']);
    const there = await h.request({ url: '/api/v1/account/roles', token: seed.access_token, tenant: other.tenant_id });
    expect(there.json.data.roles).toEqual(['Viewer']);
    expect(there.json.data.permissions).toHaveLength(7);
  });
});

describe('a role change applies on the next request with the same token', () => {
  it('grants and withdraws permissions immediately', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const member = await memberWith(h, seed, 'Changing', ['conversations.view']);
    expectExactJson((await h.request({ url: '/api/v1/users', token: member.token })).json, FORBIDDEN);

    expect((await syncRoles(h, seed.access_token, member.userId, [await roleId(h, seed.tenant_id, 'Admin')])).status).toBe(200);
    expect((await h.request({ url: '/api/v1/users', token: member.token })).status).toBe(200);
    const created = await h.request({
      method: 'POST',
      url: '/api/v1/users',
      token: member.token,
      body: { name: 'By Admin', email: `by.admin.${Date.now()}@roles.test`, password: 'password1', password_confirmation: 'password1' },
    });
    expect(created.status, created.body).toBe(201);
    expect((await h.request({ url: '/api/v1/account/roles', token: member.token })).json.data.roles).toEqual(['Admin']);

    expect(
      (
        await h.request({
          method: 'PUT',
          url: `/api/v1/users/${member.userId}`,
          token: seed.access_token,
          body: { role_ids: [await roleId(h, seed.tenant_id, 'Viewer')] },
        })
      ).status,
    ).toBe(200);
    expectExactJson((await h.request({ method: 'DELETE', url: `/api/v1/users/${created.json.data.id}`, token: member.token })).json, FORBIDDEN);
    expect((await h.request({ url: '/api/v1/users', token: member.token })).status).toBe(200);

    expect((await syncRoles(h, seed.access_token, member.userId, [])).status).toBe(200);
    expectExactJson((await h.request({ url: '/api/v1/users', token: member.token })).json, FORBIDDEN);
    expectExactJson((await h.request({ url: '/api/v1/account/roles', token: member.token })).json.data, { roles: [], permissions: [] });
    // Suspension is a membership change too: the same token loses the tenant.
    expect((await h.request({ method: 'PUT', url: `/api/v1/users/${member.userId}`, token: seed.access_token, body: { is_active: false } })).status).toBe(200);
    expectError(await h.request({ url: '/api/v1/account/roles', token: member.token }), 400, 'tenant_required');
    expectError(await h.request({ url: '/api/v1/account/roles', token: member.token, tenant: seed.tenant_id }), 403, 'tenant_forbidden');
  });
});
