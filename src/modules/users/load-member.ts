import { parsePathId } from '../../http/path-id.js';
import type { PathRequest } from '../../http/define-route.js';
import { requireMember, type UserView } from './user.finder.js';

/** The `load` step of every /users/{id}… route: a live member of the tenant, or 404 "User not found.". */
export function loadMember(request: PathRequest): Promise<UserView> {
  return requireMember(request.deps.db, request.tenantId, parsePathId(request.params.id));
}
