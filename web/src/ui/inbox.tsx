import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { signOut } from '../auth.js';
import { navigate, routePath, type Route } from '../route.js';
import { api, tokens } from '../session.js';
import { mergePage, nextConversation, nextUnread, unreadCount } from '../state/conversations.js';
import type { Conversation, Page, Tenant } from '../state/types.js';
import { ConversationList } from './conversation-list.js';
import { MenuButton } from './menu.js';
import { ShortcutsDialog, useShortcuts } from './shortcuts.js';
import { Thread } from './thread.js';
import { showError } from './toasts.js';

export interface ChannelInfo {
  id: number;
  is_active: boolean;
  settings: { agent_mode?: string };
}

/** What the member may do here (GET /account/roles); controls they may not use are not shown. */
export type Permissions = ReadonlySet<string>;

/** Fallback while live updates are not wired: the first page and the open thread are refetched every 30 s. */
const POLL_MS = 30_000;

export function Inbox(props: { tenant: Tenant; tenants: Tenant[]; route: Route }) {
  const { tenant, route } = props;
  const [permissions, setPermissions] = useState<Permissions | null>(null);
  const [channels, setChannels] = useState<Map<number, ChannelInfo> | null>(null);
  const [rows, setRows] = useState<Conversation[]>([]);
  const [nextPage, setNextPage] = useState<number | null>(1);
  const [loading, setLoading] = useState(true);
  const [shortcutsOpen, setShortcutsOpen] = useState(false);
  const [threadVersion, setThreadVersion] = useState(0);

  const loadRoles = useCallback(async () => {
    try {
      const answer = await api.request<{ data: { permissions: string[] } }>('GET', '/account/roles', { tenant: tenant.id });
      const granted = new Set(answer.data.permissions);
      setPermissions(granted);
      if (granted.has('channels.view')) {
        const list = await api.request<Page<ChannelInfo>>('GET', '/channels?per_page=100', { tenant: tenant.id });
        setChannels(new Map(list.data.map((channel) => [channel.id, channel])));
      }
    } catch (error) {
      showError(error);
    }
  }, [tenant.id]);

  const loadPage = useCallback(
    async (page: number, replace: boolean) => {
      setLoading(true);
      try {
        const query = new URLSearchParams({ per_page: '25', page: String(page) });
        if (route.search) query.set('search', route.search);
        if (route.channelType) query.set('channel_type', route.channelType);
        const answer = await api.request<Page<Conversation>>('GET', `/conversations?${query.toString()}`, { tenant: tenant.id });
        setRows((current) => mergePage(replace ? [] : current, answer.data));
        setNextPage(answer.links.next ? page + 1 : null);
      } catch (error) {
        showError(error);
      } finally {
        setLoading(false);
      }
    },
    [tenant.id, route.search, route.channelType],
  );

  useEffect(() => void loadRoles(), [loadRoles]);
  useEffect(() => void loadPage(1, true), [loadPage]);
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void loadPage(1, false);
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [loadPage]);

  const unreadRows = rows.filter((row) => unreadCount(row) > 0).length;
  useEffect(() => {
    document.title = `${unreadRows > 0 ? `(${unreadRows}) ` : ''}Inbox · ${tenant.name}`;
  }, [unreadRows, tenant.name]);

  const go = (change: Partial<Route>, replace = false) => navigate(routePath({ ...route, ...change }), replace);
  const open = (conversation: Conversation | null) => {
    if (conversation) go({ conversationId: conversation.id });
  };
  const patchRow = useCallback((conversation: Conversation) => setRows((current) => mergePage(current, [conversation])), []);

  useShortcuts({
    next: () => open(nextConversation(rows, route.conversationId, 1)),
    previous: () => open(nextConversation(rows, route.conversationId, -1)),
    done: async () => {
      const openId = route.conversationId;
      const current = rows.find((row) => row.id === openId);
      if (current && unreadCount(current) > 0 && permissions?.has('conversations.reply')) {
        await api.request('POST', `/conversations/${current.id}/read`, { tenant: tenant.id }).catch(showError);
        patchRow({ ...current, unread_count: '0' });
      }
      open(nextUnread(rows, openId));
    },
    help: () => setShortcutsOpen(true),
  });

  const openRow = useMemo(() => rows.find((row) => row.id === route.conversationId) ?? null, [rows, route.conversationId]);

  return (
    <div class={`inbox ${route.conversationId !== null ? 'thread-open' : 'list-open'}`}>
      <header class="top-bar" role="banner">
        <h1>Inbox</h1>
        {props.tenants.length > 1 ? (
          <label class="tenant-switch">
            <span class="visually-hidden">Organisation</span>
            <select aria-label="Organisation" value={String(tenant.id)} onChange={(event) => navigate(`/app/t/${(event.target as HTMLSelectElement).value}`)}>
              {props.tenants.map((item) => (
                <option key={item.id} value={String(item.id)}>
                  {item.name}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <span class="tenant-name">{tenant.name}</span>
        )}
        <span class="live-status" role="status" aria-label="Live updates">
          Refreshes every 30 s
        </span>
        <MenuButton
          label="Account"
          items={[
            { label: 'Keyboard shortcuts', onSelect: () => setShortcutsOpen(true) },
            { label: 'Sign out', onSelect: () => void signOut(tokens) },
          ]}
        />
      </header>
      <ConversationList
        rows={rows}
        route={route}
        loading={loading}
        hasMore={nextPage !== null}
        onMore={() => nextPage !== null && void loadPage(nextPage, false)}
        onFilter={(change) => go({ ...change, conversationId: route.conversationId }, true)}
      />
      <Thread
        key={`${route.conversationId}-${threadVersion}`}
        tenantId={tenant.id}
        conversationId={route.conversationId}
        summary={openRow}
        permissions={permissions}
        channels={channels}
        onConversation={patchRow}
        onBack={() => go({ conversationId: null })}
        onReload={() => setThreadVersion((version) => version + 1)}
      />
      {shortcutsOpen ? <ShortcutsDialog onClose={() => setShortcutsOpen(false)} /> : null}
    </div>
  );
}
