import { defineJob } from '../../../platform/jobs/define-job.js';
import { commitDecision, RunAlreadyFinished } from './commit-decision.js';
import { runDecider } from './run-decider.js';
import { startRun } from './start-run.js';

export interface AgentRunPayload {
  conversation_id: number;
  /** The latest the debounce may push the job to: three periods after it was first scheduled (epoch milliseconds). */
  cap_ms: number;
  /** The oldest customer message the run may answer (docs/agent-runs.md#trigger-and-debounce). */
  from_message_id: number;
}

/**
 * One conversation's agent run (docs/agent-runs.md#a-run): record it, ask the provider outside any transaction,
 * then commit the decision together with the job's completion.
 */
export const agentRunJob = defineJob<AgentRunPayload>({
  type: 'agent_run',
  maxAttempts: 3,
  handler: async (context, deps) => {
    const tenantId = context.job.tenant_id!;
    const decider = runDecider(deps.agentModel);
    const started = await deps.db.transaction((tx) =>
      startRun(
        tx,
        decider,
        { tenantId, conversationId: Number(context.payload.conversation_id), fromMessageId: Number(context.payload.from_message_id ?? 0) },
        deps.clock.now(),
      ),
    );
    if (!started) return context.complete();
    const result = await decider.decide(deps.db, deps.clock, started.context);
    try {
      await context.complete((tx) => commitDecision(tx, decider, started, result, deps.clock.now()));
    } catch (error) {
      // Another process applied this run already: nothing is left to do.
      if (error instanceof RunAlreadyFinished) return context.complete();
      throw error;
    }
  },
});
