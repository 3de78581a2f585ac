/** The API shapes the inbox reads (docs/inbox.md); only the keys it uses. */

export interface ChannelSummary {
  id: number;
  name: string;
  type: 'whatsapp' | 'instagram' | 'website' | 'telegram';
  address: string;
}

export interface BlacklistEntry {
  id: number;
  reason: string;
  reason_label: string;
  note: string | null;
  blocked_at: string;
  expires_at: string | null;
  is_permanent: boolean;
  remaining_time: string | null;
  channel: { id: number; name: string };
  customer: { id: number };
}

export interface Conversation {
  id: number;
  display_name: string;
  address: string;
  last_message_id: string | null;
  last_message: string | null;
  last_message_at: string | null;
  last_message_type: string | null;
  last_message_is_customer: boolean | null;
  unread_count: string;
  agent_disabled: boolean;
  agent_expires_at: string | null;
  agent_disabled_by_user_name: string | null;
  customer: { id: number; first_name: string | null; last_name: string | null; phone_number: string | null; avatar_url: string | null };
  channel: ChannelSummary;
  blacklist: BlacklistEntry | null;
}

export interface FileResource {
  id: number;
  name: string;
  type: string;
  mime_type: string;
  size: number;
  formatted_size: string;
  temporary_url: string;
}

export interface Message {
  id: number;
  conversation_id: number;
  user_id: number | null;
  user_name: string | null;
  is_customer: boolean;
  message_type: string;
  message: string | null;
  quoted_text: string | null;
  is_deleted: boolean;
  is_edited: boolean;
  edited_by_user_name: string | null;
  deleted_by_user_name: string | null;
  read_at: string | null;
  metadata: string | null;
  created_at: string;
  file: FileResource | null;
}

export interface Suggestion {
  id: number;
  conversation_id: number;
  original_text: string;
  status: 'pending' | 'sent' | 'superseded';
  pending_actions: { type: string; reason?: string }[];
  trigger_chat_log_ids: number[];
  has_new_messages: boolean;
}

export interface Tenant {
  id: number;
  name: string;
  roles: string[];
}

export interface Customer {
  id: number;
  first_name: string | null;
  last_name: string | null;
  phone_number: string | null;
  email: string | null;
  avatar_url?: string | null;
  created_at: string;
  [key: string]: unknown;
}

export interface Page<T> {
  data: T[];
  links: { next: string | null };
  meta?: { current_page: number };
}

/** An event of the tenant's log (GET /api/v1/events). */
export interface InboxEvent {
  id: number;
  type: string;
  timestamp: string;
  data: unknown;
}
