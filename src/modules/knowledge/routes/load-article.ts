import type { PathRequest } from '../../../http/define-route.js';
import { parsePathId } from '../../../http/path-id.js';
import { requireArticle, type ArticleRow } from '../knowledge.repository.js';

/** The `load` step of /knowledge-articles/{id}: a live article of the tenant, or 404 "Knowledge article not found.". */
export async function loadArticle(request: PathRequest): Promise<ArticleRow> {
  return requireArticle(request.deps.db, request.tenantId, parsePathId(request.params.id));
}
