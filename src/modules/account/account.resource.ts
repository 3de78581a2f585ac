import { arrayOf, integer, nullable, object, string } from '../../http/openapi-schemas.js';
import type { AccountTenantRow } from '../tenants/tenant.finder.js';

export const accountTenantSchema = object({ id: integer, name: string, logo_url: nullable(string), roles: arrayOf(string) });

/** One tenant in GET /account/tenants: role names by role id; an application token has none. */
export function accountTenantResource(row: AccountTenantRow) {
  return { id: row.id, name: row.name, logo_url: row.logo_url, roles: row.roles ?? [] };
}

/** GET /account/roles: the caller's role names and the permissions they grant, both as plain strings. */
export const accountRolesSchema = object({ roles: arrayOf(string), permissions: arrayOf(string) });
