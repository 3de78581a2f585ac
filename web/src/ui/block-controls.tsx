import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { api } from '../session.js';
import { blockStatusText } from '../state/status-text.js';
import { fullTime } from '../state/format.js';
import type { BlacklistEntry, Conversation } from '../state/types.js';
import { ConfirmDialog, Dialog } from './dialog.js';
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
export function BlockControls(props: { conversation: Conversation; canManage: boolean; canView: boolean; call: Call; onChanged: () => Promise<unknown> }) {
  const { conversation } = props;
  const [dialog, setDialog] = useState<'block' | 'edit' | 'unblock' | 'held' | null>(null);
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
            <>
              <button type="button" onClick={() => setDialog('edit')}>
                Edit block
              </button>
              <button type="button" onClick={() => setDialog('unblock')}>
                Unblock customer
              </button>
            </>
          ) : null}
          {props.canView ? (
            <button type="button" onClick={() => setDialog('held')}>
              View held messages
            </button>
          ) : null}
        </div>
      ) : props.canManage ? (
        <button type="button" onClick={() => setDialog('block')}>
          Block customer
        </button>
      ) : null}
      {dialog === 'block' ? <BlockDialog {...props} entry={null} onClose={close} /> : null}
      {dialog === 'edit' && conversation.blacklist ? <BlockDialog {...props} entry={conversation.blacklist} onClose={close} /> : null}
      {dialog === 'held' && conversation.blacklist ? <HeldMessagesDialog entryId={conversation.blacklist.id} call={props.call} onClose={close} /> : null}
      {dialog === 'unblock' && conversation.blacklist ? <UnblockDialog {...props} entryId={conversation.blacklist.id} onClose={close} /> : null}
    </>
  );
}

/** The `dialog` "Block customer" (POST), or "Edit block" (PUT; a new duration counts from now; "Keep current end" first). */
function BlockDialog(props: { conversation: Conversation; entry: BlacklistEntry | null; call: Call; onChanged: () => Promise<unknown>; onClose: () => void }) {
  const { entry } = props;
  const [reason, setReason] = useState(entry?.reason ?? 'manual');
  const [duration, setDuration] = useState(entry ? 'keep' : '0');
  const [note, setNote] = useState(entry?.note ?? '');
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const submit = async () => {
    setBusy(true);
    try {
      const ttl = duration === 'keep' ? undefined : DURATIONS[Number(duration)]![1];
      const answer = entry
        ? await props.call<{ success: string }>('PUT', `/channel-blacklists/${entry.id}`, {
            reason,
            note: note.trim() === '' ? null : note,
            ...(ttl === undefined ? {} : { expires_at: ttl === null ? null : new Date(api.now() + ttl * 1000).toISOString() }),
          })
        : await props.call<{ success: string }>('POST', '/channel-blacklists', {
            channel_id: props.conversation.channel.id,
            customer_id: props.conversation.customer.id,
            reason,
            ttl_seconds: ttl,
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
    <Dialog title={entry ? 'Edit block' : 'Block customer'} onClose={props.onClose}>
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
            {entry ? <option value="keep">Keep current end</option> : null}
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
          <button type="submit" class={entry ? 'primary' : 'danger'} disabled={busy}>
            {entry ? 'Save' : 'Block'}
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
  const unblock = async () => {
    const answer = await props.call<{ success?: string; data?: { message?: string } }>('DELETE', `/channel-blacklists/${props.entryId}`);
    showToast('confirmation', answer.data?.message ?? answer.success ?? 'Customer unblocked.');
    props.onClose();
    await props.onChanged();
  };
  return (
    <ConfirmDialog
      title="Unblock customer?"
      description="Their new messages will reach the inbox again."
      confirm="Unblock"
      onConfirm={unblock}
      onClose={props.onClose}
    />
  );
}

interface HeldMessage {
  id: number;
  message_type: string;
  message: string | null;
  received_at: string;
}

/** The `dialog` "Held messages": what the block kept out of the inbox, newest first. */
function HeldMessagesDialog(props: { entryId: number; call: Call; onClose: () => void }) {
  const [held, setHeld] = useState<HeldMessage[] | null>(null);
  useEffect(() => {
    props
      .call<{ data: HeldMessage[] }>('GET', `/channel-blacklists/${props.entryId}/quarantined-messages?per_page=50`)
      .then((answer) => setHeld(answer.data))
      .catch((error) => {
        showError(error);
        setHeld([]);
      });
  }, [props.entryId]);
  return (
    <Dialog title="Held messages" onClose={props.onClose}>
      {held === null ? <p role="status">Loading held messages…</p> : null}
      {held?.length === 0 ? <p>No messages were held back.</p> : null}
      <ul class="held">
        {held?.map((message) => (
          <li key={message.id}>
            <time dateTime={message.received_at}>{fullTime(message.received_at)}</time>
            <p class="text">{message.message ?? `[${message.message_type}]`}</p>
          </li>
        ))}
      </ul>
      <button type="button" onClick={props.onClose}>
        Close
      </button>
    </Dialog>
  );
}
