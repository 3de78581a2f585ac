-- Issue #16: knowledge articles for the agent (docs/agent.md#knowledge-articles).
--
-- The table itself is 0004's. Articles gain `is_published` and a stored `search_vector`: the title (weight A) and
-- the body (weight B) in the text-search configuration named by `language`. The application writes `language`
-- from the tenant's `agent.knowledge_language` with every insert and update, and rewrites it on all the tenant's
-- articles when the setting changes; this row trigger recomputes the vector in the same statement, so the stored
-- vector can never disagree with the title, body and language beside it, whoever writes the row. The trigger reads
-- only its own row, so it stays valid on a table distributed by tenant_id.
ALTER TABLE knowledge_articles ADD COLUMN is_published boolean NOT NULL DEFAULT true;
ALTER TABLE knowledge_articles ADD COLUMN search_vector tsvector NOT NULL DEFAULT ''::tsvector;

CREATE FUNCTION knowledge_articles_index() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector := setweight(to_tsvector(NEW.language::regconfig, NEW.title), 'A')
                    || setweight(to_tsvector(NEW.language::regconfig, NEW.body), 'B');
  RETURN NEW;
END
$$;
CREATE TRIGGER knowledge_articles_index BEFORE INSERT OR UPDATE OF title, body, language ON knowledge_articles
  FOR EACH ROW EXECUTE FUNCTION knowledge_articles_index();

-- Rows written before this migration (none in a released database, but a development one may have some) take
-- their tenant's language, and the trigger indexes them.
UPDATE knowledge_articles a SET language = coalesce(t.settings -> 'agent' ->> 'knowledge_language', 'english')
  FROM tenants t WHERE t.id = a.tenant_id;

-- The embedded responder's candidates: published, live articles matching any of the query's lexemes.
CREATE INDEX knowledge_articles_search ON knowledge_articles USING gin (search_vector) WHERE is_published AND deleted_at IS NULL;
-- Trigram lookups on the title (ranking adds the title's similarity to the customer's text).
CREATE INDEX knowledge_articles_title_trgm ON knowledge_articles USING gin (lower(title) gin_trgm_ops) WHERE deleted_at IS NULL;
