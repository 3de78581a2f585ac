import { useEffect, useRef, useState } from 'preact/hooks';
import { routePath, type Route } from '../route.js';
import { lastMessagePreview, fullTime, initials, rowDescription, shortTime, unreadBadge } from '../state/format.js';
import { unreadCount } from '../state/conversations.js';
import type { Conversation } from '../state/types.js';
import { navigate } from '../route.js';
import { Icon } from './icons.js';
import { ListSkeleton } from './skeletons.js';

const CHANNELS: [string, string][] = [
  ['', 'All channels'],
  ['whatsapp', 'WhatsApp'],
  ['instagram', 'Instagram'],
  ['telegram', 'Telegram'],
  ['website', 'Website'],
];

interface ListProps {
  rows: Conversation[];
  route: Route;
  loading: boolean;
  hasMore: boolean;
  onMore: () => void;
  onFilter: (change: Partial<Route>) => void;
  staleSearch: boolean;
  onRefresh: () => void;
}

/** The conversation list (docs/inbox.md#conversation-list): search, channel filter, rows, paging. */
export function ConversationList(props: ListProps) {
  const { rows, route } = props;
  const [search, setSearch] = useState(route.search);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => setSearch(route.search), [route.search]);

  const apply = (value: string) => {
    clearTimeout(timer.current);
    if (value !== route.search) props.onFilter({ search: value });
  };
  // The next page loads when the end of the list comes near.
  useEffect(() => {
    const target = end.current;
    if (!target || !props.hasMore || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((entries) => entries.some((entry) => entry.isIntersecting) && !props.loading && props.onMore());
    observer.observe(target);
    return () => observer.disconnect();
  }, [props.hasMore, props.loading, props.onMore]);

  const now = Date.now();
  const empty = route.search || route.channelType ? 'No conversations match your search.' : 'No conversations yet.';
  return (
    <nav class="list-pane" aria-label="Conversation list">
      <div class="filters">
        <input
          id="search"
          type="search"
          aria-label="Search conversations"
          placeholder="Search"
          maxLength={255}
          value={search}
          onInput={(event) => {
            const value = (event.target as HTMLInputElement).value;
            setSearch(value);
            clearTimeout(timer.current);
            timer.current = setTimeout(() => apply(value), 300);
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter') apply(search);
            if (event.key === 'Escape') {
              setSearch('');
              apply('');
              (event.target as HTMLInputElement).blur();
            }
          }}
        />
        <select aria-label="Channel" value={route.channelType} onChange={(event) => props.onFilter({ channelType: (event.target as HTMLSelectElement).value })}>
          {CHANNELS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div class="list-scroll" aria-busy={props.loading && rows.length === 0 ? 'true' : undefined}>
        {props.loading && rows.length === 0 ? <ListSkeleton /> : null}
        {props.staleSearch ? (
          <button type="button" class="more" onClick={props.onRefresh}>
            New activity — refresh
          </button>
        ) : null}
        {!props.loading && rows.length === 0 ? <p class="empty">{empty}</p> : null}
        <ul class="rows" aria-label="Conversations">
          {rows.map((row) => (
            <Row key={row.id} row={row} route={route} now={now} />
          ))}
        </ul>
        <div ref={end} />
        {props.hasMore && rows.length > 0 ? (
          <button type="button" class="more" disabled={props.loading} onClick={props.onMore}>
            Load more conversations
          </button>
        ) : null}
      </div>
    </nav>
  );
}

function Row(props: { row: Conversation; route: Route; now: number }) {
  const { row, route } = props;
  const unread = unreadCount(row);
  const href = routePath({ ...route, conversationId: row.id });
  const descriptionId = `row-${row.id}-description`;
  return (
    <li class={`row${unread > 0 ? ' unread' : ''}`}>
      <a
        href={href}
        aria-current={route.conversationId === row.id ? 'page' : undefined}
        aria-describedby={descriptionId}
        onClick={(event) => {
          event.preventDefault();
          navigate(href);
        }}
      >
        <span class="avatar" aria-hidden="true">
          {row.customer.avatar_url ? <img src={row.customer.avatar_url} alt="" /> : initials(row.display_name)}
        </span>
        <span class="row-main">
          <span class="row-top">
            <span class="row-name">{row.display_name}</span>
            {row.last_message_at ? (
              <time class="row-time" aria-hidden="true" title={fullTime(row.last_message_at)} dateTime={row.last_message_at}>
                {shortTime(row.last_message_at, props.now)}
              </time>
            ) : null}
          </span>
          <span class="row-bottom" aria-hidden="true">
            <Icon name={row.channel.type} />
            <span class="row-channel">{row.channel.name}</span>
            {row.last_message_is_customer === false ? <Icon name="outgoing" /> : null}
            <span class="row-preview">{lastMessagePreview(row)}</span>
            {row.agent_disabled ? <Icon name="paused" /> : null}
            {row.blacklist ? <Icon name="blocked" /> : null}
            {unread > 0 ? <span class="badge">{unreadBadge(unread)}</span> : null}
          </span>
        </span>
      </a>
      <span id={descriptionId} hidden>
        {rowDescription(row)}
      </span>
    </li>
  );
}
