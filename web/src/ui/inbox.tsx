import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { signOut } from '../auth.js';
import { navigate, routePath, type Route } from '../route.js';
import { api, tokens } from '../session.js';
import { mergePage, nextConversation, nextUnread, unreadCount } from '../state/conversations.js';
import { applyEvent } from '../state/live.js';
import type { Conversation, InboxEvent, Page, Tenant } from '../state/types.js';
import { LiveStream, type LiveStatus } from '../live-stream.js';
import { NOTIFY_KEY, NotificationThrottle, notificationText } from '../state/notify.js';
import type { Message } from '../state/types.js';
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

/** While the stream is down, the first list page and the open thread are refetched every 30 s. */
const POLL_MS = 30_000;

export type EventListener = (event: InboxEvent | 'reload') => void;
export type Subscribe = (listener: EventListener) => () => void;

export function Inbox(props: { tenant: Tenant; tenants: Tenant[]; route: Route; onAccessChanged: () => void }) {
  const { tenant, route } = props;
  const [permissions, setPermissions] = useState<Permissions | null>(null);
  const [channels, setChannels] = useState<Map<number, ChannelInfo> | null>(null);
  const [rows, setRows] = useState<Conversation[]>([]);
  const [nextPage, setNextPage] = useState<number | null>(1);
  const [loading, setLoading] = useState(true);
  const [shortcutsOpen, setShortcutsOpen] = useState(false);
  const [threadVersion, setThreadVersion] = useState(0);
  const [status, setStatus] = useState<LiveStatus>('Reconnecting…');
  const [staleSearch, setStaleSearch] = useState(false);
  const listeners = useRef(new Set<EventListener>());
  const subscribe = useCallback<Subscribe>((listener) => {
    listeners.current.add(listener);
    return () => void listeners.current.delete(listener);
  }, []);
  const [notify, setNotify] = useState(
    () => localStorage.getItem(NOTIFY_KEY) === 'on' && typeof Notification !== 'undefined' && Notification.permission === 'granted',
  );
  const notifyRef = useRef(notify);
  notifyRef.current = notify;
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const throttle = useRef(new NotificationThrottle());
  const filters = useRef({ search: route.search, channelType: route.channelType });
  filters.current = { search: route.search, channelType: route.channelType };

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

  useEffect(() => {
    void loadRoles();
    api.onForbidden = () => void loadRoles();
    return () => {
      api.onForbidden = () => undefined;
    };
  }, [loadRoles]);
  useEffect(() => {
    setStaleSearch(false);
    void loadPage(1, true);
  }, [loadPage]);
  // Live updates (docs/inbox.md#live-updates): list rows here, the open thread through `subscribe`.
  useEffect(() => {
    const stream = new LiveStream(api, tenant.id, {
      onReady: () => undefined,
      onStatus: setStatus,
      // Membership or conversations.view lost: the tenants and the roles are read again.
      onAccessRevoked: () => {
        props.onAccessChanged();
        void loadRoles();
      },
      onReset: () => {
        void loadPage(1, false);
        for (const listener of listeners.current) listener('reload');
      },
      onEvent: (event) => {
        setRows((current) => {
          const next = applyEvent({ rows: current, staleSearch: false, open: null, messages: [], suggestion: null }, event, filters.current);
          if (next.staleSearch) setStaleSearch(true);
          return next.rows;
        });
        for (const listener of listeners.current) listener(event);
        if (notifyRef.current && event.type === 'message.created') notifyOf(event.data as Message);
      },
    });
    /** A customer's message while the tab is hidden (docs/inbox.md#live-updates); a click opens its conversation. */
    const notifyOf = (message: Message) => {
      if (!message.is_customer || document.visibilityState !== 'hidden' || !throttle.current.allow(message.conversation_id, Date.now())) return;
      const row = rowsRef.current.find((item) => item.id === message.conversation_id);
      const notification = new Notification(notificationText(row?.display_name ?? 'New message', message));
      notification.onclick = () => {
        window.focus();
        navigate(routePath({ tenantId: tenant.id, conversationId: message.conversation_id, search: '', channelType: '' }));
      };
    };
    stream.start();
    return () => stream.stop();
  }, [tenant.id]);
  useEffect(() => {
    if (status === 'Connected') return;
    const timer = setInterval(() => {
      if (document.visibilityState !== 'visible') return;
      void loadPage(1, false);
      for (const listener of listeners.current) listener('reload');
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [loadPage, status]);

  const unreadRows = rows.filter((row) => unreadCount(row) > 0).length;
  useEffect(() => {
    document.title = `${unreadRows > 0 ? `(${unreadRows}) ` : ''}Inbox · ${tenant.name}`;
  }, [unreadRows, tenant.name]);

  const toggleNotifications = async () => {
    if (notify || typeof Notification === 'undefined') {
      localStorage.removeItem(NOTIFY_KEY);
      return setNotify(false);
    }
    const permission = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
    if (permission !== 'granted') return showError(new Error('The browser did not allow notifications.'));
    localStorage.setItem(NOTIFY_KEY, 'on');
    setNotify(true);
  };
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
          {status}
        </span>
        <MenuButton
          label="Account"
          items={[
            { label: 'Keyboard shortcuts', onSelect: () => setShortcutsOpen(true) },
            { label: 'Desktop notifications', checked: notify, onSelect: () => void toggleNotifications() },
            { label: 'Sign out', onSelect: () => void signOut(tokens) },
          ]}
        />
      </header>
      <ConversationList
        rows={rows}
        route={route}
        loading={loading}
        hasMore={nextPage !== null}
        staleSearch={staleSearch}
        onRefresh={() => {
          setStaleSearch(false);
          void loadPage(1, true);
        }}
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
        subscribe={subscribe}
      />
      {shortcutsOpen ? <ShortcutsDialog onClose={() => setShortcutsOpen(false)} /> : null}
    </div>
  );
}
