import { applyConversation, displayNameOf, type ListFilters } from './conversations.js';
import { mergeMessages } from './messages.js';
import type { Conversation, Customer, InboxEvent, Message, Suggestion } from './types.js';

/** What live events change: the loaded list, and the open thread with its header and suggestion. */
export interface LiveState {
  rows: Conversation[];
  staleSearch: boolean;
  open: Conversation | null;
  messages: Message[];
  suggestion: Suggestion | null;
}

/**
 * Applies one event of the stream (in id order) to the state, returning a new state (docs/inbox.md#live-updates).
 * Events carry whole resources, so applying them in order converges on the newest state; unknown types are ignored.
 */
export function applyEvent(state: LiveState, event: InboxEvent, filters: ListFilters): LiveState {
  switch (event.type) {
    case 'conversation.created':
    case 'conversation.updated': {
      const conversation = event.data as Conversation;
      const list = applyConversation(state.rows, conversation, filters);
      const open = state.open?.id === conversation.id ? conversation : state.open;
      return { ...state, rows: list.rows, staleSearch: state.staleSearch || list.staleSearch, open };
    }
    case 'message.created':
    case 'message.updated':
    case 'message.delivery_status_changed': {
      const message = event.data as Message;
      if (state.open?.id !== message.conversation_id) return state;
      return { ...state, messages: mergeMessages(state.messages, [message]) };
    }
    case 'ai_suggestion.created':
    case 'ai_suggestion.updated': {
      const suggestion = event.data as Suggestion;
      if (state.open?.id !== suggestion.conversation_id) return state;
      if (suggestion.status === 'pending') return { ...state, suggestion };
      return state.suggestion?.id === suggestion.id ? { ...state, suggestion: null } : state;
    }
    case 'customer.updated': {
      const customer = event.data as Customer;
      const patch = (row: Conversation): Conversation =>
        row.customer.id === customer.id
          ? {
              ...row,
              display_name: displayNameOf(customer, row.address),
              customer: { ...row.customer, first_name: customer.first_name, last_name: customer.last_name, phone_number: customer.phone_number },
            }
          : row;
      return { ...state, rows: state.rows.map(patch), open: state.open ? patch(state.open) : null };
    }
    default:
      return state;
  }
}
