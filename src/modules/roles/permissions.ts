/** The permission catalogue with its fixed ids (api-directory.md §2.1); migrations create the same rows. */
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
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export function permissionById(id: number): Permission | undefined {
  return PERMISSIONS[id - 1];
}

export const SYSTEM_ROLES = ['Owner', 'Admin', 'Agent', 'Viewer'] as const;
export type SystemRole = (typeof SYSTEM_ROLES)[number];
