import { defineRoute, type ApiRequest } from '../../../http/define-route.js';
import { AppError, notFound } from '../../../platform/errors.js';
import { parsePathId } from '../../../http/path-id.js';
import { StorageNotFoundError, type ByteRange } from '../../../platform/storage/storage.js';
import { unixSeconds } from '../../../platform/clock.js';
import type { FileVariant } from '../file-links.js';
import { findLiveFile } from '../file.repository.js';
import { contentDisposition } from '../file-names.js';
import { fileContentResponse } from '../file.resource.js';
import { parseRange } from '../byte-range.js';

const INVALID_LINK = 'The link is invalid or has expired.';
const FILE_NOT_FOUND = 'File not found.';
const RANGE_NOT_SATISFIABLE = 'The requested range is not satisfiable.';

/** The link's own parameters, read raw: each must appear exactly once, as signed. */
function linkParameters(url: string): { t?: string; expires?: string; signature?: string } {
  const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  const one = (name: string) => {
    const values = query.getAll(name);
    return values.length === 1 ? values[0] : undefined;
  };
  return { t: one('t'), expires: one('expires'), signature: one('signature') };
}

async function openObject(request: ApiRequest<any, any, any>, key: string, range: ByteRange | null) {
  try {
    return await request.deps.storage.get(key, range ?? undefined);
  } catch (error) {
    if (error instanceof StorageNotFoundError) throw notFound(FILE_NOT_FOUND);
    throw error;
  }
}

/**
 * docs/domain-rules.md#files-and-media: the signature is checked before anything is looked up, so a bad link reveals nothing;
 * the bytes then stream straight from storage with the headers a browser needs to show or save them safely.
 */
function serve(variant: FileVariant) {
  return async (request: ApiRequest<any, any, any>) => {
    const { deps, raw, reply, params } = request;
    const now = deps.clock.now();
    const link = deps.fileLinks.verify(linkParameters(raw.url), params.id ?? '', variant, now);
    if (!link) throw new AppError('forbidden', INVALID_LINK);
    const fileId = parsePathId(params.id);
    const file = fileId === null ? null : await findLiveFile(deps.db, link.tenantId, fileId);
    const key = variant === 'content' ? file?.storage_key : file?.thumbnail_key;
    if (!file || !key) throw notFound(FILE_NOT_FOUND);

    // Only the content's size is known before opening it; a thumbnail is always sent whole.
    const range = variant === 'content' ? parseRange(raw.headers.range, file.size) : null;
    if (range === 'unsatisfiable') {
      throw new AppError('range_not_satisfiable', RANGE_NOT_SATISFIABLE, { headers: { 'Content-Range': `bytes */${file.size}` } });
    }
    const object = await openObject(request, key, range);
    const mimeType = variant === 'content' ? file.mime_type : 'image/jpeg';
    reply
      .code(range ? 206 : 200)
      .header('Content-Type', mimeType)
      .header('Content-Length', String(range ? range.end - range.start + 1 : object.size))
      .header('Content-Disposition', contentDisposition(file.name, mimeType))
      .header('X-Content-Type-Options', 'nosniff')
      // Replaces the API's no-store: the link itself is the credential and says how long it is good for.
      .header('Cache-Control', `private, max-age=${Math.max(0, link.expires - unixSeconds(now))}`)
      .header('Accept-Ranges', 'bytes');
    if (range) reply.header('Content-Range', `bytes ${range.start}-${range.end}/${object.size}`);
    return reply.send(object.stream);
  };
}

export const getFileContent = defineRoute({
  method: 'GET',
  url: '/api/v1/files/:id/content',
  // No token at all: the pipeline skips authentication for exactly permission 'none' with no scopes.
  permission: 'none',
  scopes: [],
  tags: ['Files'],
  responseSchema: fileContentResponse,
  summary: 'Download a file through its signed link',
  description:
    'The `temporary_url` of a FileResource. No Authorization or X-Tenant: the signature and `expires` are the credential. Supports a single Range; one starting past the end answers 416 with `Content-Range: bytes */<size>`.',
  handler: serve('content'),
});

export const getFileThumbnail = defineRoute({
  method: 'GET',
  url: '/api/v1/files/:id/thumbnail',
  permission: 'none',
  scopes: [],
  tags: ['Files'],
  responseSchema: fileContentResponse,
  summary: 'Download a file thumbnail through its signed link',
  description: 'The `temporary_thumbnail_url` of a FileResource, signed like the content link.',
  handler: serve('thumbnail'),
});
