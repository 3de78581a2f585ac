/** The permission catalogue with its fixed ids (docs/request-checks.md#permissions-and-system-roles); migrations create the same rows. */
export const PERMISSIONS = [
  'conversations.view',
  'conversations.reply',
  'conversations.manage_agent',
  'customers.view',
  'customers.manage',
  'users.view',
  'users.manage',
  'roles.view',
  'blacklist.view',
  'blacklist.manage',
  'channels.view',
  'channels.manage',
  'applications.manage',
  'knowledge.view',
  'knowledge.manage',
  'webhooks.manage',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export function permissionById(id: number): Permission | undefined {
  return PERMISSIONS[id - 1];
}

export const SYSTEM_ROLES = ['Owner', 'Admin', 'Agent', 'Viewer'] as const;
export type SystemRole = (typeof SYSTEM_ROLES)[number];

/**
 * The permissions each system role holds (docs/request-checks.md#owner-protection). Migration 0001 seeds the same table
 * (system_role_permissions); a test keeps the two equal.
 */
export const SYSTEM_ROLE_PERMISSIONS: Record<SystemRole, readonly Permission[]> = {
  Owner: PERMISSIONS,
  Admin: PERMISSIONS.filter((permission) => permission !== 'applications.manage'),
  Agent: [
    'conversations.view',
    'conversations.reply',
    'conversations.manage_agent',
    'customers.view',
    'customers.manage',
    'users.view',
    'roles.view',
    'blacklist.view',
    'blacklist.manage',
    'channels.view',
    'knowledge.view',
  ],
  Viewer: ['conversations.view', 'customers.view', 'users.view', 'roles.view', 'blacklist.view', 'channels.view', 'knowledge.view'],
};

/** The system roles that hold a permission; every role for 'member' routes, none for 'none'. */
export function systemRolesWith(permission: Permission | 'member' | 'none'): SystemRole[] {
  if (permission === 'none') return [];
  if (permission === 'member') return [...SYSTEM_ROLES];
  return SYSTEM_ROLES.filter((role) => SYSTEM_ROLE_PERMISSIONS[role].includes(permission));
}
