import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { codePoints } from '../state/format.js';
import { replyWindowNotice, type ReplyWindow } from '../state/status-text.js';
import type { PendingSend } from '../state/messages.js';
import type { Conversation, Message } from '../state/types.js';

export type { ReplyWindow };
import { api } from '../session.js';
import { uploadMedia } from '../api.js';
import { showError, showToast } from './toasts.js';

const MAX_CODE_POINTS = 5000;
const MAX_FILE_BYTES = 52_428_800;
const FILE_TOO_LARGE = 'The file field must not be greater than 51200 kilobytes.';
const COUNTER_FROM = 4500;

type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

interface ComposerProps {
  tenantId: number;
  conversation: Conversation;
  channelActive: boolean;
  replyWindow: ReplyWindow | null;
  quoted: Message | null;
  onCancelQuote: () => void;
  suggestion: { id: number; text: string; takeOver: boolean } | null;
  onStopSuggestion: () => void;
  call: Call;
  onSending: (send: PendingSend) => void;
  onFailed: (key: string) => void;
  onSent: (messageId: number, viaSuggestion: boolean) => Promise<void>;
  onSuggestionMissing: () => void;
}

function draftKey(tenantId: number, conversationId: number): string {
  return `flextell.inbox.draft.${tenantId}.${conversationId}`;
}

