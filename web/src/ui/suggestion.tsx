import { useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import type { Suggestion } from '../state/types.js';
import { MessageText } from './message-view.js';
import { showError, showToast } from './toasts.js';

type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

interface SuggestionProps {
  suggestion: Suggestion;
  newMessages: boolean;
  canSend: boolean;
  canTakeOver: boolean;
  editing: boolean;
  takeOver: boolean;
  onTakeOver: (value: boolean) => void;
  onEdit: () => void;
  call: Call;
  onSent: (messageId: number) => Promise<void>;
  onMissing: () => void;
}

/** The pending AI draft (docs/inbox.md#suggestions): send as is, edit in the composer, or take over from the AI. */
export function SuggestionPanel(props: SuggestionProps) {
  const { suggestion } = props;
  const [busy, setBusy] = useState(false);
  const handoff = suggestion.pending_actions.find((action) => action.type === 'handoff');
  const sendAsIs = async () => {
    setBusy(true);
    try {
      const answer = await props.call<{ data: { message_id: string } }>('POST', `/conversations/${suggestion.conversation_id}/ai-suggestion/send`, {
        send_source: 'suggestion_as_is',
        ...(props.takeOver ? { take_over_agent: true } : {}),
      });
      await props.onSent(Number(answer.data.message_id));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        showToast('error', 'No pending AI suggestion for this conversation.');
        props.onMissing();
      } else showError(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="suggestion" aria-label="AI suggestion">
      <h3>AI suggestion</h3>
      {props.newMessages ? <p class="note">New messages since this draft</p> : null}
      {handoff ? <p class="note">The AI suggests a person takes over: {handoff.reason ?? ''}</p> : null}
      <p class="text">
        <MessageText text={suggestion.original_text} />
      </p>
      {props.canSend ? (
        <div class="suggestion-actions">
          <button type="button" class="primary" disabled={busy} onClick={() => void sendAsIs()}>
            Send suggestion
          </button>
          {!props.editing ? (
            <button type="button" onClick={props.onEdit}>
              Edit suggestion
            </button>
          ) : null}
          {props.canTakeOver ? (
            <label class="check">
              <input type="checkbox" checked={props.takeOver} onChange={(event) => props.onTakeOver((event.target as HTMLInputElement).checked)} />
              Take over from the AI
            </label>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
