import type { Queryable } from '../../platform/db/db.js';
import type { TenantSettings } from './tenant-settings.js';

/** SQL of the tenants table and of the system roles every new tenant gets. */

export async function insertTenant(tx: Queryable, name: string, now: Date): Promise<number> {
  const tenant = await tx.query<{ id: number }>('INSERT INTO tenants (name, created_at, updated_at) VALUES ($1, $2, $2) RETURNING id', [name, now]);
  return tenant.rows[0]!.id;
}

export async function insertSystemRole(tx: Queryable, tenantId: number, name: string, now: Date): Promise<number> {
  const inserted = await tx.query<{ id: number }>(
    'INSERT INTO roles (tenant_id, name, is_system, created_at, updated_at) VALUES ($1, $2, true, $3, $3) RETURNING id',
    [tenantId, name, now],
  );
  return inserted.rows[0]!.id;
}

/** Gives the tenant's system roles the permissions of the catalogue's system_role_permissions. */
export async function grantSystemRolePermissions(tx: Queryable, tenantId: number): Promise<void> {
  await tx.query(
    `INSERT INTO role_permissions (tenant_id, role_id, permission_id)
     SELECT r.tenant_id, r.id, s.permission_id FROM roles r JOIN system_role_permissions s ON s.role_name = r.name
      WHERE r.tenant_id = $1 AND r.is_system`,
    [tenantId],
  );
}

/** The settings as stored (possibly partial); tenant-settings.ts merges them over the defaults. */
export async function findStoredSettings(db: Queryable, tenantId: number): Promise<Partial<TenantSettings>> {
  const result = await db.query<{ settings: Partial<TenantSettings> }>('SELECT settings FROM tenants WHERE id = $1', [tenantId]);
  return result.rows[0]?.settings ?? {};
}

export async function anyTenantExists(db: Queryable): Promise<boolean> {
  const tenants = await db.query<{ exists: boolean }>('SELECT EXISTS (SELECT 1 FROM tenants) AS exists');
  return tenants.rows[0]?.exists ?? false;
}

export async function renameTenant(tx: Queryable, tenantId: number, name: string): Promise<void> {
  await tx.query('UPDATE tenants SET name = $2 WHERE id = $1', [tenantId, name]);
}

/**
 * Deep-merges validated settings into the stored object in one statement (docs/tenancy-and-data.md#tenant-settings):
 * each group is merged key by key, so concurrent updates of different keys both stick.
 */
export async function mergeStoredSettings(db: Queryable, tenantId: number, changes: { agent?: object; flood?: object }): Promise<void> {
  await db.query(
    `UPDATE tenants SET settings = settings
        || jsonb_build_object('agent', coalesce(settings->'agent', '{}'::jsonb) || $2::jsonb)
        || jsonb_build_object('flood', coalesce(settings->'flood', '{}'::jsonb) || $3::jsonb)
      WHERE id = $1`,
    [tenantId, JSON.stringify(changes.agent ?? {}), JSON.stringify(changes.flood ?? {})],
  );
}

/** Whether PostgreSQL knows this text-search configuration (`english`, `simple`, …). */
export async function textSearchConfigExists(db: Queryable, name: string): Promise<boolean> {
  const result = await db.query<{ exists: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = $1) AS exists', [name]);
  return result.rows[0]?.exists ?? false;
}
