import { parsePathId } from '../../http/api-pipeline.js';
import type { RequestContext } from '../../http/define-route.js';
import type { AppDeps } from '../../app-deps.js';
import { requireCustomer, type CustomerRecord } from './customer.repository.js';

/** The `load` step of every /customers/{id} route: a live customer of the tenant, or 404 "Customer not found.". */
export async function loadCustomer(request: { deps: AppDeps; context: RequestContext; params: Record<string, string> }): Promise<CustomerRecord> {
  return requireCustomer(request.deps.db, request.context.tenantId!, parsePathId(request.params.id));
}
