import type { PathRequest } from '../../../http/define-route.js';
import { parsePathId } from '../../../http/path-id.js';
import { notFound } from '../../../platform/errors.js';
import { findChannel, type ChannelRow } from '../channel.repository.js';

export const CHANNEL_NOT_FOUND = 'Channel not found.';

/** The `load` step of /channels/{id}: a channel of the request's tenant, or 404 (another tenant's id too). */
export async function loadChannel(request: PathRequest): Promise<ChannelRow> {
  const id = parsePathId(request.params.id);
  const channel = id === null ? null : await findChannel(request.deps.db, request.tenantId, id);
  if (!channel) throw notFound(CHANNEL_NOT_FOUND);
  return channel;
}
