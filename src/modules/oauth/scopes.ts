/** The scope catalogue in its fixed order (oauth.md §10); tokens list granted scopes in this order. */
export const SCOPES = [
  'conversations:read',
  'conversations:write',
  'customers:read',
  'customers:write',
  'users:read',
  'users:write',
  'blacklist:write',
  'channels:write',
  'account:read',
] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

export function orderScopes(scopes: Iterable<Scope>): Scope[] {
  const wanted = new Set(scopes);
  return SCOPES.filter((scope) => wanted.has(scope));
}
