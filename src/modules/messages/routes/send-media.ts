import { defineRoute } from '../../../http/define-route.js';
import { multipartRoute } from '../../../http/multipart.js';
import { normalizeInput, rule, throwIfInvalid, validateFields, type RuleContext } from '../../../http/validation.js';
import type { FieldErrors } from '../../../platform/errors.js';
import type { Queryable } from '../../../platform/db/db.js';
import { actorOf } from '../../conversations/actor.js';
import { loadConversation } from '../../conversations/load-conversation.js';
import { sendMessage as send } from '../message.service.js';
import { sendResult, sendResultSchema } from '../message.resource.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { insertFile } from '../../files/file.repository.js';
import { FILE_TOO_LARGE, MAX_FILE_BYTES, MAX_OTHER_BYTES, readMediaParts, type MediaParts, type StoredUpload } from '../../files/media-upload.js';

const caption = { message: rule.string().nullable().max(5000) };

/** The upload rules in their order (docs/domain-rules.md#files-and-media): `file` (required, file), then `message` (nullable, string, max:5000). */
async function validate(parts: MediaParts, context: RuleContext): Promise<{ file: StoredUpload; text: string | null }> {
  const errors: FieldErrors = {};
  if (parts.fileField === 'absent') errors.file = ['The file field is required.'];
  else if (!parts.file) errors.file = ['The file field must be a file.'];
  const input = parts.message === undefined ? {} : { message: normalizeInput(parts.message) };
  const values = await validateFields(caption, input, 'body', context, errors);
  throwIfInvalid(errors);
  return { file: parts.file!, text: values.message ?? null };
}

/** The files row, written inside the send's transaction once the message id is known. */
function attach(file: StoredUpload, tenantId: number, now: Date) {
  return (tx: Queryable, messageId: number) =>
    insertFile(tx, {
      tenantId,
      name: file.name,
      type: file.type,
      mimeType: file.mimeType,
      size: file.size,
      storageKey: file.key,
      fileableType: 'conversation_message',
      fileableId: messageId,
      now,
    });
}

export const sendMediaMessage = multipartRoute(
  defineRoute({
    method: 'POST',
    url: '/api/v1/conversations/:id/messages/media',
    permission: 'conversations.reply',
    scopes: ['conversations:write'],
    summary: 'Send a file',
    description:
      'multipart/form-data with a `file` part (at most 51,200 KB; its type is detected from the bytes) and an optional `message` caption (at most 5000 characters). Stored and queued like a text message.',
    tags: ['Messages'],
    responseSchema: envelopeSchema(sendResultSchema),
    load: loadConversation,
    handler: async ({ deps, tenantId, loaded, context, raw }) => {
      const now = deps.clock.now();
      // The bytes are stored while the body streams in; from here on every failure must remove them again.
      const parts = await readMediaParts(raw, deps.storage, tenantId, now);
      try {
        const { file, text } = await validate(parts, { tenantId, db: deps.db, loaded });
        const actor = actorOf(context.principal);
        const outbound = {
          text,
          messageType: file.type,
          quotedMessageId: null,
          source: actor.source,
          applyHandoffPause: true,
          attachFile: attach(file, tenantId, now),
        };
        const messageId = await send(deps.db, tenantId, loaded.id, actor, outbound, now);
        return { success: 'Media message sent successfully.', data: sendResult(messageId, loaded.id) };
      } catch (error) {
        if (parts.file) await deps.storage.delete(parts.file.key).catch(() => undefined);
        throw error;
      }
    },
  }),
  // Other parts may take 1 MiB, multipart framing included (docs/input.md#body-transport).
  {
    maxContentLength: MAX_FILE_BYTES + MAX_OTHER_BYTES,
    tooLargeMessage: FILE_TOO_LARGE,
    readAhead: async (request, deps, tenantId) => {
      const parts = await readMediaParts(request, deps.storage, tenantId, deps.clock.now());
      return { digests: parts.digests, discard: async () => void (parts.file && (await deps.storage.delete(parts.file.key).catch(() => undefined))) };
    },
  },
);
