/**
 * The Owner rules of docs/request-checks.md#owner-protection on every route that can break them: Owner protection (403, after
 * validation) and at least one active Owner (409, after Owner protection), each refusal changing nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { expectExactJson, expectValidationError } from '../support/assertions.js';
import { addMembership, applicationToken, createUser, memberAs, roleId, sql } from '../support/factories.js';
import {
  KEEP_AN_OWNER,
  OWNER_ONLY,
  USER_NOT_FOUND,
  createdUser,
  deleteUser,
  directorySnapshot,
  newUserBody,
  postUser,
  putUser,
  roleNames,
  syncRoles,
} from '../support/users.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

async function roles(seed: SeedResult) {
  const [owner, admin, agent, viewer] = await Promise.all(['Owner', 'Admin', 'Agent', 'Viewer'].map((name) => roleId(h, seed.tenant_id, name)));
  return { owner: owner!, admin: admin!, agent: agent!, viewer: viewer! };
}

/** Runs each request and expects exactly `refusal` from all of them, with the tenant's directory untouched. */
async function expectRefusedWithoutChange(seed: SeedResult, refusal: object, requests: Array<() => Promise<{ json: any; status: number; body: string }>>) {
  const before = await directorySnapshot(h, seed.tenant_id);
  for (const [index, request] of requests.entries()) {
    const response = await request();
    expect(response.status, `request ${index}: ${response.body}`).toBe('error' in refusal && refusal.error === 'conflict' ? 409 : 403);
    expectExactJson(response.json, refusal);
  }
  expect(await directorySnapshot(h, seed.tenant_id)).toEqual(before);
}

