/**
 * The conversation list pages from the inbox indexes (docs/domain-rules.md#conversations "Performance"): page ids come from
 * `conversations_inbox` / `conversations_inbox_by_type` in index order, with no Sort and no Seq Scan on conversations.
 * Fails when the finder's ORDER BY stops matching the index, or when an index is dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { currentEngine } from '../support/test-database.js';
import type { Queryable } from '../../src/platform/db/db.js';
import { ConversationFinder } from '../../src/modules/conversations/conversation.finder.js';
import { MessageFinder } from '../../src/modules/messages/message.finder.js';
import { seedDemoTenant } from '../../src/modules/demo/seed.js';
import { sql } from '../support/factories.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function walk(node: PlanNode, visit: (node: PlanNode) => void): void {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
}

function collect(node: PlanNode, predicate: (node: PlanNode) => boolean): PlanNode[] {
  const found: PlanNode[] = [];
  walk(node, (candidate) => {
    if (predicate(candidate)) found.push(candidate);
  });
  return found;
}

async function explain(text: string, params: unknown[]): Promise<PlanNode> {
  const rows = await sql<Record<string, unknown>>(h, `EXPLAIN (FORMAT JSON) ${text}`, params);
  const raw = rows[0]!['QUERY PLAN'];
  const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>;
  return parsed[0]!.Plan;
}

const isIndexScan = (node: PlanNode) => node['Node Type'] === 'Index Scan' || node['Node Type'] === 'Index Only Scan';
const seqScansOnConversations = (plan: PlanNode) => collect(plan, (node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'conversations');
const sorts = (plan: PlanNode) => collect(plan, (node) => node['Node Type'] === 'Sort' || node['Node Type'] === 'Incremental Sort');

function expectIndexOrderedPage(plan: PlanNode, index: string, what: string): void {
  const detail = `${what}: ${JSON.stringify(plan)}`;
  expect(sorts(plan), detail).toEqual([]);
  expect(seqScansOnConversations(plan), detail).toEqual([]);
  const scans = collect(plan, (node) => isIndexScan(node) && node['Relation Name'] === 'conversations');
  expect(
    scans.map((node) => node['Index Name']),
    detail,
  ).toEqual([index]);
}

/** A demo tenant as `flextell seed` makes it, with the demo seeder's fresh statistics (the test factory skips them). */
const demoTenant = (conversations: number) => seedDemoTenant(h.deps, { conversations, customers: conversations, issuer: 'http://localhost:8080' });

let planTenantId: Promise<number> | undefined;

/**
 * A tenant with enough conversations for the planner to prefer the index honestly, with fresh statistics. Made once
 * per file: the tests only explain and read, and 3,000 conversations are most of this file's time.
 */
function planTenant(): Promise<number> {
  planTenantId ??= (async () => {
    const seed = await demoTenant(3000);
    await sql(h, 'ANALYZE conversations');
    return seed.tenant_id;
  })();
  return planTenantId;
}

/** The harness database, recording every statement sent through it as it is sent. */
function recordingDb(): { db: Queryable; seen: Array<{ text: string; params: unknown[] }> } {
  const seen: Array<{ text: string; params: unknown[] }> = [];
  const db: Queryable = {
    query: async (text, params) => {
      seen.push({ text, params: params ?? [] });
      return h.deps.db.query(text, params);
    },
  };
  return { db, seen };
}

/** The finder's queries, as it sends them. */
async function capturedFinderQueries(tenantId: number, filter: { channelType: 'whatsapp' | null; offset: number }) {
  const { db, seen } = recordingDb();
  const result = await new ConversationFinder(db).list(
    tenantId,
    { search: null, channelType: filter.channelType, limit: 15, offset: filter.offset },
    h.clock.now(),
  );
  return { seen, result };
}

