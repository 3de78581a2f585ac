import { formatTimestamp } from '../../platform/clock.js';
import { formatSize, type FileLinks } from './file-links.js';
import { binaryResponse, integer, nullable, object, string, timestamp } from '../../http/openapi-schemas.js';

export interface FileView {
  id: number;
  tenant_id: number;
  name: string;
  description: string | null;
  type: string;
  mime_type: string;
  size: number;
  group_id: string | null;
  fileable_type: string;
  fileable_id: number;
  thumbnail_key: string | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

/** What rendering a file needs from the request: where links point and when they are minted. */
export interface LinkContext {
  links: FileLinks;
  baseUrl: string;
  now: Date;
}

export const fileSchema = object({
  id: integer,
  name: string,
  description: nullable(string),
  type: { type: 'string', example: 'image' },
  mime_type: { type: 'string', example: 'image/png' },
  size: integer,
  formatted_size: { type: 'string', example: '1.2 KB' },
  group_id: nullable(string),
  fileable_type: { type: 'string', example: 'conversation_message' },
  fileable_id: integer,
  temporary_url: { type: 'string', description: 'A signed download link, good for a limited time.' },
  temporary_thumbnail_url: nullable(string),
  created_at: timestamp,
  updated_at: timestamp,
  deleted_at: nullable(timestamp),
});

/** The signed-link downloads answer the stored bytes, not JSON. */
export const fileContentResponse = binaryResponse(
  "The file's bytes, sent with its own Content-Type (a thumbnail: image/jpeg); 206 with Content-Range for a Range request.",
);

/** FileResource (docs/domain-rules.md#files-and-media); every rendering mints fresh links. */
export function fileResource(file: FileView, context: LinkContext) {
  return {
    id: file.id,
    name: file.name,
    description: file.description,
    type: file.type,
    mime_type: file.mime_type,
    size: Number(file.size),
    formatted_size: formatSize(Number(file.size)),
    group_id: file.group_id,
    fileable_type: file.fileable_type,
    fileable_id: file.fileable_id,
    temporary_url: context.links.url(context.baseUrl, file.tenant_id, file.id, 'content', context.now),
    temporary_thumbnail_url: file.thumbnail_key ? context.links.url(context.baseUrl, file.tenant_id, file.id, 'thumbnail', context.now) : null,
    created_at: formatTimestamp(file.created_at),
    updated_at: formatTimestamp(file.updated_at),
    deleted_at: formatTimestamp(file.deleted_at),
  };
}
