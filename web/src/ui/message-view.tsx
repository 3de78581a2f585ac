import { authorOf, deliveryName, parseMetadata, reactionsOf } from '../state/messages.js';
import { clockTime, fullTime, linkify } from '../state/format.js';
import type { Message } from '../state/types.js';
import { Icon } from './icons.js';
import { MenuButton } from './menu.js';
import { ConfirmDialog, Dialog } from './dialog.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { showError, showToast } from './toasts.js';

/** Text is text (docs/inbox.md#messages): text nodes only, line breaks kept by CSS, http(s) URLs as safe links. */
export function MessageText(props: { text: string }) {
  return (
    <>
      {linkify(props.text).map((part, index) =>
        part.kind === 'link' ? (
          <a key={index} href={part.href} target="_blank" rel="noopener noreferrer nofollow">
            {part.text}
          </a>
        ) : (
          part.text
        ),
      )}
    </>
  );
}

function Media(props: { message: Message }) {
  const { message } = props;
  const file = message.file;
  const metadata = parseMetadata(message.metadata);
  if (message.message_type === 'unsupported') return <p class="note">Unsupported message ({metadata.provider_type ?? 'unknown'})</p>;
  if (!file) {
    if (['image', 'sticker', 'video', 'audio', 'document'].includes(message.message_type)) {
      return <p class="note">{metadata.media_error ?? 'Attachment not available yet'}</p>;
    }
    return null;
  }
  if (file.type === 'image' || message.message_type === 'sticker') return <ImageAttachment url={file.temporary_url} name={file.name} />;
  if (file.type === 'video') return <video class="media" src={file.temporary_url} controls preload="metadata" />;
  if (file.type === 'audio') return <audio src={file.temporary_url} controls preload="metadata" />;
  return (
    <a href={file.temporary_url} target="_blank" rel="noopener noreferrer" download={file.name}>
      Download {file.name} ({file.formatted_size})
    </a>
  );
}

export interface MessageActions {
  onReply: (message: Message) => void;
  canReply: boolean;
  /** PUT, DELETE or POST of the thread's API calls. */
  call: <T>(method: string, path: string, body?: unknown) => Promise<T>;
  /** A message changed (its new copy when the API answered one): the thread merges or refetches. */
  onChanged: (message: Message | null) => Promise<void> | void;
}

/** Outgoing text messages of a person, an application or a sent draft may be edited (not deleted ones). */
function editable(message: Message): boolean {
  const source = parseMetadata(message.metadata).source;
  return !message.is_customer && !message.is_deleted && message.message_type === 'text' && ['user', 'application', 'ai_suggestion'].includes(source ?? '');
}

export function MessageView(props: { message: Message; displayName: string; channelName: string; actions: MessageActions }) {
  const { message } = props;
  const author = authorOf(message, props.displayName, props.channelName);
  const metadata = parseMetadata(message.metadata);
  const delivery = deliveryName(message);
  const { actions } = props;
  const [mode, setMode] = useState<'view' | 'edit' | 'delete'>('view');
  const path = `/conversations/${message.conversation_id}/messages`;
  const items = [
    ...(actions.canReply ? [{ label: 'Reply', onSelect: () => actions.onReply(message) }] : []),
    ...(message.message ? [{ label: 'Copy text', onSelect: () => void navigator.clipboard?.writeText(message.message ?? '') }] : []),
    ...(actions.canReply && editable(message) ? [{ label: 'Edit', onSelect: () => setMode('edit') }] : []),
    ...(actions.canReply && !message.is_deleted ? [{ label: 'Delete', onSelect: () => setMode('delete') }] : []),
  ];
  const sendAgain = async () => {
    try {
      await actions.call('POST', path, { message: message.message });
      await actions.onChanged(null);
    } catch (error) {
      showError(error);
    }
  };
  return (
    <article class={`message ${message.is_customer ? 'incoming' : 'outgoing'}${message.is_deleted ? ' deleted' : ''}`} aria-label={`Message from ${author}`}>
      <header class="message-head">
        <span class="author">{author}</span>
        {metadata.source === 'ai_suggestion' ? <span class="tag">AI suggestion</span> : null}
        <time dateTime={message.created_at} title={fullTime(message.created_at)}>
          {clockTime(message.created_at)}
        </time>
        {items.length > 0 ? <MenuButton label="Message actions" buttonClass="icon-button" text="⋯" items={items} /> : null}
      </header>
      {message.quoted_text ? (
        <blockquote class="quote">
          <MessageText text={message.quoted_text} />
        </blockquote>
      ) : null}
      <Media message={message} />
      {mode === 'edit' ? (
        <EditForm message={message} actions={actions} onDone={() => setMode('view')} />
      ) : message.message ? (
        <p class="text">
          <MessageText text={message.message} />
        </p>
      ) : null}
      {mode === 'delete' ? <DeleteDialog message={message} actions={actions} onClose={() => setMode('view')} /> : null}
      {reactionsOf(metadata).length > 0 ? (
        <p class="reactions">
          <span class="visually-hidden">Reactions: </span>
          {reactionsOf(metadata).join(' ')}
        </p>
      ) : null}
      <footer class="message-foot">
        {message.is_edited ? <span title={message.edited_by_user_name ? `Edited by ${message.edited_by_user_name}` : undefined}>(edited)</span> : null}
        {message.is_deleted ? <span>Deleted by {message.deleted_by_user_name ?? 'someone'}</span> : null}
        {delivery ? <Icon name={delivery.toLowerCase()} label={delivery} /> : null}
        {delivery === 'Failed' && metadata.failure_reason ? <span class="failure">{metadata.failure_reason}</span> : null}
        {delivery === 'Failed' && message.message_type === 'text' && message.message && actions.canReply ? (
          <button type="button" onClick={() => void sendAgain()}>
            Send again
          </button>
        ) : null}
      </footer>
    </article>
  );
}

