import { useEffect, useRef } from 'preact/hooks';
import type { Dispatch, StateUpdater } from 'preact/hooks';
import { applyEvent, type LiveState } from '../state/live.js';
import { refetchLinksAt } from '../state/notify.js';
import { api } from '../session.js';
import type { Conversation, Message, Suggestion } from '../state/types.js';
import type { Subscribe } from './inbox.js';
import { showError, showToast } from './toasts.js';

const NO_FILTERS = { search: '', channelType: '' };
const BASE: LiveState = { rows: [], staleSearch: false, open: null, messages: [], suggestion: null };

interface ThreadSetters {
  setConversation: Dispatch<StateUpdater<Conversation | null>>;
  setMessages: Dispatch<StateUpdater<Message[]>>;
  setSuggestion: Dispatch<StateUpdater<Suggestion | null>>;
  /** A `reset` of the stream, or a refetch while it is down. */
  reload: () => void;
  onCustomerMessage: () => void;
  onNewMessage: () => void;
}

/**
 * The open thread's live events (docs/inbox.md#live-updates): header, messages and suggestion, each merged with the
 * unit-tested applyEvent, through functional updates so two events of one tick both apply.
 */
export function useThreadEvents(conversationId: number | null, subscribe: Subscribe, setters: ThreadSetters): void {
  const latest = useRef(setters);
  latest.current = setters;
  useEffect(() => {
    if (conversationId === null) return;
    const self = { id: conversationId } as Conversation;
    return subscribe((event) => {
      const on = latest.current;
      if (event === 'reload') return on.reload();
      on.setConversation((current) => (current ? applyEvent({ ...BASE, open: current }, event, NO_FILTERS).open : current));
      on.setMessages((current) => applyEvent({ ...BASE, open: self, messages: current }, event, NO_FILTERS).messages);
      on.setSuggestion((current) => applyEvent({ ...BASE, open: self, suggestion: current }, event, NO_FILTERS).suggestion);
      const message = event.data as Partial<Message>;
      if (event.type === 'message.created' && message.conversation_id === conversationId) {
        on.onNewMessage();
        if (message.is_customer) on.onCustomerMessage();
      }
    });
  }, [conversationId, subscribe]);
}

/**
 * Marks the open conversation read while it is open in a visible, focused tab and has unread messages
 * (docs/inbox.md#marking-read): at most once per 2 s; customer messages arriving meanwhile are read by the next call.
 */
export function useMarkRead(conversation: Conversation | null, allowed: boolean, markRead: () => Promise<unknown>): void {
  const lastRead = useRef(0);
  const unread = Number(conversation?.unread_count ?? 0);
  useEffect(() => {
    if (!conversation || unread === 0 || !allowed) return;
    if (document.visibilityState !== 'visible' || !document.hasFocus()) return;
    const wait = Math.max(0, lastRead.current + 2000 - Date.now());
    const timer = setTimeout(() => {
      lastRead.current = Date.now();
      void markRead().catch(showError);
    }, wait);
    return () => clearTimeout(timer);
  }, [conversation?.id, unread, allowed]);
}

/**
 * Signed file links expire (docs/inbox.md#messages): the newest page is refetched 60 s before its first link does, at
 * most every 30 s (a very short FILE_URL_TTL_SECONDS must not make a loop).
 */
export function useLinkRefresh(messages: Message[], reload: () => Promise<unknown>): void {
  useEffect(() => {
    const at = refetchLinksAt(messages.flatMap((message) => (message.file ? [message.file.temporary_url] : [])));
    if (at === null) return;
    const timer = setTimeout(() => void reload().catch(showError), Math.min(2_147_000_000, Math.max(30_000, at - api.now())));
    return () => clearTimeout(timer);
  }, [messages]);
}

/**
 * The draft being edited was replaced (a newer one, or sent by someone else): the composer keeps its text and leaves
 * suggestion mode, so Send is an ordinary message (docs/inbox.md#suggestions).
 */
export function useSupersededDraft(suggestion: Suggestion | null, editing: { id: number } | null, stopEditing: () => void): void {
  useEffect(() => {
    if (!editing || suggestion?.id === editing.id) return;
    stopEditing();
    if (suggestion) showToast('confirmation', 'A newer suggestion replaced the one you were editing.');
  }, [suggestion?.id]);
}
