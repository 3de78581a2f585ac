import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { fullTime } from '../state/format.js';
import type { BlacklistEntry, Conversation, Customer } from '../state/types.js';
import type { Permissions } from './inbox.js';
import { showError, showToast } from './toasts.js';

type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/** The form's fields (docs/inbox.md#customer-panel), by API key. */
const EDITABLE: [string, string, 'text' | 'email' | 'tel' | 'date' | 'gender'][] = [
  ['first_name', 'First name', 'text'],
  ['last_name', 'Last name', 'text'],
  ['phone_number', 'Phone number', 'tel'],
  ['email', 'Email', 'email'],
  ['date_of_birth', 'Date of birth', 'date'],
  ['gender', 'Gender', 'gender'],
  ['job', 'Job', 'text'],
  ['address', 'Address', 'text'],
  ['identity_number', 'Identity number', 'text'],
];

const SHOWN: [string, string][] = [
  ['phone_number', 'Phone'],
  ['email', 'Email'],
  ['country_name', 'Country'],
  ['job', 'Job'],
  ['address', 'Address'],
  ['date_of_birth', 'Date of birth'],
  ['gender', 'Gender'],
  ['identity_number', 'Identity number'],
  ['related_user', 'Assigned to'],
];

interface SentSuggestion {
  id: number;
  status: string;
  final_text: string | null;
  sent_at: string | null;
}

interface AgentRun {
  id: number;
  status: string;
  outcome: string | null;
  reason: string | null;
  started_at: string;
}

function fieldText(key: string, value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (key === 'date_of_birth') return String(value).slice(0, 10);
  if (typeof value === 'object') return 'name' in value ? String((value as { name: unknown }).name) : null;
  return String(value);
}

/** The form's value of a field: dates as YYYY-MM-DD, nulls as ''. */
function formValue(customer: Customer, key: string): string {
  return fieldText(key, customer[key]) ?? '';
}

