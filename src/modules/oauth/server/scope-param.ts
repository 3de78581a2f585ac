import { isScope, orderScopes, type Scope } from '../scopes.js';
import { invalidScope } from './oauth-error.js';

/** A space-separated `scope` parameter (docs/request-checks.md#scopes): null when absent or empty; unknown scopes are refused. */
export function parseScopeParam(text: string | null): Scope[] | null {
  if (text === null || text.trim() === '') return null;
  const names = text.split(' ').filter((name) => name !== '');
  if (!names.every(isScope)) throw invalidScope();
  return orderScopes(names as Scope[]);
}

/** The requested scopes when all are allowed, else invalid_scope; absent → everything allowed. */
export function grantScopes(requested: Scope[] | null, allowed: readonly Scope[]): Scope[] {
  if (requested === null) return [...allowed];
  if (!requested.every((scope) => allowed.includes(scope))) throw invalidScope();
  return requested;
}
