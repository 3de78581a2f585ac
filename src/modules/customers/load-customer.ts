import { parsePathId } from '../../http/path-id.js';
import type { PathRequest } from '../../http/define-route.js';
import { requireCustomer, type CustomerRecord } from './customer.repository.js';

/** The `load` step of every /customers/{id} route: a live customer of the tenant, or 404 "Customer not found.". */
export async function loadCustomer(request: PathRequest): Promise<CustomerRecord> {
  return requireCustomer(request.deps.db, request.tenantId, parsePathId(request.params.id));
}
