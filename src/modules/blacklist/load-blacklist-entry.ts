import { parsePathId } from '../../http/path-id.js';
import type { PathRequest } from '../../http/define-route.js';
import { requireEntry, type BlacklistRecord } from './blacklist.repository.js';

/** The `load` step of /channel-blacklists/{id}: a live entry of the tenant, or 404 "Blacklist entry not found.". */
export async function loadBlacklistEntry(request: PathRequest): Promise<BlacklistRecord> {
  return requireEntry(request.deps.db, request.tenantId, parsePathId(request.params.id));
}
