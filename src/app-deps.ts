import type { WebhookChannelCache } from './modules/inbound/webhook-channel.finder.js';
import type { InboundEventWriter } from './modules/inbound/inbound-event-writer.js';
import type { Config } from './config.js';
import type { Db } from './platform/db/db.js';
import type { Clock } from './platform/clock.js';
import type { SecretBox } from './platform/crypto.js';
import type { AccessTokens } from './modules/oauth/access-tokens.js';
import type { RateLimiter } from './http/rate-limit.js';
import type { AccessCache } from './http/tenant.js';
import type { FileLinks } from './modules/files/file-links.js';
import type { AdapterRegistry } from './modules/delivery/adapters.js';
import type { FileStorage } from './platform/storage/storage.js';
import type { AgentProvider } from './modules/agent/llm/agent-provider.js';
import type { EventBus } from './modules/events/event-bus.js';

/** Everything a request needs, built once per process (or per test file) and passed down explicitly. */
export interface AppDeps {
  config: Config;
  db: Db;
  clock: Clock;
  box: SecretBox;
  tokens: AccessTokens;
  limiter: RateLimiter;
  /** Members' tenant access per request, exact with respect to role and membership changes. */
  access: AccessCache;
  /** The provider webhooks' channel lookups, exact with respect to channel writes (docs/channels.md#inbound-webhooks). */
  webhookChannels: WebhookChannelCache;
  /** Stores the webhooks' events, several deliveries per statement under load (group commit). */
  inboundEvents: InboundEventWriter;
  fileLinks: FileLinks;
  /** Uploaded file bytes: local disk or S3 (STORAGE_DRIVER). */
  storage: FileStorage;
  adapters: AdapterRegistry;
  /** The model client when LLM_BASE_URL is set, one per process (it keeps its learned fallbacks); null: the embedded responder answers. */
  agentModel: AgentProvider | null;
  /** `inFlight` counts running API handlers, so shutdown closes the database only after the last one. */
  lifecycle: { shuttingDown: boolean; inFlight: number };
  /** How this process hears of new events in a tenant's log, and tells the others (docs/events.md#several-processes). */
  eventBus: EventBus;
}

declare module './platform/jobs/define-job.js' {
  /** Job handlers get the process's dependencies (defineJob's second argument). */
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface JobDeps extends AppDeps {}
}