describe('conversation list plan', () => {
  it('the unfiltered page-id query reads conversations_inbox in order (no Sort, no Seq Scan)', async () => {
    const tenantId = await planTenant();
    const text = `SELECT c.id FROM conversations c WHERE c.tenant_id = $1
        ORDER BY c.last_message_at DESC NULLS LAST, c.id DESC LIMIT $2 OFFSET $3`;
    for (const offset of [0, 150, 1500]) {
      expectIndexOrderedPage(await explain(text, [tenantId, 15, offset]), 'conversations_inbox', `offset ${offset}`);
    }
    expectIndexOrderedPage(await explain(text, [tenantId, 100, 0]), 'conversations_inbox', 'per_page 100');
  });

  it('the channel_type page-id query reads conversations_inbox_by_type in order (no Sort, no Seq Scan)', async () => {
    const tenantId = await planTenant();
    const text = `SELECT c.id FROM conversations c WHERE c.tenant_id = $1 AND c.channel_type = $2
        ORDER BY c.last_message_at DESC NULLS LAST, c.id DESC LIMIT $3 OFFSET $4`;
    for (const type of ['whatsapp', 'telegram']) {
      for (const offset of [0, 300]) {
        expectIndexOrderedPage(await explain(text, [tenantId, type, 15, offset]), 'conversations_inbox_by_type', `${type} offset ${offset}`);
      }
    }
  });

  for (const channelType of [null, 'whatsapp'] as const) {
    const index = channelType ? 'conversations_inbox_by_type' : 'conversations_inbox';
    it(`the finder's own page query (channel_type ${String(channelType)}) takes its page ids from ${index} without sorting them`, async () => {
      const tenantId = await planTenant();
      const { seen, result } = await capturedFinderQueries(tenantId, { channelType, offset: 0 });
      expect(result.rows).toHaveLength(15);
      const pageQuery = seen.find((query) => /\bpage AS (MATERIALIZED )?\(/.test(query.text));
      expect(pageQuery, seen.map((query) => query.text).join('\n---\n')).toBeDefined();
      const plan = await explain(pageQuery!.text, pageQuery!.params);
      const detail = JSON.stringify(plan);
      expect(seqScansOnConversations(plan), detail).toEqual([]);
      // The page's Limit: fed straight by the index, nothing sorted below it.
      const limits = collect(plan, (node) => node['Node Type'] === 'Limit' && collect(node, (inner) => inner['Relation Name'] === 'conversations').length > 0);
      expect(limits.length, detail).toBeGreaterThan(0);
      const pageLimit = limits[limits.length - 1]!;
      expect(sorts(pageLimit), detail).toEqual([]);
      const scans = collect(pageLimit, (node) => isIndexScan(node) && node['Relation Name'] === 'conversations');
      expect(
        scans.map((node) => node['Index Name']),
        detail,
      ).toEqual([index]);
    });
  }
});

/** SQL text for one bound value (numbers, text, timestamps), for EXPLAIN EXECUTE of a prepared statement. */
function literal(value: unknown): string {
  if (typeof value === 'number') return String(value);
  const text = value instanceof Date ? value.toISOString() : String(value);
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * The plan PostgreSQL reuses for every call of a statement sent with `genericPlan` (plan_cache_mode =
 * force_generic_plan): the statement is prepared exactly as the app sends it, then explained for these values.
 */
async function explainGeneric(text: string, params: unknown[]): Promise<PlanNode> {
  return h.deps.db.session(async (session) => {
    await session.exec('SET plan_cache_mode = force_generic_plan');
    try {
      await session.query(text, params);
      const [statement] = (await session.query<{ name: string }>('SELECT name FROM pg_prepared_statements WHERE statement = $1', [text])).rows;
      const rows = (await session.query<Record<string, unknown>>(`EXPLAIN (FORMAT JSON) EXECUTE ${statement!.name}(${params.map(literal).join(', ')})`)).rows;
      const raw = rows[0]!['QUERY PLAN'];
      return ((typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>)[0]!.Plan;
    } finally {
      await session.exec('RESET plan_cache_mode');
    }
  });
}

const hashOrMergeJoins = (plan: PlanNode) => collect(plan, (node) => node['Node Type'] === 'Hash Join' || node['Node Type'] === 'Merge Join');

// PostgreSQL only (registered on that engine alone, never skipped).
if (currentEngine() === 'postgres')
  describe('generic plans of the hot statements (PostgreSQL)', () => {
    for (const channelType of [null, 'whatsapp'] as const) {
      const index = channelType ? 'conversations_inbox_by_type' : 'conversations_inbox';
      it(`the conversation page (channel_type ${String(channelType)}) pages ${index} and looks rows up by key`, async () => {
        const tenantId = await planTenant();
        const { seen } = await capturedFinderQueries(tenantId, { channelType, offset: 30 });
        const pageQuery = seen.find((query) => /\bpage AS MATERIALIZED \(/.test(query.text))!;
        const plan = await explainGeneric(pageQuery.text, pageQuery.params);
        const detail = JSON.stringify(plan);
        expect(seqScansOnConversations(plan), detail).toEqual([]);
        expect(hashOrMergeJoins(plan), detail).toEqual([]);
        const scans = collect(plan, (node) => isIndexScan(node) && node['Relation Name'] === 'conversations').map((node) => node['Index Name']);
        expect(scans, detail).toEqual([index, 'conversations_pkey']);
      });
    }

    for (const [arrivalOrdered, index] of [
      [false, 'messages_by_conversation'],
      [true, 'messages_by_arrival'],
    ] as const) {
      it(`the message page (${arrivalOrdered ? 'by arrival number' : 'by OFFSET'}) reads ${index} and looks rows up by key`, async () => {
        const seed = await demoTenant(3);
        const [conversation] = await sql(h, 'SELECT id, message_count FROM conversations WHERE tenant_id = $1 LIMIT 1', [seed.tenant_id]);
        await sql(h, 'ANALYZE messages');
        const { db, seen } = recordingDb();
        const page = { id: Number(conversation!.id), total: Number(conversation!.message_count), arrivalOrdered };
        await new MessageFinder(db).page(seed.tenant_id, page, 15, 0);
        const plan = await explainGeneric(seen[0]!.text, seen[0]!.params);
        const detail = JSON.stringify(plan);
        // (files may be read by Seq Scan here: an empty table is cheapest to scan.)
        expect(
          collect(plan, (node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'messages'),
          detail,
        ).toEqual([]);
        expect(hashOrMergeJoins(plan), detail).toEqual([]);
        const scans = collect(plan, (node) => isIndexScan(node) && node['Relation Name'] === 'messages').map((node) => node['Index Name']);
        expect(scans, detail).toEqual([index, 'messages_pkey', 'messages_pkey']);
      });
    }
  });