describe('Owner protection', () => {
  it('refuses an Admin every change of an Owner and every grant or revocation of the Owner role', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const { owner, admin, agent } = await roles(seed);
    const adminMember = await memberAs(h, seed, 'Ada Admin', 'Admin');
    const agentMember = await createdUser(h, seed.access_token, { role_ids: [agent] });
    const secondOwner = await createdUser(h, seed.access_token, { role_ids: [owner, agent] });
    const token = adminMember.token;
    await expectRefusedWithoutChange(seed, OWNER_ONLY, [
      () => postUser(h, token, newUserBody({ role_ids: [owner] })),
      () => syncRoles(h, token, agentMember.id, [agent, owner]),
      () => putUser(h, token, agentMember.id, { role_ids: [owner], title: 'Boss' }),
      () => syncRoles(h, token, secondOwner.id, [agent]),
      () => syncRoles(h, token, secondOwner.id, [owner, agent]),
      () => putUser(h, token, secondOwner.id, { title: 'Renamed' }),
      () => putUser(h, token, secondOwner.id, {}),
      () => putUser(h, token, secondOwner.id, { is_active: false }),
      () => putUser(h, token, secondOwner.id, { password: 'takeover!', password_confirmation: 'takeover!' }),
      () => putUser(h, token, seed.user_id, { email: `taken.over.${Date.now()}@owner.test` }),
      () => deleteUser(h, token, secondOwner.id),
      () => deleteUser(h, token, seed.user_id),
    ]);
    // Everything else stays open to an Admin.
    expect((await syncRoles(h, token, agentMember.id, [admin])).status).toBe(200);
    expect((await putUser(h, token, agentMember.id, { is_active: false, title: 'Lead' })).status).toBe(200);
    expect((await postUser(h, token, newUserBody({ role_ids: [admin] }))).status).toBe(201);
    expect((await deleteUser(h, token, agentMember.id)).status).toBe(200);
  });

  it('refuses an application token (never an Owner) the same way', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const { owner, agent } = await roles(seed);
    const token = await applicationToken(h, seed);
    const member = await createdUser(h, seed.access_token, { role_ids: [agent] });
    await expectRefusedWithoutChange(seed, OWNER_ONLY, [
      () => postUser(h, token, newUserBody({ role_ids: [owner] })),
      () => syncRoles(h, token, member.id, [owner]),
      () => putUser(h, token, seed.user_id, { name: 'Hijacked' }),
      () => deleteUser(h, token, seed.user_id),
    ]);
    expect((await putUser(h, token, member.id, { name: 'Fine' })).status).toBe(200);
  });

  it('lets an Owner grant and revoke the Owner role and change other Owners', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const { owner, agent } = await roles(seed);
    const created = await postUser(h, seed.access_token, newUserBody({ role_ids: [owner] }));
    expect(created.status, created.body).toBe(201);
    expect(created.json.data.roles).toEqual([{ id: owner, name: 'Owner' }]);
    const member = await createdUser(h, seed.access_token, { role_ids: [agent] });
    expect((await syncRoles(h, seed.access_token, member.id, [owner])).status).toBe(200);
    const promoted = await h.token(member.id);
    // The new Owner can at once change the first Owner, with its same token.
    expect((await putUser(h, promoted, seed.user_id, { title: 'Founder' })).status).toBe(200);
    expect((await syncRoles(h, seed.access_token, created.json.data.id, [agent])).status).toBe(200);
    expect(await roleNames(h, seed.tenant_id, created.json.data.id)).toEqual(['Agent']);
    expect((await deleteUser(h, seed.access_token, member.id)).status).toBe(200);
  });

  it('runs after 404 and 422, and before the last-Owner rule', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const other = await h.seedTenant({ conversations: 0 });
    const { owner } = await roles(seed);
    const adminMember = await memberAs(h, seed, 'Ada Admin', 'Admin');
    expectValidationError(await putUser(h, adminMember.token, seed.user_id, { name: null }), { name: ['The name field is required.'] });
    expectValidationError(await syncRoles(h, adminMember.token, seed.user_id, 'Owner'), { role_ids: ['The role ids field must be an array.'] });
    expectValidationError(await postUser(h, adminMember.token, newUserBody({ role_ids: [owner], email: 'bad' })), {
      email: ['The email field must be a valid email address.'],
    });
    expectExactJson((await deleteUser(h, adminMember.token, other.user_id)).json, USER_NOT_FOUND);
    // And Owner protection comes before the last-Owner rule: the sole Owner, touched by an Admin, answers 403, not 409.
    await expectRefusedWithoutChange(seed, OWNER_ONLY, [
      () => deleteUser(h, adminMember.token, seed.user_id),
      () => syncRoles(h, adminMember.token, seed.user_id, []),
      () => putUser(h, adminMember.token, seed.user_id, { is_active: false }),
    ]);
  });
});

