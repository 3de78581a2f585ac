import { api } from '../session.js';
import { dayLabel, sameDay } from '../state/format.js';
import type { PendingSend } from '../state/messages.js';
import type { Message } from '../state/types.js';
import { MessageView, type MessageActions } from './message-view.js';

/** The `log` "Messages": day separators, the messages oldest first, then the sends still waiting for their answer. */
export function MessageList(props: { messages: Message[]; pending: PendingSend[]; displayName: string; channelName: string; actions: MessageActions }) {
  const { messages } = props;
  return (
    <div role="log" aria-label="Messages" class="messages">
      {messages.map((message, index) => (
        <div key={message.id}>
          {index === 0 || !sameDay(messages[index - 1]!.created_at, message.created_at) ? <p class="day">{dayLabel(message.created_at, api.now())}</p> : null}
          <MessageView message={message} displayName={props.displayName} channelName={props.channelName} actions={props.actions} />
        </div>
      ))}
      {props.pending.map((send) => (
        <article key={send.key} class="message outgoing sending" aria-label="Message from you">
          <p class="text">{send.text}</p>
          <footer class="message-foot">Sending…</footer>
        </article>
      ))}
    </div>
  );
}
