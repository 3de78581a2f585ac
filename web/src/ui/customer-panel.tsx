import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { fullTime } from '../state/format.js';
import type { Conversation, Customer } from '../state/types.js';
import type { Permissions } from './inbox.js';
import { showError } from './toasts.js';

type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

const FIELDS: [string, string][] = [
  ['phone_number', 'Phone'],
  ['email', 'Email'],
  ['country', 'Country'],
  ['job', 'Job'],
  ['address', 'Address'],
  ['date_of_birth', 'Date of birth'],
  ['gender', 'Gender'],
  ['identity_number', 'Identity number'],
];

function fieldText(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'object') return 'name' in value ? String((value as { name: unknown }).name) : null;
  return String(value);
}

/** The customer beside the thread (docs/inbox.md#customer-panel); read-only in this version. */
export function CustomerPanel(props: { conversation: Conversation; permissions: Permissions | null; call: Call }) {
  const { conversation } = props;
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [deleted, setDeleted] = useState(false);
  const canView = props.permissions?.has('customers.view') === true;
  useEffect(() => {
    if (!canView) return;
    props
      .call<{ data: Customer }>('GET', `/customers/${conversation.customer.id}`)
      .then((answer) => setCustomer(answer.data))
      .catch((error) => (error instanceof ApiError && error.status === 404 ? setDeleted(true) : showError(error)));
  }, [conversation.customer.id, canView]);
  return (
    <aside class="customer-panel" aria-label="Customer details">
      <h2>{conversation.display_name}</h2>
      {deleted ? <p class="note">This customer was deleted.</p> : null}
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
          ? FIELDS.map(([key, label]) => {
              const value = fieldText(customer[key]);
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
      {conversation.blacklist ? <p class="note">Blocked: {conversation.blacklist.reason_label}</p> : null}
    </aside>
  );
}
