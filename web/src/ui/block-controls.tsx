import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { api } from '../session.js';
import { blockStatusText } from '../state/status-text.js';
import type { Conversation } from '../state/types.js';
import { Dialog } from './dialog.js';
import { showError, showToast } from './toasts.js';

type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

const REASONS: [string, string][] = [
  ['manual', 'Manual'],
  ['rate_limit', 'Rate limit'],
  ['llm_spam', 'LLM spam'],
  ['security_threat', 'Security threat'],
  ['abusive_language', 'Abusive language'],
];

const DURATIONS: [string, number | null][] = [
  ['1 hour', 3600],
  ['24 hours', 86400],
  ['7 days', 604800],
  ['30 days', 2592000],
  ['Permanent', null],
];

/** Block and unblock in the thread header (docs/inbox.md#blocking); each control appears once. */
export function BlockControls(props: { conversation: Conversation; canManage: boolean; call: Call; onChanged: () => Promise<unknown> }) {
  const { conversation } = props;
  const [dialog, setDialog] = useState<'block' | 'unblock' | null>(null);
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((value) => value + 1), 30_000);
    return () => clearInterval(timer);
  }, []);
  const status = blockStatusText(conversation, api.now());
  const close = () => setDialog(null);
  return (
    <>
      {status && conversation.blacklist ? (
        <div class="block-status" role="group" aria-label="Block status">
          <span>{status}</span>
          {conversation.blacklist.note ? <span class="note"> — {conversation.blacklist.note}</span> : null}
          {props.canManage ? (
            <button type="button" onClick={() => setDialog('unblock')}>
              Unblock customer
            </button>
          ) : null}
        </div>
      ) : props.canManage ? (
        <button type="button" onClick={() => setDialog('block')}>
          Block customer
        </button>
      ) : null}
      {dialog === 'block' ? <BlockDialog {...props} onClose={close} /> : null}
      {dialog === 'unblock' && conversation.blacklist ? <UnblockDialog {...props} entryId={conversation.blacklist.id} onClose={close} /> : null}
    </>
  );
}

function BlockDialog(props: { conversation: Conversation; call: Call; onChanged: () => Promise<unknown>; onClose: () => void }) {
  const [reason, setReason] = useState('manual');
  const [duration, setDuration] = useState('0');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const submit = async () => {
    setBusy(true);
    try {
      const answer = await props.call<{ success: string }>('POST', '/channel-blacklists', {
        channel_id: props.conversation.channel.id,
        customer_id: props.conversation.customer.id,
        reason,
        ttl_seconds: DURATIONS[Number(duration)]![1],
        note: note.trim() === '' ? null : note,
        metadata: { source: 'inbox' },
      });
      showToast('confirmation', answer.success);
      props.onClose();
      await props.onChanged();
    } catch (error) {
      if (error instanceof ApiError) setFieldErrors(error.fields);
      showError(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title="Block customer" onClose={props.onClose}>
      <form
        class="dialog-form"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <label>
          Reason
          <select value={reason} onChange={(event) => setReason((event.target as HTMLSelectElement).value)}>
            {REASONS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Duration
          <select value={duration} onChange={(event) => setDuration((event.target as HTMLSelectElement).value)}>
            {DURATIONS.map(([label], index) => (
              <option key={label} value={String(index)}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Note
          <textarea maxLength={1000} value={note} onInput={(event) => setNote((event.target as HTMLTextAreaElement).value)} />
        </label>
        {fieldErrors.note ? <p class="field-error">{fieldErrors.note[0]}</p> : null}
        <div class="dialog-actions">
          <button type="submit" class="danger" disabled={busy}>
            Block
          </button>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function UnblockDialog(props: { entryId: number; call: Call; onChanged: () => Promise<unknown>; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const unblock = async () => {
    setBusy(true);
    try {
      const answer = await props.call<{ success?: string; data?: { message?: string } }>('DELETE', `/channel-blacklists/${props.entryId}`);
      showToast('confirmation', answer.data?.message ?? answer.success ?? 'Customer unblocked.');
      props.onClose();
      await props.onChanged();
    } catch (error) {
      showError(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title="Unblock customer?" role="alertdialog" onClose={props.onClose} description="Their new messages will reach the inbox again.">
      <div class="dialog-actions">
        <button type="button" class="danger" disabled={busy} onClick={() => void unblock()}>
          Unblock
        </button>
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