/** The customer beside the thread (docs/inbox.md#customer-panel): details, editing, AI activity and blocks. */
export function CustomerPanel(props: { conversation: Conversation; permissions: Permissions | null; call: Call; onChanged: () => Promise<unknown> }) {
  const { conversation, call } = props;
  const can = (permission: string) => props.permissions?.has(permission) === true;
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [deleted, setDeleted] = useState(false);
  const [editing, setEditing] = useState(false);
  const [runs, setRuns] = useState<AgentRun[] | null>(null);
  const [blocks, setBlocks] = useState<BlacklistEntry[] | null>(null);
  const [sent, setSent] = useState<SentSuggestion[]>([]);
  const summary = conversation.customer;
  useEffect(() => {
    if (!can('customers.view')) return;
    call<{ data: Customer }>('GET', `/customers/${summary.id}`)
      .then((answer) => setCustomer(answer.data))
      .catch((error) => (error instanceof ApiError && error.status === 404 ? setDeleted(true) : showError(error)));
  }, [summary.id, summary.first_name, summary.last_name, summary.phone_number, props.permissions]);
  useEffect(() => {
    call<{ data: AgentRun[] }>('GET', `/conversations/${conversation.id}/agent-runs?per_page=10`)
      .then((answer) => setRuns(answer.data))
      .catch(() => setRuns([]));
    // Sent drafts with the text that went out (GET …/ai-suggestions, every status, newest first).
    call<{ data: SentSuggestion[] }>('GET', `/conversations/${conversation.id}/ai-suggestions?per_page=10`)
      .then((answer) => setSent(answer.data.filter((suggestion) => suggestion.status === 'sent')))
      .catch(() => setSent([]));
    if (can('blacklist.view')) {
      call<{ data: BlacklistEntry[] }>('GET', `/channel-blacklists?customer_id=${summary.id}`)
        .then((answer) => setBlocks(answer.data))
        .catch(() => setBlocks([]));
    }
  }, [conversation.id, conversation.blacklist?.id, conversation.agent_disabled, conversation.last_message_id, props.permissions]);

  return (
    <aside class="customer-panel" aria-label="Customer details">
      <h2>{conversation.display_name}</h2>
      {deleted ? <p class="note">This customer was deleted.</p> : null}
      {customer && editing ? (
        <CustomerForm
          customer={customer}
          call={call}
          onDone={async (saved) => {
            setEditing(false);
            if (saved) {
              setCustomer(saved);
              await props.onChanged();
            }
          }}
        />
      ) : (
        <>
          <dl>
            <div>
              <dt>Channel</dt>
              <dd>{conversation.channel.name}</dd>
            </div>
            <div>
              <dt>Address</dt>
              <dd>{conversation.address}</dd>
            </div>
            {customer
              ? SHOWN.map(([key, label]) => {
                  const value = fieldText(key, customer[key]);
                  return value ? (
                    <div key={key}>
                      <dt>{label}</dt>
                      <dd>{value}</dd>
                    </div>
                  ) : null;
                })
              : null}
          </dl>
          {customer ? <p class="note">Customer since {fullTime(customer.created_at)}</p> : null}
          {customer && can('customers.manage') ? (
            <button type="button" onClick={() => setEditing(true)}>
              Edit customer
            </button>
          ) : null}
        </>
      )}
      <h3>AI activity</h3>
      {runs?.length === 0 ? <p class="note">No AI runs yet.</p> : null}
      <ul class="panel-list">
        {runs?.map((run) => (
          <li key={run.id}>
            <time dateTime={run.started_at}>{fullTime(run.started_at)}</time> · {run.status}
            {run.outcome ? ` · ${run.outcome}` : ''}
            {run.reason ? <p class="note">{run.reason}</p> : null}
          </li>
        ))}
      </ul>
      {sent.length > 0 ? (
        <>
          <h3>Sent suggestions</h3>
          <ul class="panel-list">
            {sent.map((suggestion) => (
              <li key={suggestion.id}>
                {suggestion.sent_at ? <time dateTime={suggestion.sent_at}>{fullTime(suggestion.sent_at)}</time> : null}
                <p class="text">{suggestion.final_text}</p>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {blocks ? (
        <>
          <h3>Blocks</h3>
          {blocks.length === 0 ? <p class="note">Never blocked.</p> : null}
          <ul class="panel-list">
            {blocks.map((entry) => (
              <li key={entry.id}>
                {entry.channel.name}: {entry.reason_label} · {fullTime(entry.blocked_at)}
                {entry.remaining_time ? ` · ${entry.remaining_time} left` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </aside>
  );
}

/** "Edit customer": PUTs only the changed fields; a 422's messages show under their fields. */
function CustomerForm(props: { customer: Customer; call: Call; onDone: (saved: Customer | null) => Promise<void> }) {
  const initial = Object.fromEntries(EDITABLE.map(([key]) => [key, formValue(props.customer, key)]));
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);
  const save = async () => {
    const changed = Object.fromEntries(EDITABLE.filter(([key]) => values[key] !== initial[key]).map(([key]) => [key, values[key] === '' ? null : values[key]]));
    if (Object.keys(changed).length === 0) return props.onDone(null);
    setBusy(true);
    try {
      const answer = await props.call<{ data: Customer; success?: string }>('PUT', `/customers/${props.customer.id}`, changed);
      showToast('confirmation', answer.success ?? 'Customer updated.');
      await props.onDone(answer.data);
    } catch (error) {
      if (error instanceof ApiError) setErrors(error.fields);
      showError(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="dialog-form"
      // The API judges the fields and its messages show under them; the browser's own bubbles would hide those.
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      {EDITABLE.map(([key, label, type]) => (
        <label key={key}>
          {label}
          {type === 'gender' ? (
            <select value={values[key]} onChange={(event) => setValues({ ...values, [key]: (event.target as HTMLSelectElement).value })}>
              <option value="">Not set</option>
              <option value="female">Female</option>
              <option value="male">Male</option>
              <option value="other">Other</option>
            </select>
          ) : (
            <input
              // Preact types each input type apart; the union of four is one element here.
              type={type as 'text'}
              value={values[key]}
              aria-invalid={errors[key] ? 'true' : undefined}
              onInput={(event) => setValues({ ...values, [key]: (event.target as HTMLInputElement).value })}
            />
          )}
          {errors[key] ? <span class="field-error">{errors[key]![0]}</span> : null}
        </label>
      ))}
      <div class="dialog-actions">
        <button type="submit" class="primary" disabled={busy}>
          Save customer
        </button>
        <button type="button" onClick={() => void props.onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
