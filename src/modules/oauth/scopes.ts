/** The scope catalogue in its fixed order (docs/request-checks.md#scopes); tokens list granted scopes in this order. */
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

/** Plain-words descriptions the consent page shows for each requested scope (docs/request-checks.md#scopes). */
export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  'conversations:read': "Read your conversations and messages, the AI agent's status, suggestions and runs, your channels and knowledge articles.",
  'conversations:write': 'Start conversations; send, edit and delete messages; mark conversations read; pause or resume the AI agent and send its suggestions.',
  'customers:read': "Read your customers' profiles.",
  'customers:write': 'Create, update and delete customers.',
  'users:read': 'See your team members, their roles and what each role allows.',
  'users:write': 'Add, update and remove team members and change their roles.',
  'blacklist:write': 'Block and unblock customers on your channels.',
  'channels:write': "Connect and configure channels (including their provider credentials), the AI agent's settings and knowledge articles.",
  'account:read': 'See which organisations you belong to and your roles there.',
};
