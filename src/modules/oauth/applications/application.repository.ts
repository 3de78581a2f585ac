import crypto from 'node:crypto';
import type { AppDeps } from '../../../app-deps.js';
import type { Queryable } from '../../../platform/db/db.js';
import { notFound } from '../../../platform/errors.js';
import { randomString } from '../../../platform/crypto.js';
import { hashClientSecret } from '../server/clients.js';
import { isScope, orderScopes, type Scope } from '../scopes.js';

export interface ApplicationRecord {
  id: number;
  client_id: string;
  name: string;
  redirect_uris: string[];
  confidential: boolean;
  scopes: Scope[];
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, client_id::text AS client_id, name, redirect_uris, confidential, scopes, created_at, updated_at';

function toRecord(row: ApplicationRecord): ApplicationRecord {
  return { ...row, id: Number(row.id), scopes: orderScopes((row.scopes as string[]).filter(isScope)) };
}

/** docs/oauth.md#applications: 40 random letters and digits. */
export function newClientSecret(): string {
  return randomString(40);
}

export async function findApplication(db: Queryable, tenantId: number, id: number | null): Promise<ApplicationRecord> {
  const result =
    id === null
      ? { rows: [] }
      : await db.query<ApplicationRecord>(`SELECT ${COLUMNS} FROM oauth_clients WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`, [tenantId, id]);
  const row = result.rows[0];
  if (!row) throw notFound('Application not found.');
  return toRecord(row);
}

export async function listApplications(db: Queryable, tenantId: number, limit: number, offset: number): Promise<{ rows: ApplicationRecord[]; total: number }> {
  const [rows, count] = await Promise.all([
    db.query<ApplicationRecord>(`SELECT ${COLUMNS} FROM oauth_clients WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY id DESC LIMIT $2 OFFSET $3`, [
      tenantId,
      limit,
      offset,
    ]),
    db.query<{ total: string }>('SELECT count(*) AS total FROM oauth_clients WHERE tenant_id = $1 AND deleted_at IS NULL', [tenantId]),
  ]);
  return { rows: rows.rows.map(toRecord), total: Number(count.rows[0]!.total) };
}

/** The applications of several tenants at once (the Applications page), newest first within each tenant. */
export async function listApplicationsOfTenants(db: Queryable, tenantIds: number[]): Promise<Array<ApplicationRecord & { tenant_id: number }>> {
  if (tenantIds.length === 0) return [];
  const result = await db.query<ApplicationRecord & { tenant_id: number }>(
    `SELECT tenant_id, ${COLUMNS} FROM oauth_clients WHERE tenant_id = ANY($1::bigint[]) AND deleted_at IS NULL ORDER BY tenant_id, id DESC LIMIT 1000`,
    [tenantIds],
  );
  return result.rows.map((row) => ({ ...toRecord(row), tenant_id: Number(row.tenant_id) }));
}

export async function insertApplication(
  db: Queryable,
  tenantId: number,
  input: { name: string; redirectUris: string[]; confidential: boolean; scopes: readonly Scope[]; secret: string | null; userId: number | null },
  now: Date,
): Promise<ApplicationRecord> {
  const result = await db.query<ApplicationRecord>(
    `INSERT INTO oauth_clients (tenant_id, client_id, name, secret_hash, redirect_uris, confidential, scopes, allows_client_credentials,
                                created_by_user_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $8, $9, $9) RETURNING ${COLUMNS}`,
    [
      tenantId,
      crypto.randomUUID(),
      input.name,
      input.secret ? hashClientSecret(input.secret) : null,
      JSON.stringify(input.redirectUris),
      input.confidential,
      JSON.stringify(orderScopes(input.scopes)),
      input.userId,
      now,
    ],
  );
  return toRecord(result.rows[0]!);
}

export async function updateApplication(
  db: Queryable,
  application: ApplicationRecord,
  tenantId: number,
  changes: { name?: string; redirectUris?: string[]; scopes?: readonly Scope[]; secret?: string },
  now: Date,
): Promise<ApplicationRecord> {
  const result = await db.query<ApplicationRecord>(
    `UPDATE oauth_clients SET name = $3, redirect_uris = $4, scopes = $5, secret_hash = COALESCE($6, secret_hash), updated_at = $7
      WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [
      tenantId,
      application.id,
      changes.name ?? application.name,
      JSON.stringify(changes.redirectUris ?? application.redirect_uris),
      JSON.stringify(orderScopes(changes.scopes ?? application.scopes)),
      changes.secret ? hashClientSecret(changes.secret) : null,
      now,
    ],
  );
  return toRecord(result.rows[0]!);
}

/** docs/oauth.md#applications: soft delete, and every code, access token and refresh token issued to it stops working. */
export async function deleteApplication(deps: AppDeps, tenantId: number, application: ApplicationRecord): Promise<void> {
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await tx.query('UPDATE oauth_clients SET deleted_at = $3, updated_at = $3 WHERE tenant_id = $1 AND id = $2', [tenantId, application.id, now]);
    await tx.query('UPDATE access_tokens SET revoked_at = $2 WHERE client_id = $1::uuid::text AND revoked_at IS NULL', [application.client_id, now]);
    await tx.query('UPDATE refresh_tokens SET revoked_at = $2 WHERE client_id = $1::uuid::text AND revoked_at IS NULL', [application.client_id, now]);
    await tx.query('UPDATE authorization_codes SET expires_at = $2 WHERE client_id = $1::uuid::text AND used_at IS NULL AND expires_at > $2', [
      application.client_id,
      now,
    ]);
  });
  deps.tokens.forgetRecords();
}

/** An application as the authorization server sees it, by client_id: secret hash included. */
export interface ClientRow {
  id: number;
  tenant_id: number;
  client_id: string;
  name: string;
  secret_hash: string | null;
  confidential: boolean;
  redirect_uris: string[];
  scopes: string[];
}

/** The live application with this client_id (a uuid). */
export async function findLiveClient(db: Queryable, clientId: string): Promise<ClientRow | null> {
  const result = await db.query<ClientRow>(
    `SELECT id, tenant_id, client_id::text AS client_id, name, secret_hash, confidential, redirect_uris, scopes
       FROM oauth_clients WHERE client_id = $1::uuid AND deleted_at IS NULL`,
    [clientId],
  );
  return result.rows[0] ?? null;
}
