import { useEffect, useState } from 'preact/hooks';
import { api } from '../session.js';
import { agentStateText } from '../state/status-text.js';
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
