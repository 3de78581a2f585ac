import type { Queryable } from '../../platform/db/db.js';
import { loadTenantSettings } from '../tenants/tenant-settings.js';
import { rankArticles, textLexemes, type RankedArticle } from './knowledge-search.finder.js';

export interface KnowledgeSearch {
  /** The tenant's `agent.knowledge_language`, the configuration the lexemes are in. */
  language: string;
  lexemes: string[];
  /** Best first; empty when the text has no lexeme or nothing matches. */
  articles: RankedArticle[];
}

/**
 * The tenant's published articles for a customer's text, ranked as the embedded responder ranks them
 * (docs/agent.md#the-embedded-responder, step 5): what a model's prompt takes its "up to 5 articles" from too.
 */
export async function searchKnowledge(db: Queryable, tenantId: number, text: string, limit: number): Promise<KnowledgeSearch> {
  const { knowledge_language: language } = (await loadTenantSettings(db, tenantId)).agent;
  const lexemes = await textLexemes(db, language, text);
  const articles = lexemes.length === 0 ? [] : await rankArticles(db, tenantId, { text, lexemes, limit });
  return { language, lexemes, articles };
}
