import { defineJob, type JobContext, type JobDeps } from '../../platform/jobs/define-job.js';
import { RetryableJobError } from '../../platform/jobs/job-worker.js';
import { newStorageKey } from '../../platform/storage/storage.js';
import { findChannel } from '../channels/channel.repository.js';
import { openChannelSecrets } from '../channels/channel-secrets.js';
import { insertFile } from '../files/file.repository.js';
import { cleanFileName } from '../files/file-names.js';
import { detectMimeType, fileKind, peekStream, SNIFF_BYTES } from '../files/file-types.js';
import { MAX_FILE_BYTES } from '../files/media-upload.js';
import { recordEvents } from '../events/event-recorder.js';
import { SYSTEM_ACTOR } from '../events/event-types.js';
import { setMessageFile } from '../messages/message.repository.js';
import type { InboundMediaRef } from './inbound-event.js';
import { fetchInboundMedia } from './media-fetch.js';
import { findMessageForMedia, noteMediaError } from './inbound.repository.js';

export interface DownloadMediaPayload {
  /** The inbound message (of the job's tenant) the file belongs to. */
  message_id: number;
  media: InboundMediaRef;
}

/**
 * §2 step 3f (docs/channels.md#processing-inbound-events): fetches an inbound message's file through the provider,
 * stores it like an upload and attaches it. Failures retry with the queue's backoff; after the last attempt the
 * message keeps `file` null and its metadata says why (`media_error`).
 */
export const downloadMediaJob = defineJob<DownloadMediaPayload>({
  type: 'download_media',
  maxAttempts: 5,
  handler: (context, deps) => downloadMedia(context, deps),
});

async function downloadMedia(context: JobContext<DownloadMediaPayload>, deps: JobDeps): Promise<void> {
  const tenantId = Number(context.job.tenant_id);
  const message = await findMessageForMedia(context.db, tenantId, context.payload.message_id);
  if (!message || message.file_id !== null) return context.complete();
  const channel = await findChannel(context.db, tenantId, message.channel_id);
  if (!channel) return context.complete();
  let stored: { key: string; size: number; mimeType: string; name: string };
  try {
    const fetched = await fetchInboundMedia(deps.config, openChannelSecrets(deps.box, channel), context.payload.media, MAX_FILE_BYTES);
    // Streamed from the provider into storage as an upload is: only the first bytes are held, to sniff the type.
    const { head, stream } = await peekStream(fetched.stream, SNIFF_BYTES);
    const mimeType = await detectMimeType(head, fetched.declaredType ?? undefined).catch((error: unknown) => {
      stream.destroy();
      throw error;
    });
    const key = newStorageKey(tenantId, context.now);
    const { size } = await deps.storage.put(key, stream, { contentType: mimeType, maxBytes: MAX_FILE_BYTES });
    stored = { key, size, mimeType, name: cleanFileName(context.payload.media.filename ?? undefined, mimeType) };
  } catch (error) {
    const reason = (error as Error)?.message ?? String(error);
    if (context.job.attempts < context.job.max_attempts) throw new RetryableJobError(reason);
    return context.complete(async (tx) => {
      await noteMediaError(tx, tenantId, message.id, reason, context.now);
      recordEvents(tx, tenantId, SYSTEM_ACTOR, context.now, { kind: 'message', id: message.id, change: 'updated' });
    });
  }
  try {
    await context.complete(async (tx) => {
      const fileId = await insertFile(tx, {
        tenantId,
        name: stored.name,
        type: fileKind(stored.mimeType),
        mimeType: stored.mimeType,
        size: stored.size,
        storageKey: stored.key,
        fileableType: 'conversation_message',
        fileableId: message.id,
        now: context.now,
      });
      await setMessageFile(tx, tenantId, message.id, fileId);
      recordEvents(tx, tenantId, SYSTEM_ACTOR, context.now, { kind: 'message', id: message.id, change: 'updated' });
    });
  } catch (error) {
    await deps.storage.delete(stored.key).catch(() => undefined);
    throw error;
  }
}