describe('at least one active Owner', () => {
  it('refuses to take the Owner role from, deactivate or delete the last active Owner, changing nothing', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const { admin, agent } = await roles(seed);
    // Suspended and removed Owners do not count, nor does an Admin.
    const suspendedOwner = await createUser(h, 'Suspended Owner');
    await addMembership(h, seed.tenant_id, suspendedOwner, ['Owner'], { isActive: false });
    const removedOwner = await createdUser(h, seed.access_token, { role_ids: [agent] });
    expect((await deleteUser(h, seed.access_token, removedOwner.id)).status).toBe(200);
    await memberAs(h, seed, 'Ada Admin', 'Admin');
    const me = seed.user_id;
    await expectRefusedWithoutChange(seed, KEEP_AN_OWNER, [
      () => syncRoles(h, seed.access_token, me, [admin]),
      () => syncRoles(h, seed.access_token, me, []),
      () => putUser(h, seed.access_token, me, { role_ids: [agent], title: 'Not stored' }),
      () => putUser(h, seed.access_token, me, { is_active: false }),
      () => putUser(h, seed.access_token, me, { is_active: '0', name: 'Not stored' }),
      () => deleteUser(h, seed.access_token, me),
    ]);
    // Keeping the role is fine, and so is a suspended Owner losing it.
    expect((await syncRoles(h, seed.access_token, me, [admin, (await roles(seed)).owner])).status).toBe(200);
    expect((await syncRoles(h, seed.access_token, suspendedOwner, [])).status).toBe(200);
  });

  it('lets one of two Owners step down, then keeps the other', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const { owner, admin } = await roles(seed);
    const second = await createdUser(h, seed.access_token, { role_ids: [owner] });
    const secondToken = await h.token(second.id);
    expect((await putUser(h, seed.access_token, seed.user_id, { role_ids: [admin] })).status).toBe(200);
    // The first is no Owner any more: Owner protection now refuses it.
    await expectRefusedWithoutChange(seed, OWNER_ONLY, [() => putUser(h, seed.access_token, second.id, { is_active: false })]);
    await expectRefusedWithoutChange(seed, KEEP_AN_OWNER, [
      () => putUser(h, secondToken, second.id, { is_active: false }),
      () => deleteUser(h, secondToken, second.id),
    ]);
    expect((await syncRoles(h, secondToken, seed.user_id, [owner])).status).toBe(200);
    expect((await deleteUser(h, secondToken, second.id)).status).toBe(200);
    expect(await roleNames(h, seed.tenant_id, seed.user_id)).toEqual(['Owner']);
  });

  it('stays true when two Owners step down, leave or demote each other at the same time', async () => {
    const seed = await h.seedTenant({ conversations: 0 });
    const { owner, agent } = await roles(seed);
    const activeOwners = async () =>
      (
        await sql(
          h,
          `SELECT m.user_id FROM memberships m JOIN membership_roles mr ON mr.tenant_id = m.tenant_id AND mr.user_id = m.user_id
                      WHERE m.tenant_id = $1 AND m.deleted_at IS NULL AND m.is_active AND mr.role_id = $2`,
          [seed.tenant_id, owner],
        )
      ).map((row) => Number(row.user_id));
    const second = await createdUser(h, seed.access_token, { role_ids: [owner] });
    const secondToken = await h.token(second.id);
    const tokens = new Map([
      [seed.user_id, seed.access_token],
      [second.id, secondToken],
    ]);

    // Each counts the other as an Owner unless the changes are serialised: without the lock both would pass.
    const stepDowns = await Promise.all([syncRoles(h, seed.access_token, seed.user_id, [agent]), syncRoles(h, secondToken, second.id, [agent])]);
    expect(stepDowns.map((response) => response.status).sort()).toEqual([200, 409]);
    expectExactJson(stepDowns.find((response) => response.status === 409)!.json, KEEP_AN_OWNER);
    const [kept] = await activeOwners();
    expect(await activeOwners()).toHaveLength(1);

    // Bring a second Owner back, then both leave at once: one delete, one deactivation.
    const third = await createdUser(h, tokens.get(kept!)!, { role_ids: [owner] });
    const thirdToken = await h.token(third.id);
    const leaving = await Promise.all([deleteUser(h, thirdToken, third.id), putUser(h, tokens.get(kept!)!, kept!, { is_active: false })]);
    expect(leaving.map((response) => response.status).sort()).toEqual([200, 409]);
    const [survivor] = await activeOwners();
    expect(await activeOwners()).toHaveLength(1);

    // Mutual demotion: the one served second is no Owner any more by then (403).
    const fourth = await createdUser(h, survivor === third.id ? thirdToken : tokens.get(survivor!)!, { role_ids: [owner] });
    const survivorToken = survivor === third.id ? thirdToken : tokens.get(survivor!)!;
    const fourthToken = await h.token(fourth.id);
    const mutual = await Promise.all([syncRoles(h, survivorToken, fourth.id, [agent]), syncRoles(h, fourthToken, survivor!, [agent])]);
    expect(mutual.map((response) => response.status).sort()).toEqual([200, 403]);
    expect(await activeOwners()).toHaveLength(1);
  });
});
