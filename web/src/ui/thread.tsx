import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { api } from '../session.js';
import { mergeMessages, newerCustomerMessage, visiblePending, type PendingSend } from '../state/messages.js';
import type { Conversation, Message, Page, Suggestion } from '../state/types.js';
import { AgentControl } from './agent-control.js';
import { BlockControls } from './block-controls.js';
import { Composer, type ReplyWindow } from './composer.js';
import { CustomerPanel } from './customer-panel.js';
import type { ChannelInfo, Permissions, Subscribe } from './inbox.js';
import { useLinkRefresh, useMarkRead, useSupersededDraft, useThreadEvents } from './thread-live.js';
import { MessageList } from './message-list.js';
import { SuggestionPanel } from './suggestion.js';
import { ThreadSkeleton } from './skeletons.js';
import { showError } from './toasts.js';

interface ThreadProps {
  tenantId: number;
  conversationId: number | null;
  summary: Conversation | null;
  permissions: Permissions | null;
  channels: Map<number, ChannelInfo> | null;
  onConversation: (conversation: Conversation) => void;
  onBack: () => void;
  onReload: () => void;
  subscribe: Subscribe;
}

/** The thread pane (docs/inbox.md#thread): header controls, the message log, the suggestion and the composer. */
export function Thread(props: ThreadProps) {
  const { tenantId, conversationId } = props;
  const [conversation, setConversation] = useState<Conversation | null>(props.summary);
  const [messages, setMessages] = useState<Message[]>([]);
  const [olderPage, setOlderPage] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [notFound, setNotFound] = useState<string | null>(null);
  const [suggestion, setSuggestion] = useState<Suggestion | null>(null);
  const [replyWindow, setReplyWindow] = useState<ReplyWindow | null>(null);
  const [pending, setPending] = useState<PendingSend[]>([]);
  const [quoted, setQuoted] = useState<Message | null>(null);
  const [editingSuggestion, setEditingSuggestion] = useState<{ id: number; text: string } | null>(null);
  const [takeOver, setTakeOver] = useState(false);
  const [panelOpen, setPanelOpen] = useState(() => window.matchMedia?.('(min-width: 1200px)').matches ?? false);
  const log = useRef<HTMLDivElement>(null);
  const nearBottom = useRef(true);
  const [unseen, setUnseen] = useState(0);
  const latestConversation = useRef(conversation);
  latestConversation.current = conversation;
  const call = useCallback(<T,>(method: string, path: string, body?: unknown) => api.request<T>(method, path, { tenant: tenantId, body }), [tenantId]);
  const can = (permission: string) => props.permissions?.has(permission) === true;

  const refreshConversation = useCallback(async () => {
    if (conversationId === null) return;
    const answer = await call<{ data: Conversation }>('GET', `/conversations/${conversationId}`);
    setConversation(answer.data);
    props.onConversation(answer.data);
    return answer.data;
  }, [conversationId, call]);

  const loadMessages = useCallback(
    async (page: number) => {
      const answer = await call<Page<Message>>('GET', `/conversations/${conversationId}/messages?per_page=50&page=${page}`);
      setMessages((current) => mergeMessages(current, answer.data));
      if (page === 1 ? olderPage === null : true) setOlderPage(answer.links.next ? page + 1 : null);
    },
    [conversationId, call, olderPage],
  );

  const loadSuggestion = useCallback(async () => {
    try {
      setSuggestion((await call<{ data: Suggestion }>('GET', `/conversations/${conversationId}/ai-suggestion`)).data);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) setSuggestion(null);
      else throw error;
    }
  }, [conversationId, call]);

  const loadReplyWindow = useCallback(
    async (type: string) => {
      if (type !== 'whatsapp' && type !== 'instagram') return setReplyWindow(null);
      setReplyWindow((await call<{ data: ReplyWindow }>('GET', `/conversations/${conversationId}/reply-window`)).data);
    },
    [conversationId, call],
  );

  useEffect(() => {
    if (conversationId === null) return;
    setLoading(true);
    // Each part loads on its own: the messages never wait for the suggestion or the panel.
    Promise.all([
      refreshConversation().then((loaded) => loaded && loadReplyWindow(loaded.channel.type)),
      call<Page<Message>>('GET', `/conversations/${conversationId}/messages?per_page=50`).then((answer) => {
        setMessages(mergeMessages([], answer.data));
        setOlderPage(answer.links.next ? 2 : null);
      }),
      loadSuggestion(),
    ])
      .catch((error) => {
        if (error instanceof ApiError && error.status === 404) setNotFound(error.message);
        else showError(error);
      })
      .finally(() => setLoading(false));
  }, [conversationId]);

  useThreadEvents(conversationId, props.subscribe, {
    setConversation,
    setMessages,
    setSuggestion,
    reload: () => void Promise.all([loadMessages(1), refreshConversation(), loadSuggestion()]).catch(showError),
    onCustomerMessage: () => {
      const channelType = latestConversation.current?.channel.type;
      if (channelType) void loadReplyWindow(channelType).catch(showError);
    },
    onNewMessage: () => {
      if (!nearBottom.current) setUnseen((count) => count + 1);
    },
  });
  useMarkRead(conversation, can('conversations.reply'), () => call('POST', `/conversations/${conversation!.id}/read`).then(refreshConversation));

  useLinkRefresh(messages, () => loadMessages(1));
  useSupersededDraft(suggestion, editingSuggestion, () => setEditingSuggestion(null));

  // Opened at the end; a new message scrolls into view only when the reader is near the bottom.
  useLayoutEffect(() => {
    const element = log.current;
    if (element && nearBottom.current) element.scrollTop = element.scrollHeight;
  }, [messages, pending]);

  const loadOlder = async () => {
    const element = log.current;
    const before = element?.scrollHeight ?? 0;
    if (olderPage === null) return;
    await loadMessages(olderPage).catch(showError);
    if (element) element.scrollTop += element.scrollHeight - before;
  };

  /** After a send: the stored message comes from page 1 (while there is no live stream) and the header follows. */
  const afterSend = async (messageId: number) => {
    setPending((current) => current.map((send) => (send.messageId === null ? { ...send, messageId } : send)));
    await Promise.all([loadMessages(1), refreshConversation()]).catch(showError);
  };

  if (conversationId === null) {
    return (
      <main class="thread-pane empty-thread" aria-label="Conversation">
        <p>Select a conversation.</p>
      </main>
    );
  }
  if (notFound) {
    return (
      <main class="thread-pane" aria-label="Conversation">
        <BackButton onBack={props.onBack} />
        <p class="empty">{notFound}</p>
      </main>
    );
  }
  const name = conversation?.display_name ?? 'Conversation';
  const channel = conversation ? props.channels?.get(conversation.channel.id) : undefined;
  const shown = visiblePending(pending, messages);
  return (
    <>
      <main class={`thread-pane${panelOpen ? ' with-panel' : ''}`} aria-labelledby="thread-title">
        <header class="thread-head">
          <BackButton onBack={props.onBack} />
          <h2 id="thread-title">{name}</h2>
          <div class="thread-controls">
            {conversation ? (
              <AgentControl
                conversation={conversation}
                channel={channel}
                canManage={can('conversations.manage_agent')}
                call={call}
                onChanged={refreshConversation}
              />
            ) : null}
            {conversation && props.permissions ? (
              <BlockControls
                conversation={conversation}
                canManage={can('blacklist.manage')}
                canView={can('blacklist.view')}
                call={call}
                onChanged={refreshConversation}
              />
            ) : null}
            <button type="button" aria-expanded={panelOpen} onClick={() => setPanelOpen(!panelOpen)}>
              Customer details
            </button>
          </div>
        </header>
        <div
          class="log-scroll"
          ref={log}
          aria-busy={loading ? 'true' : undefined}
          onScroll={(event) => {
            const element = event.currentTarget;
            nearBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 100;
            if (nearBottom.current) setUnseen(0);
          }}
        >
          {loading && messages.length === 0 ? <ThreadSkeleton /> : null}
          {loading && messages.length > 0 ? (
            <p class="visually-hidden" role="status">
              Loading messages…
            </p>
          ) : null}
          {olderPage !== null ? (
            <button type="button" class="older" onClick={() => void loadOlder()}>
              Load older messages
            </button>
          ) : null}
          <MessageList
            messages={messages}
            pending={shown}
            displayName={name}
            channelName={conversation?.channel.name ?? ''}
            actions={{
              canReply: can('conversations.reply'),
              onReply: setQuoted,
              call,
              onChanged: async (changed) => {
                if (changed) setMessages((current) => mergeMessages(current, [changed]));
                await Promise.all([loadMessages(1), refreshConversation()]).catch(showError);
              },
            }}
          />
        </div>
        {unseen > 0 ? (
          <button
            type="button"
            class="jump"
            onClick={() => {
              const element = log.current;
              if (element) element.scrollTop = element.scrollHeight;
              nearBottom.current = true;
              setUnseen(0);
            }}
          >
            Jump to newest messages <span aria-hidden="true">({unseen})</span>
          </button>
        ) : null}
        {suggestion ? (
          <SuggestionPanel
            suggestion={suggestion}
            newMessages={suggestion.has_new_messages || newerCustomerMessage(messages, suggestion.trigger_chat_log_ids)}
            canSend={can('conversations.reply')}
            editing={editingSuggestion?.id === suggestion.id}
            takeOver={takeOver}
            onTakeOver={setTakeOver}
            canTakeOver={can('conversations.manage_agent')}
            onEdit={() => setEditingSuggestion({ id: suggestion.id, text: suggestion.original_text })}
            call={call}
            onSent={async (messageId) => {
              setSuggestion(null);
              await afterSend(messageId);
              await loadSuggestion().catch(showError);
            }}
            onMissing={() => void loadSuggestion().catch(showError)}
          />
        ) : null}
        {conversation && can('conversations.reply') ? (
          <Composer
            key={conversation.id}
            tenantId={tenantId}
            conversation={conversation}
            channelActive={channel?.is_active ?? true}
            replyWindow={replyWindow}
            quoted={quoted}
            onCancelQuote={() => setQuoted(null)}
            suggestion={suggestion && editingSuggestion?.id === suggestion.id ? { ...editingSuggestion, takeOver } : null}
            onStopSuggestion={() => setEditingSuggestion(null)}
            call={call}
            onSending={(send) => setPending((current) => [...current, send])}
            onFailed={(key) => setPending((current) => current.filter((send) => send.key !== key))}
            onSent={async (messageId, viaSuggestion) => {
              setQuoted(null);
              if (viaSuggestion) {
                setEditingSuggestion(null);
                setSuggestion(null);
              }
              await afterSend(messageId);
              if (viaSuggestion) await loadSuggestion().catch(showError);
            }}
            onSuggestionMissing={() => {
              setEditingSuggestion(null);
              void loadSuggestion().catch(showError);
            }}
          />
        ) : conversation && props.permissions ? (
          <p class="read-only">You have read-only access to this conversation.</p>
        ) : null}
      </main>
      {panelOpen && conversation ? (
        <CustomerPanel conversation={conversation} permissions={props.permissions} call={call} onChanged={refreshConversation} />
      ) : null}
    </>
  );
}

function BackButton(props: { onBack: () => void }) {
  return (
    <button type="button" class="back" onClick={props.onBack}>
      Back to conversations
    </button>
  );
}
