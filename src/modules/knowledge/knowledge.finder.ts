import type { Queryable } from '../../platform/db/db.js';
import { containsPattern } from '../../platform/db/like-pattern.js';
import type { ArticleRow } from './knowledge.repository.js';

/** Lists of knowledge articles (docs/agent.md#knowledge-articles). */
export async function listArticles(
  db: Queryable,
  tenantId: number,
  filter: { search: string | null; isPublished: boolean | null; limit: number; offset: number },
): Promise<{ rows: ArticleRow[]; total: number }> {
  const where = ['tenant_id = $1', 'deleted_at IS NULL'];
  const params: unknown[] = [tenantId];
  const add = (value: unknown) => `$${params.push(value)}`;
  if (filter.search !== null) {
    const pattern = `lower(${add(containsPattern(filter.search))})`;
    // The joined text has 0004's trigram index; the two branches keep a match from spanning title and body.
    where.push(`lower(title || ' ' || body) LIKE ${pattern} AND (lower(title) LIKE ${pattern} OR lower(body) LIKE ${pattern})`);
  }
  if (filter.isPublished !== null) where.push(`is_published = ${add(filter.isPublished)}`);
  const whereSql = where.join(' AND ');
  const countParams = [...params];
  const [rows, total] = await Promise.all([
    db.query<ArticleRow>(
      `SELECT id, title, body, is_published, created_at, updated_at FROM knowledge_articles WHERE ${whereSql}
        ORDER BY id DESC LIMIT ${add(filter.limit)} OFFSET ${add(filter.offset)}`,
      params,
    ),
    // A knowledge base has thousands of articles at most: counting them is cheap.
    db.query<{ total: number }>(`SELECT count(*)::bigint AS total FROM knowledge_articles WHERE ${whereSql}`, countParams),
  ]);
  return { rows: rows.rows, total: Number(total.rows[0]?.total ?? 0) };
}
