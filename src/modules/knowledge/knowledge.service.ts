import type { Queryable, Db } from '../../platform/db/db.js';
import { insertArticle, lockKnowledgeLanguage, updateArticle } from './knowledge.repository.js';

/** Article writes: each indexed in the tenant's current knowledge language, in the write's own transaction. */
export async function createArticle(db: Db, tenantId: number, article: { title: string; body: string; isPublished: boolean }, now: Date): Promise<number> {
  return db.transaction(async (tx: Queryable) => insertArticle(tx, tenantId, { ...article, language: await lockKnowledgeLanguage(tx, tenantId) }, now));
}

export async function changeArticle(
  db: Db,
  tenantId: number,
  id: number,
  changes: { title?: string; body?: string; isPublished?: boolean },
  now: Date,
): Promise<void> {
  await db.transaction(async (tx: Queryable) => updateArticle(tx, tenantId, id, { ...changes, language: await lockKnowledgeLanguage(tx, tenantId) }, now));
}
