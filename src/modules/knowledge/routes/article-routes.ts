import { defineRoute } from '../../../http/define-route.js';
import { messageResult, messageResultResponse } from '../../../http/message-result.js';
import { envelopeSchema, paginatorSchema } from '../../../http/openapi-schemas.js';
import { rule } from '../../../http/validation.js';
import { listArticles } from '../knowledge.finder.js';
import { findArticle, softDeleteArticle } from '../knowledge.repository.js';
import { articleResource, articleSchema } from '../knowledge.resource.js';
import { changeArticle, createArticle } from '../knowledge.service.js';
import { articleFields } from './article-input.js';
import { loadArticle } from './load-article.js';

const TAGS = ['Knowledge articles'];
const DELETED = 'Knowledge article deleted successfully.';

export const listKnowledgeArticles = defineRoute({
  method: 'GET',
  url: '/api/v1/knowledge-articles',
  permission: 'knowledge.view',
  scopes: ['conversations:read', 'channels:write'],
  summary: 'List knowledge articles',
  description: 'Newest first (id descending). Deleted articles are never listed.',
  tags: TAGS,
  paginated: true,
  responseSchema: paginatorSchema(articleSchema),
  query: {
    search: rule.string().nullable().max(255).describe('Case-insensitive substring of the title or the body.'),
    is_published: rule.boolean().nullable().describe('true: only published articles; false: only drafts.'),
  },
  handler: async ({ deps, tenantId, query, page, paginate }) => {
    const { rows, total } = await listArticles(deps.db, tenantId, {
      search: query.search ?? null,
      isPublished: query.is_published ?? null,
      limit: page.perPage,
      offset: page.offset,
    });
    return paginate(rows.map(articleResource), total);
  },
});

export const createKnowledgeArticle = defineRoute({
  method: 'POST',
  url: '/api/v1/knowledge-articles',
  permission: 'knowledge.manage',
  scopes: ['channels:write'],
  summary: 'Create a knowledge article',
  description: "Indexed for the agent in the tenant's `agent.knowledge_language` in the same transaction.",
  tags: TAGS,
  successStatus: 201,
  responseSchema: envelopeSchema(articleSchema),
  body: articleFields(true),
  handler: async ({ deps, tenantId, body, reply }) => {
    const id = await createArticle(deps.db, tenantId, { title: body.title!, body: body.body!, isPublished: body.is_published ?? true }, deps.clock.now());
    reply.code(201);
    return { success: 'Knowledge article created successfully.', data: articleResource((await findArticle(deps.db, tenantId, id))!) };
  },
});

export const getKnowledgeArticle = defineRoute({
  method: 'GET',
  url: '/api/v1/knowledge-articles/:id',
  permission: 'knowledge.view',
  scopes: ['conversations:read', 'channels:write'],
  summary: 'Get a knowledge article',
  tags: TAGS,
  responseSchema: envelopeSchema(articleSchema),
  load: loadArticle,
  handler: async ({ loaded }) => ({ success: 'Knowledge article retrieved successfully.', data: articleResource(loaded) }),
});

export const updateKnowledgeArticle = defineRoute({
  method: 'PUT',
  url: '/api/v1/knowledge-articles/:id',
  permission: 'knowledge.manage',
  scopes: ['channels:write'],
  summary: 'Update a knowledge article',
  description: 'Absent fields keep their values; the article is indexed again in the same transaction.',
  tags: TAGS,
  responseSchema: envelopeSchema(articleSchema),
  load: loadArticle,
  body: articleFields(false),
  handler: async ({ deps, tenantId, loaded, body }) => {
    await changeArticle(
      deps.db,
      tenantId,
      loaded.id,
      { title: body.title ?? undefined, body: body.body ?? undefined, isPublished: body.is_published ?? undefined },
      deps.clock.now(),
    );
    const article = await findArticle(deps.db, tenantId, loaded.id);
    return { success: 'Knowledge article updated successfully.', data: articleResource(article ?? loaded) };
  },
});

export const deleteKnowledgeArticle = defineRoute({
  method: 'DELETE',
  url: '/api/v1/knowledge-articles/:id',
  permission: 'knowledge.manage',
  scopes: ['channels:write'],
  summary: 'Delete a knowledge article',
  description: 'Soft delete: the article then answers 404, leaves the list and is no longer used by the agent.',
  tags: TAGS,
  responseSchema: messageResultResponse,
  load: loadArticle,
  handler: async ({ deps, tenantId, loaded }) => {
    await softDeleteArticle(deps.db, tenantId, loaded.id, deps.clock.now());
    return messageResult(DELETED);
  },
});
