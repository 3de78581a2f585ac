import { authorOf, deliveryName, parseMetadata } from '../state/messages.js';
import { clockTime, fullTime, linkify } from '../state/format.js';
import type { Message } from '../state/types.js';
import { Icon } from './icons.js';
import { MenuButton } from './menu.js';

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
  if (file.type === 'image') {
    return (
      <a class="media-image" href={file.temporary_url} target="_blank" rel="noopener noreferrer" aria-label={`Open image ${file.name}`}>
        <img src={file.temporary_url} alt="" />
      </a>
    );
  }
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
}

export function MessageView(props: { message: Message; displayName: string; channelName: string; actions: MessageActions }) {
  const { message } = props;
  const author = authorOf(message, props.displayName, props.channelName);
  const metadata = parseMetadata(message.metadata);
  const delivery = deliveryName(message);
  const items = [
    ...(props.actions.canReply ? [{ label: 'Reply', onSelect: () => props.actions.onReply(message) }] : []),
    ...(message.message ? [{ label: 'Copy text', onSelect: () => void navigator.clipboard?.writeText(message.message ?? '') }] : []),
  ];
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
      {message.message ? (
        <p class="text">
          <MessageText text={message.message} />
        </p>
      ) : null}
      <footer class="message-foot">
        {message.is_edited ? <span title={message.edited_by_user_name ? `Edited by ${message.edited_by_user_name}` : undefined}>(edited)</span> : null}
        {message.is_deleted ? <span>Deleted by {message.deleted_by_user_name ?? 'someone'}</span> : null}
        {delivery ? <Icon name={delivery.toLowerCase()} label={delivery} /> : null}
        {delivery === 'Failed' && metadata.failure_reason ? <span class="failure">{metadata.failure_reason}</span> : null}
      </footer>
    </article>
  );
}
