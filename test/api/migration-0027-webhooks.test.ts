/**
 * Migration 0027 on a database an older release left (docs/tenancy-and-data.md, docs/request-checks.md): a tenant
 * created at 0026 has its Owner and Admin roles given `webhooks.manage` (16) by the migration, its Agent, Viewer and
 * custom roles are left as they were, and its roles end up with exactly what a tenant created afterwards gets.
 */
import { describe, expect, it } from 'vitest';
import { openEmptyTestDatabase } from '../support/test-database.js';
import { migrate } from '../../src/platform/db/migrate.js';
import { createTenant } from '../../src/modules/tenants/tenant.service.js';
import { SYSTEM_ROLE_PERMISSIONS, SYSTEM_ROLES } from '../../src/modules/roles/permissions.js';
import type { Db } from '../../src/platform/db/db.js';

/** Each role of the tenant, by name, with its permission names in id order. */
async function rolePermissions(db: Db, tenantId: number): Promise<Record<string, string[]>> {
  const result = await db.query<{ name: string; permissions: string[] }>(
    `SELECT r.name, coalesce(array_agg(p.name ORDER BY p.id) FILTER (WHERE p.id IS NOT NULL), '{}') AS permissions
       FROM roles r
       LEFT JOIN role_permissions rp ON rp.tenant_id = r.tenant_id AND rp.role_id = r.id
       LEFT JOIN permissions p ON p.id = rp.permission_id
      WHERE r.tenant_id = $1 GROUP BY r.id, r.name ORDER BY r.id`,
    [tenantId],
  );
  return Object.fromEntries(result.rows.map((row) => [row.name, row.permissions]));
}

async function tenantWithCustomRole(db: Db, name: string): Promise<number> {
  return db.transaction(async (tx) => {
    const { tenantId } = await createTenant(tx, name, new Date());
    const role = await tx.query<{ id: number }>(
      'INSERT INTO roles (tenant_id, name, is_system, created_at, updated_at) VALUES ($1, $2, false, now(), now()) RETURNING id',
      [tenantId, 'Integrations'],
    );
    await tx.query('INSERT INTO role_permissions (tenant_id, role_id, permission_id) SELECT $1, $2, id FROM permissions WHERE name = ANY($3::text[])', [
      tenantId,
      role.rows[0]!.id,
      ['conversations.view', 'channels.manage'],
    ]);
    return tenantId;
  });
}

describe('migration 0027 (webhooks)', () => {
  it("gives an existing tenant's Owner and Admin webhooks.manage, and nothing to its other roles", async () => {
    const { db, drop } = await openEmptyTestDatabase();
    try {
      const applied = await migrate(db, () => undefined, { through: '0026' });
      expect(applied.at(-1)).toMatch(/^0026_/);
      const existing = await tenantWithCustomRole(db, 'Before webhooks');
      const before = await rolePermissions(db, existing);
      expect(before.Owner).not.toContain('webhooks.manage');

      const rest = await migrate(db);
      expect(rest[0]).toMatch(/^0027_webhooks/);
      const after = await rolePermissions(db, existing);
      expect(after).toEqual({
        Owner: [...before.Owner!, 'webhooks.manage'],
        Admin: [...before.Admin!, 'webhooks.manage'],
        Agent: before.Agent,
        Viewer: before.Viewer,
        Integrations: ['conversations.view', 'channels.manage'],
      });
      // What the catalogue and the documented counts say (Owner 16, Admin 15, Agent 11, Viewer 7).
      for (const role of SYSTEM_ROLES) expect(new Set(after[role])).toEqual(new Set(SYSTEM_ROLE_PERMISSIONS[role]));
      expect(SYSTEM_ROLES.map((role) => after[role]!.length)).toEqual([16, 15, 11, 7]);
      // A tenant created after the migration gets the same.
      const later = await rolePermissions(db, await tenantWithCustomRole(db, 'After webhooks'));
      expect(later).toEqual(after);
    } finally {
      await drop();
    }
  });
});
