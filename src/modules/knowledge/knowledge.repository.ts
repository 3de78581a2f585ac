import type { Queryable } from '../../platform/db/db.js';
import { notFound } from '../../platform/errors.js';
import { DEFAULT_TENANT_SETTINGS } from '../tenants/tenant-settings.js';

/** Writes and loads by key of knowledge articles (docs/agent.md#knowledge-articles). */

export const ARTICLE_NOT_FOUND = 'Knowledge article not found.';

export interface ArticleRow {
  id: number;
  title: string;
  body: string;
  is_published: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, title, body, is_published, created_at, updated_at';

/**
 * The tenant's `agent.knowledge_language`, read with a share lock on the tenant row: a settings update (which
 * re-indexes under the row's update lock) and an article write therefore never interleave, so no article is left
 * indexed in the previous language (docs/agent.md#knowledge-articles). Call inside the write's transaction.
 */
export async function lockKnowledgeLanguage(tx: Queryable, tenantId: number): Promise<string> {
  const result = await tx.query<{ language: string | null }>(
    `SELECT settings -> 'agent' ->> 'knowledge_language' AS language FROM tenants WHERE id = $1 FOR SHARE`,
    [tenantId],
  );
  return result.rows[0]?.language ?? DEFAULT_TENANT_SETTINGS.agent.knowledge_language;
}

export async function insertArticle(
  tx: Queryable,
  tenantId: number,
  article: { title: string; body: string; isPublished: boolean; language: string },
  now: Date,
): Promise<number> {
  const inserted = await tx.query<{ id: number }>(
    `INSERT INTO knowledge_articles (tenant_id, title, body, is_published, language, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
    [tenantId, article.title, article.body, article.isPublished, article.language, now],
  );
  return Number(inserted.rows[0]!.id);
}

/** Absent (undefined) fields keep their values; the language is written again so the vector is current. */
export async function updateArticle(
  tx: Queryable,
  tenantId: number,
  id: number,
  changes: { title?: string; body?: string; isPublished?: boolean; language: string },
  now: Date,
): Promise<void> {
  await tx.query(
    `UPDATE knowledge_articles
        SET title = coalesce($3, title), body = coalesce($4, body), is_published = coalesce($5, is_published), language = $6, updated_at = $7
      WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`,
    [tenantId, id, changes.title ?? null, changes.body ?? null, changes.isPublished ?? null, changes.language, now],
  );
}

export async function softDeleteArticle(db: Queryable, tenantId: number, id: number, now: Date): Promise<void> {
  await db.query('UPDATE knowledge_articles SET deleted_at = $3, updated_at = $3 WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL', [tenantId, id, now]);
}

export async function findArticle(db: Queryable, tenantId: number, id: number | null): Promise<ArticleRow | null> {
  if (id === null) return null;
  const result = await db.query<ArticleRow>(`SELECT ${COLUMNS} FROM knowledge_articles WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`, [
    tenantId,
    id,
  ]);
  return result.rows[0] ?? null;
}

export async function requireArticle(db: Queryable, tenantId: number, id: number | null): Promise<ArticleRow> {
  const article = await findArticle(db, tenantId, id);
  if (!article) throw notFound(ARTICLE_NOT_FOUND);
  return article;
}

/**
 * Re-indexes the tenant's articles in another text-search configuration (the trigger of migration 0022 rebuilds
 * each vector). Deleted articles are left as they are: they never come back.
 */
export async function reindexArticles(tx: Queryable, tenantId: number, language: string): Promise<void> {
  await tx.query('UPDATE knowledge_articles SET language = $2 WHERE tenant_id = $1 AND deleted_at IS NULL AND language <> $2', [tenantId, language]);
}