/** The composer: Enter sends, Shift+Enter breaks the line; drafts kept per conversation in localStorage. */
export function Composer(props: ComposerProps) {
  const { conversation } = props;
  const key = draftKey(props.tenantId, conversation.id);
  const [text, setText] = useState(() => localStorage.getItem(key) ?? '');
  const [sending, setSending] = useState(false);
  const [offline, setOffline] = useState(!navigator.onLine);
  const [, tick] = useState(0);
  const area = useRef<HTMLTextAreaElement>(null);
  const chooser = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);

  /** One file; too large is refused at once; the media endpoint takes no quote, so attaching drops it and says so. */
  const attach = (chosen: File | null | undefined) => {
    if (!chosen) return;
    if (chosen.size > MAX_FILE_BYTES) return showError(new Error(FILE_TOO_LARGE));
    if (props.quoted) {
      props.onCancelQuote();
      showToast('confirmation', 'A file cannot be sent as a reply to a message: the quote was removed.');
    }
    setFile(chosen);
  };

  // Written as the render commits, not after paint: moving to another conversation at once must not lose the draft.
  useLayoutEffect(() => {
    if (text) localStorage.setItem(key, text);
    else localStorage.removeItem(key);
  }, [text, key]);
  // "Edit suggestion" appends the draft after what the user typed and a blank line, never discarding it.
  const suggestionId = props.suggestion?.id;
  useEffect(() => {
    if (!props.suggestion) return;
    const draft = props.suggestion.text;
    setText((current) => (current.trim() ? `${current}\n\n${draft}` : draft));
    area.current?.focus();
  }, [suggestionId]);
  useEffect(() => {
    const update = () => setOffline(!navigator.onLine);
    window.addEventListener('online', update);
    window.addEventListener('offline', update);
    // The reply window flips at closes_at by the clock.
    const timer = setInterval(() => tick((value) => value + 1), 30_000);
    return () => {
      window.removeEventListener('online', update);
      window.removeEventListener('offline', update);
      clearInterval(timer);
    };
  }, []);

  const notice = replyWindowNotice(props.replyWindow, api.now());
  const length = codePoints(text);
  const blockedReason = offline ? 'You are offline.' : !props.channelActive ? 'This channel is switched off.' : notice?.closed ? notice.text : null;
  const canSend = !sending && (text.trim() !== '' || file !== null) && length <= MAX_CODE_POINTS && blockedReason === null;

  const send = async () => {
    if (!canSend) return;
    const sent = text;
    const pendingKey = crypto.randomUUID();
    const viaSuggestion = props.suggestion !== null;
    setSending(true);
    setText('');
    props.onSending({ key: pendingKey, text: sent.trim() || (file ? `[${file.name}]` : ''), messageId: null });
    try {
      if (file && !viaSuggestion) {
        const form = new FormData();
        form.append('file', file);
        if (sent.trim() !== '') form.append('message', sent);
        setProgress(0);
        const answer = await uploadMedia<{ data: { message_id: string } }>(
          api,
          `/conversations/${conversation.id}/messages/media`,
          props.tenantId,
          form,
          setProgress,
        );
        setFile(null);
        await props.onSent(Number(answer.data.message_id), false);
        return;
      }
      const path = viaSuggestion ? `/conversations/${conversation.id}/ai-suggestion/send` : `/conversations/${conversation.id}/messages`;
      const body = viaSuggestion
        ? { send_source: 'suggestion_edited', message: sent, ...(props.suggestion!.takeOver ? { take_over_agent: true } : {}) }
        : { message: sent, ...(props.quoted ? { quoted_message_id: props.quoted.id } : {}) };
      const answer = await props.call<{ data: { message_id: string } }>('POST', path, body);
      await props.onSent(Number(answer.data.message_id), viaSuggestion);
    } catch (error) {
      props.onFailed(pendingKey);
      // On an error the text returns to the composer and the API's message shows.
      setText((current) => (current ? `${sent}\n${current}` : sent));
      if (viaSuggestion && error instanceof ApiError && error.status === 404) props.onSuggestionMissing();
      showError(error);
    } finally {
      setSending(false);
      setProgress(null);
    }
  };

  return (
    <form
      class="composer"
      aria-label="Reply"
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
    >
      {notice ? (
        <p class="notice" role="status" aria-label="Reply window">
          {notice.text}
        </p>
      ) : null}
      {conversation.blacklist ? <p class="notice">The customer is blocked: their new messages are held back.</p> : null}
      {blockedReason && blockedReason !== notice?.text ? <p class="notice">{blockedReason}</p> : null}
      {props.quoted ? (
        <p class="replying">
          <span>Replying to {(props.quoted.message ?? `[${props.quoted.message_type}]`).slice(0, 80)}</span>
          <button type="button" onClick={props.onCancelQuote}>
            Cancel reply
          </button>
        </p>
      ) : null}
      {props.suggestion ? (
        <p class="replying">
          <span>Editing the AI suggestion</span>
          <button type="button" onClick={props.onStopSuggestion}>
            Stop editing suggestion
          </button>
        </p>
      ) : null}
      {file ? (
        <p class="replying attachment">
          <span>
            {file.name} ({formatBytes(file.size)})
          </span>
          <button type="button" onClick={() => setFile(null)} disabled={sending}>
            Remove attachment
          </button>
        </p>
      ) : null}
      {progress !== null ? <progress aria-label="Upload progress" max={1} value={progress} /> : null}
      <input
        ref={chooser}
        type="file"
        class="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        onChange={(event) => {
          const input = event.target as HTMLInputElement;
          attach(input.files?.[0]);
          input.value = '';
        }}
      />
      <div
        class="composer-row"
        onDragOver={(event) => event.preventDefault()}
        onDrop={(event) => {
          event.preventDefault();
          attach(event.dataTransfer?.files[0]);
        }}
      >
        <button type="button" class="attach" onClick={() => chooser.current?.click()} disabled={sending}>
          Attach file
        </button>
        <label for="message" class="visually-hidden">
          Message
        </label>
        <textarea
          id="message"
          ref={area}
          rows={2}
          value={text}
          disabled={blockedReason !== null && blockedReason !== 'You are offline.'}
          onInput={(event) => setText((event.target as HTMLTextAreaElement).value)}
          onPaste={(event) => {
            const pasted = event.clipboardData?.files[0];
            if (pasted) {
              event.preventDefault();
              attach(pasted);
            }
          }}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.preventDefault();
              area.current?.blur();
              return;
            }
            const touchOnly = window.matchMedia?.('(hover: none) and (pointer: coarse)').matches;
            if (event.key === 'Enter' && !event.shiftKey && !imeKey(event) && !touchOnly) {
              event.preventDefault();
              void send();
            }
          }}
        />
        <button type="submit" class="primary" disabled={!canSend} aria-busy={sending ? 'true' : undefined}>
          Send
        </button>
      </div>
      {length >= COUNTER_FROM ? (
        <p class={`counter${length > MAX_CODE_POINTS ? ' over' : ''}`}>
          {length.toLocaleString('en')} / {MAX_CODE_POINTS.toLocaleString('en')}
        </p>
      ) : null}
    </form>
  );
}

/**
 * An Enter that belongs to an input method (docs/inbox.md#composer): during a composition (isComposing), or the key
 * the IME consumed to confirm it, which Safari delivers after compositionend with keyCode 229 and isComposing false.
 */
function imeKey(event: KeyboardEvent): boolean {
  // keyCode is deprecated, but 229 is the only sign of Safari's confirming Enter.
  return event.isComposing || event.keyCode === 229;
}

/** A file size for the attachment chip, in the API's formatted_size style (powers of 1024, up to 2 decimals). */
export function formatBytes(size: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toFixed(2))} ${units[unit]}`;
}
