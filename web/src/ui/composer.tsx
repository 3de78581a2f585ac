import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { codePoints } from '../state/format.js';
import { replyWindowNotice, type ReplyWindow } from '../state/status-text.js';
import type { PendingSend } from '../state/messages.js';
import type { Conversation, Message } from '../state/types.js';

export type { ReplyWindow };
import { api } from '../session.js';
import { showError } from './toasts.js';

const MAX_CODE_POINTS = 5000;
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

  useEffect(() => {
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
  const canSend = !sending && text.trim() !== '' && length <= MAX_CODE_POINTS && blockedReason === null;

  const send = async () => {
    if (!canSend) return;
    const sent = text;
    const pendingKey = crypto.randomUUID();
    const viaSuggestion = props.suggestion !== null;
    setSending(true);
    setText('');
    props.onSending({ key: pendingKey, text: sent, messageId: null });
    try {
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
      <div class="composer-row">
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
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.preventDefault();
              area.current?.blur();
              return;
            }
            const touchOnly = window.matchMedia?.('(hover: none) and (pointer: coarse)').matches;
            if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && !touchOnly) {
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
