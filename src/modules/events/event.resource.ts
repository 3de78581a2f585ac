import { formatTimestamp } from '../../platform/clock.js';
import { FileLinks } from '../files/file-links.js';
import type { LinkContext } from '../files/file.resource.js';
import { freeObject, integer, nullable, object, string, timestamp, enumOf } from '../../http/openapi-schemas.js';
import type { EventRow } from './event-log.repository.js';

/**
 * Links are not stored in the log: a stored one would expire, and the base URL depends on who reads the event. A
 * snapshot keeps these markers where a signed file link goes, and a channel's `webhook_url` keeps only its path;
 * eventResource puts fresh links in when the event is written out (docs/events.md#the-event-resource).
 */
const CONTENT_MARKER = 'flextell-link:content';
const THUMBNAIL_MARKER = 'flextell-link:thumbnail';

class DeferredFileLinks extends FileLinks {
  constructor() {
    super(Buffer.alloc(32), 0);
  }

  override url(_baseUrl: string, _tenantId: number, _fileId: number, variant: 'content' | 'thumbnail'): string {
    return variant === 'content' ? CONTENT_MARKER : THUMBNAIL_MARKER;
  }
}

/** The LinkContext snapshots are rendered with: markers instead of signed links, paths instead of URLs. */
export const SNAPSHOT_LINKS: LinkContext = { links: new DeferredFileLinks(), baseUrl: '', now: new Date(0) };

export const eventSchema = object({
  id: integer,
  type: string,
  timestamp,
  tenant_id: integer,
  actor: object({ type: enumOf(['user', 'application', 'agent', 'customer', 'system'] as const), id: nullable(integer), name: nullable(string) }),
  data: freeObject('The affected resource as the API renders it (docs/events.md#event-types).'),
});

/** The Event resource of a stored event, key by key; `links` makes the URLs of the moment it is written out. */
export function eventResource(row: EventRow, links: LinkContext) {
  return {
    id: row.id,
    type: row.type,
    timestamp: formatTimestamp(row.occurred_at),
    tenant_id: row.tenant_id,
    actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name },
    data: withLinks(row.type, row.data, row.tenant_id, links),
  };
}

/** The snapshot with fresh signed links and absolute URLs in place of the stored markers and paths. */
export function withLinks(type: string, data: Record<string, unknown>, tenantId: number, context: LinkContext): Record<string, unknown> {
  if (type.startsWith('message.')) {
    const file = data.file as Record<string, unknown> | null | undefined;
    if (!file) return data;
    const fileId = Number(file.id);
    const url = context.links.url(context.baseUrl, tenantId, fileId, 'content', context.now);
    const thumbnail = file.temporary_thumbnail_url ? context.links.url(context.baseUrl, tenantId, fileId, 'thumbnail', context.now) : null;
    return { ...data, file: { ...file, temporary_url: url, temporary_thumbnail_url: thumbnail }, file_temporary_url: url };
  }
  if (type.startsWith('channel.') && typeof data.webhook_url === 'string') {
    return { ...data, webhook_url: `${context.baseUrl}${data.webhook_url}` };
  }
  return data;
}
