/** Helpers for the user, role and account tests (docs/domain-rules.md#users-and-roles). */
import { expect } from 'vitest';
import type { Harness, TestResponse } from './harness.js';
import { expectPaginatorShape } from './assertions.js';
import { sql } from './factories.js';

export const USER_KEYS = [
  'id',
  'name',
  'email',
  'title',
  'phone',
  'emergency_contact_name',
  'emergency_contact_surname',
  'emergency_contact_phone_number',
  'blood_group',
  'language',
  'avatar_url',
  'is_active',
  'bio',
  'last_login_at',
  'last_login_ip',
  'created_at',
  'updated_at',
  'deleted_at',
  'roles',
];
export const ROLE_KEYS = ['id', 'tenant_id', 'name', 'is_system', 'created_at', 'updated_at', 'permissions_count', 'permissions'];
export const OWNER_ONLY = { error: 'forbidden', message: 'Only an Owner can change an Owner or the Owner role.' };
export const KEEP_AN_OWNER = { error: 'conflict', message: 'The tenant must keep at least one active Owner.' };
export const USER_NOT_FOUND = { error: 'not_found', message: 'User not found.' };
export const ROLE_NOT_FOUND = { error: 'not_found', message: 'Role not found.' };
export const FORBIDDEN = { error: 'forbidden', message: 'You do not have permission to perform this action.' };

let emailCounter = 0;

/** An email no account uses yet. */
export function freshEmail(prefix = 'member'): string {
  emailCounter += 1;
  return `${prefix}.${Date.now()}.${process.pid}.${emailCounter}@users.test`;
}

/** A valid POST /users body; `overrides` replace or add fields. */
export function newUserBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'Deniz Kaya', email: freshEmail(), password: 'correct horse', password_confirmation: 'correct horse', ...overrides };
}

export function postUser(h: Harness, token: string, body: unknown): Promise<TestResponse> {
  return h.request({ method: 'POST', url: '/api/v1/users', token, body });
}

export function putUser(h: Harness, token: string, id: number, body: unknown): Promise<TestResponse> {
  return h.request({ method: 'PUT', url: `/api/v1/users/${id}`, token, body });
}

export function syncRoles(h: Harness, token: string, id: number, roleIds: unknown): Promise<TestResponse> {
  return h.request({ method: 'PUT', url: `/api/v1/users/${id}/roles`, token, body: { role_ids: roleIds } });
}

export function deleteUser(h: Harness, token: string, id: number): Promise<TestResponse> {
  return h.request({ method: 'DELETE', url: `/api/v1/users/${id}`, token });
}

/** Creates a member through the API and returns its UserResource (asserts 201). */
export async function createdUser(h: Harness, token: string, overrides: Record<string, unknown> = {}): Promise<any> {
  const response = await postUser(h, token, newUserBody(overrides));
  expect(response.status, response.body).toBe(201);
  return response.json.data;
}

/** Everything a refused user change must leave as it was: accounts, memberships and roles of the tenant. */
export async function directorySnapshot(h: Harness, tenantId: number): Promise<unknown> {
  return {
    users: await sql(
      h,
      `SELECT u.id, u.name, u.email, u.password_hash, u.title, u.language, u.updated_at FROM users u
        WHERE u.id IN (SELECT user_id FROM memberships WHERE tenant_id = $1) ORDER BY u.id`,
      [tenantId],
    ),
    memberships: await sql(h, 'SELECT user_id, is_active, deleted_at, updated_at FROM memberships WHERE tenant_id = $1 ORDER BY id', [tenantId]),
    roles: await sql(h, 'SELECT user_id, role_id FROM membership_roles WHERE tenant_id = $1 ORDER BY user_id, role_id', [tenantId]),
    accounts: await sql(h, 'SELECT count(*)::int AS n FROM users'),
  };
}

/** The role names a member holds in the tenant, by role id. */
export async function roleNames(h: Harness, tenantId: number, userId: number): Promise<string[]> {
  const rows = await sql<{ name: string }>(
    h,
    `SELECT r.name FROM membership_roles mr JOIN roles r ON r.tenant_id = mr.tenant_id AND r.id = mr.role_id
      WHERE mr.tenant_id = $1 AND mr.user_id = $2 ORDER BY r.id`,
    [tenantId, userId],
  );
  return rows.map((row) => row.name);
}

/** GET /api/v1/users (+ query); asserts 200 and the paginator shape. */
export async function listUsers(h: Harness, token: string, query = ''): Promise<any> {
  const response = await h.request({ url: `/api/v1/users${query}`, token });
  expect(response.status, response.body).toBe(200);
  expectPaginatorShape(response.json);
  return response.json;
}

/** The ids GET /api/v1/users lists (+ query), in order. */
export async function listedIds(h: Harness, token: string, query = ''): Promise<number[]> {
  return (await listUsers(h, token, query)).data.map((user: any) => user.id);
}
