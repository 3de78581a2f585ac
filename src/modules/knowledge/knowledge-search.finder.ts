import type { Queryable } from '../../platform/db/db.js';

/**
 * Retrieval over a tenant's published knowledge articles (docs/agent.md#the-embedded-responder), shared by the
 * embedded responder and the model's prompt: lexemes in the tenant's text-search configuration, candidates from the
 * GIN index of migration 0022, ranked by `ts_rank_cd` plus 0.3 × the title's trigram similarity to the text.
 */

export interface RankedArticle {
  id: number;
  title: string;
  body: string;
  score: number;
  /** How many of the query's lexemes the article's title + body vector contains. */
  matched: number;
}

/** The distinct lexemes of a text in a text-search configuration (stop words dropped, words stemmed), sorted. */
export async function textLexemes(db: Queryable, language: string, text: string): Promise<string[]> {
  const result = await db.query<{ lexemes: string[] }>('SELECT tsvector_to_array(to_tsvector($1::regconfig, $2)) AS lexemes', [language, text]);
  return result.rows[0]?.lexemes ?? [];
}

/** `'a' | 'b' | …` with each lexeme quoted as tsquery input wants it, so it is taken as is (no second stemming). */
export function anyLexemeQuery(lexemes: readonly string[]): string {
  return lexemes.map((lexeme) => `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`).join(' | ');
}

/**
 * Parameters: tenant, the any-lexeme tsquery, the text, the lexemes, the limit (bench/agent.ts explains it).
 *
 * score = ts_rank_cd + 0.3 × similarity, and similarity lies in [0, 1]; so an article whose rank is more than 0.3
 * below the limit-th best rank can never reach the top `limit`. The trigram similarity (which re-reads the text's
 * trigrams on every call) is therefore computed only for the articles within 0.3 of it; the order is exactly the
 * one of scoring every candidate. A common word can make most of the base candidates: this keeps such a question fast.
 */
export const RANK_ARTICLES_SQL = `WITH candidates AS MATERIALIZED (
         SELECT a.id, ts_rank_cd(a.search_vector, $2::tsquery) AS rank
           FROM knowledge_articles a
          WHERE a.tenant_id = $1 AND a.is_published AND a.deleted_at IS NULL AND a.search_vector @@ $2::tsquery),
       bar AS (SELECT min(rank) - 0.3 - 1e-6 AS lowest FROM (SELECT rank FROM candidates ORDER BY rank DESC LIMIT $5) AS top)
     SELECT a.id, a.title, a.body, c.rank + 0.3 * similarity(a.title, $3) AS score,
            length(a.search_vector) - length(ts_delete(a.search_vector, $4::text[])) AS matched
       FROM candidates c JOIN bar ON c.rank >= bar.lowest
       JOIN knowledge_articles a ON a.tenant_id = $1 AND a.id = c.id
      ORDER BY score DESC, a.id DESC
      LIMIT $5`;

/** The best published articles for the text, best first (ties: the newer article first). */
export async function rankArticles(
  db: Queryable,
  tenantId: number,
  query: { text: string; lexemes: readonly string[]; limit: number },
): Promise<RankedArticle[]> {
  if (query.lexemes.length === 0) return [];
  const result = await db.query<RankedArticle>(RANK_ARTICLES_SQL, [tenantId, anyLexemeQuery(query.lexemes), query.text, [...query.lexemes], query.limit]);
  return result.rows.map((row) => ({ ...row, id: Number(row.id), score: Number(row.score), matched: Number(row.matched) }));
}

/** For each sentence, whether its own vector (same configuration) contains one of the lexemes. */
export async function sentencesWithLexemes(db: Queryable, language: string, sentences: readonly string[], lexemes: readonly string[]): Promise<boolean[]> {
  if (sentences.length === 0) return [];
  const result = await db.query<{ hit: boolean }>(
    `SELECT length(v) > length(ts_delete(v, $3::text[])) AS hit
       FROM unnest($2::text[]) WITH ORDINALITY AS s (sentence, position), LATERAL to_tsvector($1::regconfig, s.sentence) AS v
      ORDER BY s.position`,
    [language, [...sentences], [...lexemes]],
  );
  return result.rows.map((row) => row.hit);
}
