import { parsePathId } from '../../http/api-pipeline.js';
import type { RequestContext } from '../../http/define-route.js';
import type { AppDeps } from '../../app-deps.js';
import { requireMember, type UserView } from './user.finder.js';

/** The `load` step of every /users/{id}… route: a live member of the tenant, or 404 "User not found.". */
export function loadMember(request: { deps: AppDeps; context: RequestContext; params: Record<string, string> }): Promise<UserView> {
  return requireMember(request.deps.db, request.context.tenantId!, parsePathId(request.params.id));
}
