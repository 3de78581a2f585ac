import type { AnyRoute } from './define-route.js';
import { SCOPES } from '../modules/oauth/scopes.js';
import { systemRolesWith } from '../modules/roles/permissions.js';

/** The scope text of a route as the docs show it: alternatives joined by "or". */
export function scopeText(route: AnyRoute): string {
  if (route.scopes === 'full-access') return `full access (${SCOPES.join(', ')})`;
  return route.scopes.join(' or ') || 'none (signed link)';
}

export function rolesText(route: AnyRoute): string {
  if (route.permission === 'none') return 'any authenticated caller';
  return systemRolesWith(route.permission).join(', ') || 'no system role';
}

/**
 * The route → permission → system roles matrix (docs/request-checks.md#the-permission-matrix, docs/request-checks.md#owner-protection), built from the route
 * registry itself so the API docs cannot drift from what the pipeline enforces.
 */
export function permissionMatrixMarkdown(routes: readonly AnyRoute[]): string {
  const lines = [
    '| method | path | permission | scope | system roles allowed |',
    '|---|---|---|---|---|',
    ...routes.map((route) => `| ${route.method} | \`${route.url}\` | \`${route.permission}\` | ${scopeText(route)} | ${rolesText(route)} |`),
  ];
  return [
    '## Permissions',
    'Every route declares one permission: a member needs it in the current tenant (403 `forbidden` otherwise), and the',
    "token needs one of the route's scopes (403 `insufficient_scope`). `member`: any active member of the tenant;",
    '`none`: not tenant-scoped. Roles are read fresh on every request, so a role change applies to the next one.',
    '',
    ...lines,
  ].join('\n');
}
