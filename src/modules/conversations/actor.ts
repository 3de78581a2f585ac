import type { Principal } from '../oauth/access-tokens.js';

/** Who acts in a request, as messages and pauses record it (docs/domain-rules.md#principals-and-names). */
export interface Actor {
  userId: number | null;
  applicationId: number | null;
  name: string;
  source: 'user' | 'application';
}

export function actorOf(principal: Principal): Actor {
  return principal.kind === 'user'
    ? { userId: principal.userId, applicationId: null, name: principal.name, source: 'user' }
    : { userId: null, applicationId: principal.applicationId, name: principal.name, source: 'application' };
}
