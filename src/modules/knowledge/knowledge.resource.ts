import { formatTimestamp } from '../../platform/clock.js';
import { boolean, integer, object, string, timestamp } from '../../http/openapi-schemas.js';
import type { ArticleRow } from './knowledge.repository.js';

export const articleSchema = object({
  id: integer,
  title: string,
  body: string,
  is_published: boolean,
  created_at: timestamp,
  updated_at: timestamp,
});

/** KnowledgeArticleResource (docs/agent.md#knowledge-articles), keys in the contract's order. */
export function articleResource(row: ArticleRow) {
  return {
    id: Number(row.id),
    title: row.title,
    body: row.body,
    is_published: row.is_published,
    created_at: formatTimestamp(row.created_at),
    updated_at: formatTimestamp(row.updated_at),
  };
}
