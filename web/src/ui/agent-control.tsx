import { useEffect, useState } from 'preact/hooks';
import { api } from '../session.js';
import { minutesLeft } from '../state/format.js';
import type { Conversation } from '../state/types.js';
import type { ChannelInfo } from './inbox.js';
import { MenuButton } from './menu.js';
import { showError, showToast } from './toasts.js';

type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

const DURATIONS: [string, number | null][] = [
  ['30 minutes', 30],
  ['1 hour', 60],
  ['4 hours', 240],
  ['24 hours', 1440],
  ['Until resumed', null],
];

/** The agent's state text (docs/inbox.md#pause-and-resume); a timed pause turns active at its end by the clock. */
export function agentStateText(conversation: Conversation, agentMode: string | undefined, now: number): { text: string; paused: boolean; off: boolean } {
  if (agentMode === 'off') return { text: 'AI agent off on this channel', paused: false, off: true };
  const expires = conversation.agent_expires_at;
  const paused = conversation.agent_disabled && (expires === null || Date.parse(expires) > now);
  if (!paused) return { text: 'AI agent active', paused: false, off: false };
  const by = conversation.agent_disabled_by_user_name;
  if (by === null) return { text: 'The AI handed this conversation to a person', paused: true, off: false };
  if (expires === null) return { text: `Paused by ${by} until resumed`, paused: true, off: false };
  return { text: `Paused by ${by} · ${minutesLeft(expires, now)} min left`, paused: true, off: false };
}

export function AgentControl(props: {
  conversation: Conversation;
  channel: ChannelInfo | undefined;
  canManage: boolean;
  call: Call;
  onChanged: () => Promise<unknown>;
}) {
  const [busy, setBusy] = useState(false);
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((value) => value + 1), 30_000);
    return () => clearInterval(timer);
  }, []);
  const state = agentStateText(props.conversation, props.channel?.settings.agent_mode, api.now());
  const act = async (path: string, body?: unknown) => {
    setBusy(true);
    try {
      const answer = await props.call<{ data?: { message?: string }; success?: string }>('POST', `/conversations/${props.conversation.id}/agent/${path}`, body);
      showToast('confirmation', answer.data?.message ?? answer.success ?? 'Done.');
      await props.onChanged();
    } catch (error) {
      showError(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="agent-control" role="group" aria-label="AI agent">
      <span class="agent-state">{state.text}</span>
      {props.canManage && !state.off ? (
        <>
          {state.paused ? (
            <button type="button" disabled={busy} onClick={() => void act('enable')}>
              Resume AI agent
            </button>
          ) : null}
          <MenuButton
            label="Pause AI agent"
            menuLabel="Pause for"
            items={DURATIONS.map(([label, minutes]) => ({ label, onSelect: () => void act('disable', { duration_minutes: minutes }) }))}
          />
        </>
      ) : null}
    </div>
  );
}
