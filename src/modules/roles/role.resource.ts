import { formatTimestamp } from '../../platform/clock.js';
import type { RoleView } from './role.repository.js';
import { arrayOf, boolean, integer, object, string, timestamp } from '../../http/openapi-schemas.js';

export const roleSchema = object({
  id: integer,
  tenant_id: integer,
  name: string,
  is_system: boolean,
  created_at: timestamp,
  updated_at: timestamp,
  permissions_count: integer,
  permissions: arrayOf(object({ id: integer, name: string })),
});

/** RoleResource (docs/responses.md#resources), key by key. */
export function roleResource(role: RoleView) {
  const permissions = role.permissions.map((permission) => ({ id: Number(permission.id), name: permission.name }));
  return {
    id: Number(role.id),
    tenant_id: Number(role.tenant_id),
    name: role.name,
    is_system: role.is_system,
    created_at: formatTimestamp(role.created_at),
    updated_at: formatTimestamp(role.updated_at),
    permissions_count: permissions.length,
    permissions,
  };
}
