/**
 * GET/POST /api/v1/users and GET /api/v1/users/{id} (docs/domain-rules.md#users-and-roles; updates and removal:
 * users-update.test.ts; Owner rules: owner-rules.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { TIMESTAMP, apiTime } from '../support/shapes.js';
import { expectError, expectExactJson, expectValidationError } from '../support/assertions.js';
import { roleId, sql } from '../support/factories.js';
import { USER_KEYS, USER_NOT_FOUND, createdUser, deleteUser, freshEmail, listUsers, listedIds, newUserBody, postUser, putUser } from '../support/users.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const accountCount = async () => Number((await sql(h, 'SELECT count(*)::int AS n FROM users'))[0]!.n);

describe('POST /users', () => {
  it('creates a new account and its membership, answering 201 with the exact UserResource', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const [admin, agent] = [await roleId(h, seed.tenant_id, 'Admin'), await roleId(h, seed.tenant_id, 'Agent')];
    const email = freshEmail('deniz');
    const response = await postUser(h, seed.access_token, {
      name: '  Deniz Kaya ',
      email,
      password: ' secret pass ',
      password_confirmation: ' secret pass ',
      title: 'Support',
      phone: '+905559998877',
      emergency_contact_name: 'Ayşe',
      emergency_contact_surname: '',
      emergency_contact_phone_number: '+905550000000',
      blood_group: '0+',
      language: ['Turkish', 'English', 'Turkish'],
      avatar_url: 'https://cdn.example.test/a.png',
      is_active: true,
      bio: 'Hi',
      role_ids: [agent, String(admin), agent],
      last_login_ip: '10.0.0.1',
      password_hash: 'x',
    });
    expect(response.status, response.body).toBe(201);
    const id = response.json.data.id;
    expect(Number.isInteger(id)).toBe(true);
    const now = apiTime(h.clock.now());
    const expected = {
      success: 'User created successfully.',
      data: {
        id,
        name: 'Deniz Kaya',
        email,
        title: 'Support',
        phone: '+905559998877',
        emergency_contact_name: 'Ayşe',
        emergency_contact_surname: null,
        emergency_contact_phone_number: '+905550000000',
        blood_group: '0+',
        language: ['Turkish', 'English'],
        avatar_url: 'https://cdn.example.test/a.png',
        is_active: true,
        bio: 'Hi',
        last_login_at: null,
        last_login_ip: null,
        created_at: now,
        updated_at: now,
        deleted_at: null,
        roles: [
          { id: admin, name: 'Admin' },
          { id: agent, name: 'Agent' },
        ],
      },
    };
    expectExactJson(response.json, expected);
    expect(Object.keys(response.json.data)).toEqual(USER_KEYS);
    expect(response.body).not.toContain('password');
    expect(response.body).not.toContain('argon2');

    // The password is stored as an argon2id PHC string, untrimmed.
    const [stored] = await sql(h, 'SELECT password_hash FROM users WHERE id = $1', [id]);
    expect(stored!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const { verify } = await import('@node-rs/argon2');
    expect(await verify(stored!.password_hash, ' secret pass ')).toBe(true);
    const memberships = await sql(h, 'SELECT tenant_id, is_active, deleted_at FROM memberships WHERE user_id = $1', [id]);
    expect(memberships).toEqual([{ tenant_id: seed.tenant_id, is_active: true, deleted_at: null }]);

    const fetched = await h.request({ url: `/api/v1/users/${id}`, token: seed.access_token });
    expectExactJson(fetched.json, { success: 'User retrieved successfully.', data: expected.data });
    const listed = (await listUsers(h, seed.access_token)).data.find((user: any) => user.id === id);
    expectExactJson(listed, expected.data);
  });

  it('defaults to an active member with no role, no language and null profile fields', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const email = freshEmail();
    const response = await postUser(h, seed.access_token, {
      name: 'Plain',
      email,
      password: '12345678',
      password_confirmation: '12345678',
      role_ids: null,
      language: null,
    });
    expect(response.status, response.body).toBe(201);
    const data = response.json.data;
    expect(data).toMatchObject({
      name: 'Plain',
      email,
      title: null,
      phone: null,
      blood_group: null,
      language: [],
      avatar_url: null,
      is_active: true,
      bio: null,
      roles: [],
    });
    const suspended = await postUser(h, seed.access_token, newUserBody({ is_active: '0' }));
    expect(suspended.status).toBe(201);
    expect(suspended.json.data.is_active).toBe(false);
    // A suspended member cannot use this tenant.
    const token = await h.token(suspended.json.data.id);
    expectError(await h.request({ url: '/api/v1/account/roles', token, tenant: seed.tenant_id }), 403, 'tenant_forbidden');
  });

  it('answers every documented 422 message, all failing fields at once in the listed order, and stores nothing', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const other = await h.seedTenant({ conversations: 0 });
    const before = await accountCount();
    expectValidationError(await postUser(h, seed.access_token, {}), {
      name: ['The name field is required.'],
      email: ['The email field is required.'],
      password: ['The password field is required.'],
    });
    const foreignRole = await roleId(h, other.tenant_id, 'Agent');
    const response = await postUser(h, seed.access_token, {
      name: 'x'.repeat(256),
      email: 'not-an-email',
      password: 'short',
      password_confirmation: 'short',
      phone: '1'.repeat(21),
      title: 7,
      emergency_contact_name: 'n'.repeat(256),
      emergency_contact_surname: ['x'],
      emergency_contact_phone_number: '2'.repeat(21),
      blood_group: 'ABCDEFGHIJK',
      language: ['Turkish', 'German'],
      avatar_url: 'ftp://files.example.test/a.png',
      is_active: 'yes',
      bio: 'b'.repeat(1001),
      role_ids: [foreignRole],
    });
    expectValidationError(response, {
      name: ['The name field must not be greater than 255 characters.'],
      email: ['The email field must be a valid email address.'],
      password: ['The password field must be at least 8 characters.'],
      phone: ['The phone field must not be greater than 20 characters.'],
      title: ['The title field must be a string.'],
      emergency_contact_name: ['The emergency contact name field must not be greater than 255 characters.'],
      emergency_contact_surname: ['The emergency contact surname field must be a string.'],
      emergency_contact_phone_number: ['The emergency contact phone number field must not be greater than 20 characters.'],
      blood_group: ['The blood group field must not be greater than 10 characters.'],
      'language.1': ['The selected language.1 is invalid.'],
      avatar_url: ['The avatar url field must be a valid URL.'],
      is_active: ['The is active field must be true or false.'],
      bio: ['The bio field must not be greater than 1000 characters.'],
      'role_ids.0': ['The selected role_ids.0 is invalid.'],
    });
    expectValidationError(await postUser(h, seed.access_token, newUserBody({ password: 'long enough', password_confirmation: 'long enougH' })), {
      password: ['The password field confirmation does not match.'],
    });
    expectValidationError(await postUser(h, seed.access_token, newUserBody({ password: 'long enough', password_confirmation: undefined })), {
      password: ['The password field confirmation does not match.'],
    });
    for (const password of ['', '        ', null]) {
      expectValidationError(await postUser(h, seed.access_token, newUserBody({ password, password_confirmation: password })), {
        password: ['The password field is required.'],
      });
    }
    expectValidationError(await postUser(h, seed.access_token, newUserBody({ password: 12345678, password_confirmation: 12345678 })), {
      password: ['The password field must be a string.'],
    });
    expectValidationError(await postUser(h, seed.access_token, newUserBody({ password: 'p'.repeat(256), password_confirmation: 'p'.repeat(256) })), {
      password: ['The password field must not be greater than 255 characters.'],
    });
    expectValidationError(await postUser(h, seed.access_token, newUserBody({ email: `a@${Array.from({ length: 4 }, () => 'd'.repeat(63)).join('.')}.test` })), {
      email: ['The email field must not be greater than 255 characters.'],
    });
    expectValidationError(await postUser(h, seed.access_token, newUserBody({ language: ['turkish', 'English', 3] })), {
      'language.0': ['The selected language.0 is invalid.'],
      'language.2': ['The selected language.2 is invalid.'],
    });
    expectValidationError(await postUser(h, seed.access_token, newUserBody({ language: 'Turkish', role_ids: 'Agent' })), {
      language: ['The language field must be an array.'],
      role_ids: ['The role ids field must be an array.'],
    });
    expectValidationError(await postUser(h, seed.access_token, newUserBody({ role_ids: ['abc', 1.5] })), {
      'role_ids.0': ['The role_ids.0 field must be an integer.'],
      'role_ids.1': ['The role_ids.1 field must be an integer.'],
    });
    expectValidationError(await postUser(h, seed.access_token, newUserBody({ role_ids: [await roleId(h, seed.tenant_id, 'Agent'), 999999999] })), {
      'role_ids.1': ['The selected role_ids.1 is invalid.'],
    });
    // Each element is checked on its own (Laravel's role_ids.*): both kinds of failure in one answer.
    expectValidationError(await postUser(h, seed.access_token, newUserBody({ role_ids: ['abc', 999999999, await roleId(h, seed.tenant_id, 'Agent')] })), {
      'role_ids.0': ['The role_ids.0 field must be an integer.'],
      'role_ids.1': ['The selected role_ids.1 is invalid.'],
    });
    expectValidationError(await postUser(h, seed.access_token, newUserBody({ name: '   ', is_active: null })), {
      name: ['The name field is required.'],
      is_active: ['The is active field must be true or false.'],
    });
    expect(await accountCount()).toBe(before);
  });

  it('refuses an email any account uses, in any tenant, removed or not, compared case-insensitively', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const other = await h.seedTenant({ conversations: 0 });
    const here = await createdUser(h, seed.access_token);
    const there = await createdUser(h, other.access_token);
    const removed = await createdUser(h, other.access_token);
    await sql(h, 'UPDATE users SET deleted_at = $2 WHERE id = $1', [removed.id, h.clock.now()]);
    const before = await accountCount();
    for (const email of [here.email, there.email.toUpperCase(), removed.email, seed.email]) {
      expectValidationError(await postUser(h, seed.access_token, newUserBody({ email })), { email: ['The email has already been taken.'] });
    }
    expect(await accountCount()).toBe(before);
  });

  it('creates one account when two requests race for the same email', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const other = await h.seedTenant({ conversations: 0 });
    const email = freshEmail('race');
    const answers = await Promise.all([
      postUser(h, seed.access_token, newUserBody({ email })),
      postUser(h, other.access_token, newUserBody({ email: email.toUpperCase() })),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 422]);
    expectValidationError(answers.find((answer) => answer.status === 422)!, { email: ['The email has already been taken.'] });
    expect(await sql(h, 'SELECT count(*)::int AS n FROM users WHERE lower(email) = lower($1)', [email])).toEqual([{ n: 1 }]);
  });
});

describe('GET /users/{id}', () => {
  it("answers 404 for another tenant's user, a removed member, an unknown or malformed id", async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const other = await h.seedTenant({ conversations: 0 });
    const removed = await createdUser(h, seed.access_token);
    expect((await deleteUser(h, seed.access_token, removed.id)).status).toBe(200);
    for (const id of [other.user_id, removed.id, 999999999, 'abc', '-1', '1.5']) {
      const response = await h.request({ url: `/api/v1/users/${id}`, token: seed.access_token });
      expect(response.status, String(id)).toBe(404);
      expectExactJson(response.json, USER_NOT_FOUND);
    }
    const own = await h.request({ url: `/api/v1/users/00${seed.user_id}`, token: seed.access_token });
    expect(own.json.data).toMatchObject({ id: seed.user_id, name: 'Demo Owner', email: seed.email, roles: [{ name: 'Owner' }] });
  });

  it('shows last_login_at / last_login_ip and updated_at as the later of account and membership', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const user = await createdUser(h, seed.access_token);
    const login = new Date('2026-10-01T08:30:15.700Z');
    await sql(h, 'UPDATE users SET last_login_at = $2, last_login_ip = $3 WHERE id = $1', [user.id, login, '2001:db8::1']);
    await sql(h, 'UPDATE memberships SET updated_at = $3 WHERE tenant_id = $1 AND user_id = $2', [seed.tenant_id, user.id, new Date('2030-01-01T00:00:00Z')]);
    const data = (await h.request({ url: `/api/v1/users/${user.id}`, token: seed.access_token })).json.data;
    expect([data.last_login_at, data.last_login_ip, data.updated_at]).toEqual(['2026-10-01T08:30:16Z', '2001:db8::1', '2030-01-01T00:00:00Z']);
    expect(data.created_at).toMatch(TIMESTAMP);
  });
});

describe('GET /users', () => {
  it("lists only this tenant's live members, newest first, with the Laravel paginator", async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const other = await h.seedTenant({ conversations: 0 });
    await createdUser(h, other.access_token);
    h.clock.advance(60);
    const first = await createdUser(h, seed.access_token, { name: 'First' });
    h.clock.advance(60);
    const second = await createdUser(h, seed.access_token, { name: 'Second' });
    const body = await listUsers(h, seed.access_token, '?per_page=2&foo=bar');
    expect(body.data.map((user: any) => user.id)).toEqual([second.id, first.id]);
    for (const user of body.data) expect(Object.keys(user)).toEqual(USER_KEYS);
    expect(body.meta).toMatchObject({ current_page: 1, from: 1, last_page: 2, per_page: 2, to: 2, total: 3, path: 'http://127.0.0.1:8080/api/v1/users' });
    expect(body.links.next).toBe('http://127.0.0.1:8080/api/v1/users?per_page=2&foo=bar&page=2');
    const page2 = await listUsers(h, seed.access_token, '?per_page=2&page=2');
    expect(page2.data.map((user: any) => user.id)).toEqual([seed.user_id]);
    // Same created_at: ties broken by id in the sort direction.
    const tied = [await createdUser(h, seed.access_token), await createdUser(h, seed.access_token)];
    expect((await listedIds(h, seed.access_token)).slice(0, 2)).toEqual([tied[1].id, tied[0].id]);
    expect((await listedIds(h, seed.access_token, '?sort_order=asc')).slice(-2)).toEqual([tied[0].id, tied[1].id]);
  });

  it('sorts by name, email, created_at, updated_at and last_login_at, case-insensitively, nulls last', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const suffix = `${Date.now()}@sort.test`;
    const bob = await createdUser(h, seed.access_token, { name: 'bob', email: `B.${suffix}` });
    h.clock.advance(10);
    const alice = await createdUser(h, seed.access_token, { name: 'Alice', email: `c.${suffix}` });
    h.clock.advance(10);
    const carol = await createdUser(h, seed.access_token, { name: 'Carol', email: `a.${suffix}` });
    const scope = '&search=sort.test';
    expect(await listedIds(h, seed.access_token, `?sort_by=name${scope}`)).toEqual([alice.id, bob.id, carol.id]);
    expect(await listedIds(h, seed.access_token, `?sort_by=name&sort_order=desc${scope}`)).toEqual([carol.id, bob.id, alice.id]);
    expect(await listedIds(h, seed.access_token, `?sort_by=email${scope}`)).toEqual([carol.id, bob.id, alice.id]);
    expect(await listedIds(h, seed.access_token, `?sort_by=created_at${scope}`)).toEqual([bob.id, alice.id, carol.id]);
    expect(await listedIds(h, seed.access_token, scope.replace('&', '?'))).toEqual([carol.id, alice.id, bob.id]);
    h.clock.advance(10);
    expect((await putUser(h, seed.access_token, bob.id, { title: 'Lead' })).status).toBe(200);
    expect(await listedIds(h, seed.access_token, `?sort_by=updated_at&sort_order=desc${scope}`)).toEqual([bob.id, carol.id, alice.id]);
    await sql(h, 'UPDATE users SET last_login_at = $2 WHERE id = $1', [alice.id, new Date('2026-01-01T00:00:00Z')]);
    await sql(h, 'UPDATE users SET last_login_at = $2 WHERE id = $1', [carol.id, new Date('2026-02-01T00:00:00Z')]);
    expect(await listedIds(h, seed.access_token, `?sort_by=last_login_at${scope}`)).toEqual([alice.id, carol.id, bob.id]);
    expect(await listedIds(h, seed.access_token, `?sort_by=last_login_at&sort_order=desc${scope}`)).toEqual([carol.id, alice.id, bob.id]);
  });

  it('filters by search (literal % and _), is_active, role and trashed', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const agentRole = await roleId(h, seed.tenant_id, 'Agent');
    const percent = await createdUser(h, seed.access_token, { name: '100% Sure_Thing', role_ids: [agentRole] });
    const plain = await createdUser(h, seed.access_token, { name: '100 Sure Thing', is_active: false });
    const byEmail = await createdUser(h, seed.access_token, { name: 'Mail Match', email: freshEmail('ZEBRA') });
    expect(await listedIds(h, seed.access_token, '?search=100%25')).toEqual([percent.id]);
    expect(await listedIds(h, seed.access_token, '?search=sure_')).toEqual([percent.id]);
    expect(await listedIds(h, seed.access_token, '?search=SURE')).toEqual([plain.id, percent.id]);
    expect(await listedIds(h, seed.access_token, '?search=zebra')).toEqual([byEmail.id]);
    expect(await listedIds(h, seed.access_token, '?search=%20%20')).toHaveLength(4);
    expect(await listedIds(h, seed.access_token, '?is_active=false')).toEqual([plain.id]);
    expect(await listedIds(h, seed.access_token, '?is_active=0&search=sure')).toEqual([plain.id]);
    expect(await listedIds(h, seed.access_token, '?is_active=1&search=sure')).toEqual([percent.id]);
    expect(await listedIds(h, seed.access_token, '?role=agent')).toEqual([percent.id]);
    expect(await listedIds(h, seed.access_token, '?role=OWNER')).toEqual([seed.user_id]);
    expect(await listedIds(h, seed.access_token, '?role=Nobody')).toEqual([]);
    expect(await listedIds(h, seed.access_token, '?trashed=1')).toEqual([]);

    expect((await deleteUser(h, seed.access_token, percent.id)).status).toBe(200);
    const trashed = await listUsers(h, seed.access_token, '?trashed=true');
    expect(trashed.data.map((user: any) => user.id)).toEqual([percent.id]);
    expect(trashed.data[0].deleted_at).toBe(apiTime(h.clock.now()));
    expect(Object.keys(trashed.data[0])).toEqual(USER_KEYS);
    expect(await listedIds(h, seed.access_token, '?trashed=0')).not.toContain(percent.id);
    expect(await listedIds(h, seed.access_token, '?trashed=false&search=sure')).toEqual([plain.id]);
  });

  it('answers 422 for invalid filters', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const response = await h.request({
      url: `/api/v1/users?search=${'s'.repeat(256)}&sort_by=Name&sort_order=up&is_active=yes&role=${'r'.repeat(256)}&trashed=maybe&per_page=0`,
      token: seed.access_token,
    });
    expectValidationError(response, {
      per_page: ['The per page field must be at least 1.'],
      search: ['The search field must not be greater than 255 characters.'],
      sort_by: ['The selected sort by is invalid.'],
      sort_order: ['The selected sort order is invalid.'],
      is_active: ['The is active field must be true or false.'],
      role: ['The role field must not be greater than 255 characters.'],
      trashed: ['The trashed field must be true or false.'],
    });
  });
});
