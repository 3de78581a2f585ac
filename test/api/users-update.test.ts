/**
 * PUT /api/v1/users/{id}, DELETE /api/v1/users/{id} and who may write (docs/domain-rules.md#users-and-roles;
 * Owner rules: owner-rules.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { apiTime } from '../support/shapes.js';
import { expectError, expectExactJson, expectValidationError } from '../support/assertions.js';
import { addMembership, memberAs, roleId, sql, userName } from '../support/factories.js';
import { eventHead, eventsAfter } from '../support/events.js';
import {
  FORBIDDEN,
  USER_NOT_FOUND,
  createdUser,
  deleteUser,
  directorySnapshot,
  freshEmail,
  listUsers,
  listedIds,
  newUserBody,
  postUser,
  putUser,
} from '../support/users.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

describe('PUT /users/{id}', () => {
  it('updates only the present fields and answers the UserResource', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const user = await createdUser(h, seed.access_token, { title: 'Support', phone: '+905551112233', language: ['English'] });
    h.clock.advance(120);
    const response = await putUser(h, seed.access_token, user.id, { title: '', bio: '  New bio ', language: ['Other', 'Other', 'Turkish'], name: 'Renamed' });
    expect(response.status, response.body).toBe(200);
    expectExactJson(response.json, {
      success: 'User updated successfully.',
      data: { ...user, name: 'Renamed', title: null, bio: 'New bio', language: ['Other', 'Turkish'], updated_at: apiTime(h.clock.now()) },
    });
    // Nothing present, or nothing different: updated_at stays.
    h.clock.advance(120);
    const same = await putUser(h, seed.access_token, user.id, { name: 'Renamed', phone: '+905551112233', is_active: true, role_ids: null });
    expect(same.status).toBe(200);
    expect(same.json.data).toEqual(response.json.data);
    const empty = await putUser(h, seed.access_token, user.id, {});
    expect(empty.json.data).toEqual(response.json.data);
    // language null clears it; is_active is the membership's and moves updated_at too.
    const cleared = await putUser(h, seed.access_token, user.id, { language: null, is_active: false });
    expect(cleared.json.data).toMatchObject({ language: [], is_active: false, updated_at: apiTime(h.clock.now()) });
  });

  it('replaces roles with role_ids ([] removes all, null leaves them)', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const [admin, agent, viewer] = await Promise.all(['Admin', 'Agent', 'Viewer'].map((name) => roleId(h, seed.tenant_id, name)));
    const user = await createdUser(h, seed.access_token, { role_ids: [agent] });
    const replaced = await putUser(h, seed.access_token, user.id, { role_ids: [viewer, admin, viewer] });
    expect(replaced.json.data.roles).toEqual([
      { id: admin, name: 'Admin' },
      { id: viewer, name: 'Viewer' },
    ]);
    expect((await putUser(h, seed.access_token, user.id, { role_ids: null })).json.data.roles).toHaveLength(2);
    expect((await putUser(h, seed.access_token, user.id, { role_ids: [] })).json.data.roles).toEqual([]);
  });

  it('answers the 422 messages of PUT, 404 before 422, and changes nothing', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const other = await h.seedTenant({ conversations: 0 });
    const user = await createdUser(h, seed.access_token);
    const taken = await createdUser(h, other.access_token);
    const before = await directorySnapshot(h, seed.tenant_id);
    expectValidationError(await putUser(h, seed.access_token, user.id, { name: null, email: '', password: null }), {
      name: ['The name field is required.'],
      email: ['The email field is required.'],
      password: ['The password field is required.'],
    });
    expectValidationError(await putUser(h, seed.access_token, user.id, { email: taken.email.toUpperCase(), password: 'newpassword' }), {
      email: ['The email has already been taken.'],
      password: ['The password field confirmation does not match.'],
    });
    expectValidationError(
      await putUser(h, seed.access_token, user.id, { email: 'x@', password: 'short', password_confirmation: 'short', blood_group: 'ABCDEFGHIJK' }),
      {
        email: ['The email field must be a valid email address.'],
        password: ['The password field must be at least 8 characters.'],
        blood_group: ['The blood group field must not be greater than 10 characters.'],
      },
    );
    expectValidationError(await putUser(h, seed.access_token, user.id, { role_ids: [await roleId(h, other.tenant_id, 'Viewer')], is_active: 'true' }), {
      is_active: ['The is active field must be true or false.'],
      'role_ids.0': ['The selected role_ids.0 is invalid.'],
    });
    for (const id of [other.user_id, taken.id, 999999999]) {
      const response = await putUser(h, seed.access_token, id, { name: null, role_ids: 'x' });
      expect(response.status).toBe(404);
      expectExactJson(response.json, USER_NOT_FOUND);
    }
    expect(await directorySnapshot(h, seed.tenant_id)).toEqual(before);
  });

  it('changes the email (not its own, whatever the case) and a new password revokes refresh tokens and sessions', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const user = await createdUser(h, seed.access_token);
    const caseOnly = await putUser(h, seed.access_token, user.id, { email: user.email.toUpperCase() });
    expect(caseOnly.status, caseOnly.body).toBe(200);
    expect(caseOnly.json.data.email).toBe(user.email);
    const email = freshEmail('moved');
    expect((await putUser(h, seed.access_token, user.id, { email })).json.data.email).toBe(email);

    const expires = new Date(h.clock.now().getTime() + 3600_000);
    await sql(
      h,
      `INSERT INTO refresh_tokens (token_hash, family_id, access_jti, user_id, client_id, scopes, expires_at)
                  VALUES ($1, 'f', 'j', $2, $3, '', $4)`,
      [`rt-${user.id}`, user.id, '00000000-0000-4000-8000-000000000000', expires],
    );
    await sql(h, `INSERT INTO login_sessions (id_hash, user_id, csrf_token, last_seen_at, expires_at) VALUES ($1, $2, 'c', $3, $4)`, [
      `ls-${user.id}`,
      user.id,
      h.clock.now(),
      expires,
    ]);
    await sql(h, `INSERT INTO login_sessions (id_hash, user_id, csrf_token, last_seen_at, expires_at) VALUES ($1, $2, 'c', $3, $4)`, [
      `ls-owner-${seed.user_id}`,
      seed.user_id,
      h.clock.now(),
      expires,
    ]);
    const [{ password_hash: oldHash }] = (await sql(h, 'SELECT password_hash FROM users WHERE id = $1', [user.id])) as any[];
    // The profile change alone revokes nothing.
    await putUser(h, seed.access_token, user.id, { bio: 'x' });
    expect(await sql(h, 'SELECT revoked_at FROM refresh_tokens WHERE user_id = $1', [user.id])).toEqual([{ revoked_at: null }]);
    h.clock.advance(30);
    const response = await putUser(h, seed.access_token, user.id, { password: 'brand new pw', password_confirmation: 'brand new pw' });
    expect(response.status, response.body).toBe(200);
    expect(response.body).not.toContain('password');
    expect(response.json.data.updated_at).toBe(apiTime(h.clock.now()));
    const [{ password_hash: newHash }] = (await sql(h, 'SELECT password_hash FROM users WHERE id = $1', [user.id])) as any[];
    expect(newHash).not.toBe(oldHash);
    const { verify } = await import('@node-rs/argon2');
    expect(await verify(newHash, 'brand new pw')).toBe(true);
    expect(await sql(h, 'SELECT revoked_at FROM refresh_tokens WHERE user_id = $1', [user.id])).toEqual([{ revoked_at: h.clock.now() }]);
    expect(await sql(h, 'SELECT revoked_at FROM login_sessions WHERE user_id = $1', [user.id])).toEqual([{ revoked_at: h.clock.now() }]);
    expect(await sql(h, 'SELECT revoked_at FROM login_sessions WHERE user_id = $1', [seed.user_id])).toEqual([{ revoked_at: null }]);
  });

  it('refuses email and password changes of an account that belongs to another tenant, but edits its profile everywhere', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const other = await h.seedTenant({ conversations: 0 });
    const shared = await createdUser(h, seed.access_token);
    await addMembership(h, other.tenant_id, shared.id, ['Viewer']);
    const before = await directorySnapshot(h, seed.tenant_id);
    expectValidationError(
      await putUser(h, seed.access_token, shared.id, { email: freshEmail(), password: 'new password', password_confirmation: 'new password' }),
      {
        email: ['The email cannot be changed for a user who belongs to other tenants.'],
        password: ['The password cannot be changed for a user who belongs to other tenants.'],
      },
    );
    // unique and confirmed come first.
    expectValidationError(await putUser(h, seed.access_token, shared.id, { email: other.email, password: 'new password' }), {
      email: ['The email has already been taken.'],
      password: ['The password field confirmation does not match.'],
    });
    expect(await directorySnapshot(h, seed.tenant_id)).toEqual(before);
    // The same address (any case) is no change.
    const renamed = await putUser(h, seed.access_token, shared.id, { email: shared.email.toUpperCase(), name: 'Shared Name' });
    expect(renamed.status, renamed.body).toBe(200);
    const elsewhere = await h.request({ url: `/api/v1/users/${shared.id}`, token: other.access_token });
    expect(elsewhere.json.data).toMatchObject({ name: 'Shared Name', email: shared.email, roles: [{ name: 'Viewer' }] });
    // Once the other membership is removed, the account is this tenant's alone again.
    await sql(h, 'UPDATE memberships SET deleted_at = $3 WHERE tenant_id = $1 AND user_id = $2', [other.tenant_id, shared.id, h.clock.now()]);
    expect((await putUser(h, seed.access_token, shared.id, { password: 'new password', password_confirmation: 'new password' })).status).toBe(200);
  });
});

describe('DELETE /users/{id}', () => {
  it('removes the membership only, unassigns customers without touching updated_at, and the user answers 404 here', async () => {
    const seed = await h.seedTenant({ conversations: 0, customers: 3 });
    const other = await h.seedTenant({ conversations: 0, customers: 1 });
    const user = await createdUser(h, seed.access_token, { role_ids: [await roleId(h, seed.tenant_id, 'Agent')] });
    await addMembership(h, other.tenant_id, user.id, ['Agent']);
    const token = await h.token(user.id);
    const customers = await sql(h, 'SELECT id, updated_at FROM customers WHERE tenant_id = $1 ORDER BY id', [seed.tenant_id]);
    const assigned = customers.slice(0, 2).map((row) => row.id);
    await sql(h, 'UPDATE customers SET related_user_id = $2 WHERE tenant_id = $1 AND id = ANY($3::bigint[])', [seed.tenant_id, user.id, assigned]);
    await sql(h, 'UPDATE customers SET related_user_id = $2 WHERE tenant_id = $1', [other.tenant_id, user.id]);
    expect((await h.request({ url: '/api/v1/account/roles', token, tenant: seed.tenant_id })).status).toBe(200);

    await sql(h, 'UPDATE customers SET related_user_id = $2, deleted_at = $3 WHERE tenant_id = $1 AND id = $4', [
      seed.tenant_id,
      user.id,
      h.clock.now(),
      customers[2]!.id,
    ]);
    const [head, otherHead] = [await eventHead(h, seed.tenant_id), await eventHead(h, other.tenant_id)];

    h.clock.advance(300);
    const response = await deleteUser(h, seed.access_token, user.id);
    expect(response.status, response.body).toBe(200);
    expectExactJson(response.json, { success: 'User deleted successfully.', data: { message: 'User deleted successfully.' } });
    // Each live customer that lost the assignment has its customer.updated, by the remover; the deleted one has none.
    const events = await eventsAfter(h, seed.tenant_id, head);
    expect(events.map((event) => `${event.type}#${String(event.data.id)}`)).toEqual(assigned.map((id) => `customer.updated#${id}`));
    for (const event of events) {
      expect(event.data).toMatchObject({ related_user: null });
      expect([event.actor_type, event.actor_id, event.actor_name]).toEqual(['user', seed.user_id, await userName(h, seed.user_id)]);
    }
    expect(await eventHead(h, other.tenant_id)).toBe(otherHead);

    expectExactJson((await h.request({ url: `/api/v1/users/${user.id}`, token: seed.access_token })).json, USER_NOT_FOUND);
    expectExactJson((await deleteUser(h, seed.access_token, user.id)).json, USER_NOT_FOUND);
    expect(await listedIds(h, seed.access_token)).not.toContain(user.id);
    const trashed = (await listUsers(h, seed.access_token, '?trashed=1')).data;
    expect(trashed.map((row: any) => row.id)).toEqual([user.id]);
    expect(trashed[0]).toMatchObject({ deleted_at: apiTime(h.clock.now()), updated_at: apiTime(h.clock.now()), is_active: true });
    expectError(
      await h.request({ url: '/api/v1/account/roles', token, tenant: seed.tenant_id }),
      403,
      'tenant_forbidden',
      'You do not have access to this tenant.',
    );

    const after = await sql(h, 'SELECT id, related_user_id, updated_at FROM customers WHERE tenant_id = $1 ORDER BY id', [seed.tenant_id]);
    expect(after).toEqual(customers.map((row) => ({ id: row.id, related_user_id: null, updated_at: row.updated_at })));
    // The account and its other tenant are untouched.
    expect(await sql(h, 'SELECT related_user_id FROM customers WHERE tenant_id = $1', [other.tenant_id])).toEqual([{ related_user_id: user.id }]);
    expect(await sql(h, 'SELECT deleted_at FROM users WHERE id = $1', [user.id])).toEqual([{ deleted_at: null }]);
    const elsewhere = await h.request({ url: `/api/v1/users/${user.id}`, token: other.access_token });
    expect(elsewhere.json.data).toMatchObject({ id: user.id, deleted_at: null, roles: [{ name: 'Agent' }] });
    expect((await h.request({ url: '/api/v1/account/roles', token, tenant: other.tenant_id })).status).toBe(200);
  });

  it("answers 404 for another tenant's user and an unknown id", async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const other = await h.seedTenant({ conversations: 0 });
    const before = await directorySnapshot(h, other.tenant_id);
    for (const id of [other.user_id, 999999999, 'x']) expectExactJson((await deleteUser(h, seed.access_token, id as number)).json, USER_NOT_FOUND);
    expect(await directorySnapshot(h, other.tenant_id)).toEqual(before);
  });
});

describe('permissions', () => {
  it('lets a Viewer read users but answers 403 forbidden on every write, before 404 and 422', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const viewer = await memberAs(h, seed, 'Viewer Person', 'Viewer');
    const target = await createdUser(h, seed.access_token);
    expect((await listUsers(h, viewer.token, '')).meta.total).toBe(3);
    expect((await h.request({ url: `/api/v1/users/${target.id}`, token: viewer.token })).status).toBe(200);
    const before = await directorySnapshot(h, seed.tenant_id);
    const writes = [
      postUser(h, viewer.token, newUserBody()),
      postUser(h, viewer.token, {}),
      putUser(h, viewer.token, target.id, { name: 'Nope' }),
      putUser(h, viewer.token, 999999999, { name: null }),
      deleteUser(h, viewer.token, target.id),
      h.request({ method: 'PUT', url: `/api/v1/users/${target.id}/roles`, token: viewer.token, body: { role_ids: [] } }),
    ];
    for (const response of await Promise.all(writes)) expectExactJson(response.json, FORBIDDEN);
    expect(await directorySnapshot(h, seed.tenant_id)).toEqual(before);
  });
});
