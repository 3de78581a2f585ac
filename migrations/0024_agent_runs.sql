-- The agent's runs (docs/agent-runs.md): what a run recorded, the conversation's agent cursor, and the unique
-- indexes that make "never a duplicate reply" hold — a run's outbound message and its suggestion carry its id, and
-- the run leaves `running` in the same transaction that stores them.
ALTER TABLE agent_runs
  ADD COLUMN channel_id bigint,
  ADD COLUMN status text NOT NULL DEFAULT 'running'
    CHECK (status IN ('running', 'completed', 'failed', 'superseded', 'discarded', 'skipped')),
  ADD COLUMN reason text,
  ADD COLUMN attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN reply_message_id bigint,
  ADD COLUMN ai_suggestion_id bigint,
  ADD COLUMN blacklist_entry_id bigint,
  ADD COLUMN started_at timestamptz(3);
ALTER TABLE agent_runs ADD CONSTRAINT agent_runs_outcome_check CHECK (outcome IN ('replied', 'suggested', 'handoff', 'blocked'));

-- The newest customer message already handled (by the agent, or left to humans): a run's triggers lie above it.
ALTER TABLE conversations ADD COLUMN agent_cursor_message_id bigint NOT NULL DEFAULT 0;

CREATE UNIQUE INDEX messages_one_per_agent_run ON messages (tenant_id, ((extra_metadata ->> 'agent_run_id')::bigint))
  WHERE extra_metadata ? 'agent_run_id';
CREATE UNIQUE INDEX ai_suggestions_one_per_agent_run ON ai_suggestions (tenant_id, agent_run_id) WHERE agent_run_id IS NOT NULL;

-- Job times keep milliseconds, so a debounce is never shorter than configured.
ALTER TABLE jobs ALTER COLUMN run_at TYPE timestamptz(3);