function EditForm(props: { message: Message; actions: MessageActions; onDone: () => void }) {
  const [text, setText] = useState(props.message.message ?? '');
  const [busy, setBusy] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => area.current?.focus(), []);
  const save = async () => {
    setBusy(true);
    try {
      const answer = await props.actions.call<{ data: Message }>('PUT', `/conversations/${props.message.conversation_id}/messages/${props.message.id}`, {
        message: text,
      });
      await props.actions.onChanged(answer.data);
      props.onDone();
    } catch (error) {
      showError(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="edit-form"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <textarea
        aria-label="Edit message"
        value={text}
        ref={area}
        onInput={(event) => setText((event.target as HTMLTextAreaElement).value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.preventDefault();
            props.onDone();
          }
        }}
      />
      <div class="dialog-actions">
        <button type="submit" class="primary" disabled={busy || text.trim() === ''}>
          Save
        </button>
        <button type="button" onClick={props.onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function DeleteDialog(props: { message: Message; actions: MessageActions; onClose: () => void }) {
  const remove = async () => {
    const answer = await props.actions.call<{ data?: { message?: string } }>(
      'DELETE',
      `/conversations/${props.message.conversation_id}/messages/${props.message.id}`,
    );
    showToast('confirmation', answer.data?.message ?? 'Message deleted successfully.');
    props.onClose();
    await props.actions.onChanged(null);
  };
  return (
    <ConfirmDialog
      title="Delete message?"
      description="The message stays in the conversation, marked as deleted. The customer keeps their copy."
      confirm="Delete"
      onConfirm={remove}
      onClose={props.onClose}
    />
  );
}

/** An image inline; its button opens the `dialog` "Image preview", full size and zoomable (docs/inbox.md#messages). */
function ImageAttachment(props: { url: string; name: string }) {
  const [open, setOpen] = useState(false);
  const [zoom, setZoom] = useState(1);
  const image = useRef<HTMLImageElement>(null);
  // Through the CSSOM (allowed by style-src 'self'), never a style attribute in the markup.
  useEffect(() => {
    if (image.current) image.current.style.transform = `scale(${zoom})`;
  }, [zoom, open]);
  return (
    <>
      <button type="button" class="media-image" aria-label={`Open image ${props.name}`} onClick={() => setOpen(true)}>
        <img src={props.url} alt="" />
      </button>
      {open ? (
        <Dialog title="Image preview" onClose={() => setOpen(false)}>
          <div class="preview">
            <img ref={image} src={props.url} alt={props.name} />
          </div>
          <div class="dialog-actions">
            <button type="button" onClick={() => setZoom((value) => Math.min(5, value + 0.5))} disabled={zoom >= 5}>
              Zoom in
            </button>
            <button type="button" onClick={() => setZoom((value) => Math.max(1, value - 0.5))} disabled={zoom <= 1}>
              Zoom out
            </button>
            <button type="button" onClick={() => setOpen(false)}>
              Close
            </button>
          </div>
        </Dialog>
      ) : null}
    </>
  );
}
