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

/** The best published articles for the text, best first (ties: the newer article first). */
export async function rankArticles(
  db: Queryable,
  tenantId: number,
  query: { text: string; lexemes: readonly string[]; limit: number },
): Promise<RankedArticle[]> {
  if (query.lexemes.length === 0) return [];
  const result = await db.query<RankedArticle>(
    `SELECT id, title, body, score, length(search_vector) - length(ts_delete(search_vector, $4::text[])) AS matched
       FROM (SELECT a.id, a.title, a.body, a.search_vector, ts_rank_cd(a.search_vector, $2::tsquery) + 0.3 * similarity(a.title, $3) AS score
               FROM knowledge_articles a
              WHERE a.tenant_id = $1 AND a.is_published AND a.deleted_at IS NULL AND a.search_vector @@ $2::tsquery
              ORDER BY score DESC, a.id DESC
              LIMIT $5) AS best
      ORDER BY score DESC, id DESC`,
    [tenantId, anyLexemeQuery(query.lexemes), query.text, [...query.lexemes], query.limit],
  );
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
