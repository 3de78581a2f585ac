import { parsePathId } from '../../http/api-pipeline.js';
import type { RequestContext } from '../../http/define-route.js';
import type { AppDeps } from '../../app-deps.js';
import { requireEntry, type BlacklistRecord } from './blacklist.repository.js';

/** The `load` step of /channel-blacklists/{id}: a live entry of the tenant, or 404 "Blacklist entry not found.". */
export async function loadBlacklistEntry(request: {
  deps: AppDeps;
  context: RequestContext;
  params: Record<string, string>;
}): Promise<BlacklistRecord> {
  return requireEntry(request.deps.db, request.context.tenantId!, parsePathId(request.params.id));
}
