import { formatTimestamp } from '../../platform/clock.js';
import type { RoleView } from './role.repository.js';

/** RoleResource (api-directory.md §5.1), key by key. */
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
