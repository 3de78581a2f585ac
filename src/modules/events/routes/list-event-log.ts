import { defineRoute } from '../../../http/define-route.js';
import { rule, type FieldRule } from '../../../http/validation.js';
import { arrayOf, boolean, integer, nullable, object } from '../../../http/openapi-schemas.js';
import { linkContext } from '../../messages/link-context.js';
import { readEventHead, readEventsAfter, type EventRow } from '../event-log.repository.js';
import { eventResource, eventSchema } from '../event.resource.js';
import { EVENT_TYPES } from '../event-types.js';
import { canSeeEvent, type EventReader } from '../event-visibility.js';

const DEFAULT_LIMIT = 100;
/** The scan stops after this many ids per item asked for, so a reader who may see few types still gets an answer soon. */
const SCAN_FACTOR = 10;

const metaSchema = object({
  reset: boolean,
  after: integer,
  next_after: integer,
  has_more: boolean,
  oldest_event_id: nullable(integer),
  newest_event_id: integer,
});

/** GET /events/log (docs/events.md#polling-the-log): the event log for clients that poll instead of streaming. */
export const listEventLog = defineRoute({
  method: 'GET',
  url: '/api/v1/events/log',
  permission: 'conversations.view',
  scopes: ['conversations:read'],
  summary: 'Read the event log',
  description:
    'The events after `after` (absent: from the oldest kept), in id order, as many as `limit` that this token may see. ' +
    'Poll again with `after = meta.next_after`. A cursor older than the log or beyond its head answers `meta.reset` true: reload through REST, then poll from `next_after`.',
  tags: ['Events'],
  responseSchema: object({ data: arrayOf(eventSchema), meta: metaSchema }),
  query: {
    after: rule.integer().nullable().min(0).describe('The last event id already seen.'),
    limit: rule.integer().nullable().min(1).max(500).describe(`At most this many events (default ${DEFAULT_LIMIT}).`),
    types: (rule.array().nullable().each(rule.enum(EVENT_TYPES)) as FieldRule<string[]>).describe(
      'Only events of these types: `types[]=message.created&types[]=…`.',
    ),
  },
  handler: async ({ deps, tenantId, query, context, raw }) => {
    const head = await readEventHead(deps.db, tenantId);
    const limit = query.limit ?? DEFAULT_LIMIT;
    const after = query.after ?? head.prunedThrough;
    const meta = (reset: boolean, nextAfter: number) => ({
      reset,
      after,
      next_after: nextAfter,
      has_more: nextAfter < head.lastId,
      oldest_event_id: head.oldestId,
      newest_event_id: head.lastId,
    });
    if (after < head.prunedThrough || after > head.lastId) return { data: [], meta: meta(true, head.lastId) };
    const reader: EventReader = { permissions: context.permissions, scopes: context.token.scopes };
    const types = query.types ? new Set<string>(query.types) : null;
    const { events, scannedThrough } = await scanVisible(
      deps.db,
      tenantId,
      after,
      head.lastId,
      limit,
      (event) => canSeeEvent(event.type, reader) && (types === null || types.has(event.type)),
    );
    const links = linkContext(deps, raw);
    return { data: events.map((event) => eventResource(event, links)), meta: meta(false, scannedThrough) };
  },
});

/** Reads ids above `after` up to the head, keeping the visible ones, until `limit` are kept or SCAN_FACTOR × limit scanned. */
async function scanVisible(
  db: Parameters<typeof readEventsAfter>[0],
  tenantId: number,
  after: number,
  headId: number,
  limit: number,
  visible: (event: EventRow) => boolean,
): Promise<{ events: EventRow[]; scannedThrough: number }> {
  const events: EventRow[] = [];
  let scannedThrough = after;
  let budget = SCAN_FACTOR * limit;
  while (events.length < limit && budget > 0 && scannedThrough < headId) {
    const chunk = await readEventsAfter(db, tenantId, scannedThrough, Math.min(budget, limit));
    if (chunk.length === 0) break;
    for (const event of chunk) {
      // Events committed after the head was read wait for the next poll, so next_after never passes the head.
      if (event.id > headId) return { events, scannedThrough };
      scannedThrough = event.id;
      budget--;
      if (visible(event)) events.push(event);
      if (events.length === limit) break;
    }
  }
  return { events, scannedThrough };
}
