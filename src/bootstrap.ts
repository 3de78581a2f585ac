import { WebhookChannelCache } from './modules/inbound/webhook-channel.finder.js';
import type { Config } from './config.js';
import type { AppDeps } from './app-deps.js';
import type { Db } from './platform/db/db.js';
import { openPglite } from './platform/db/pglite.js';
import { openPostgres } from './platform/db/postgres.js';
import { migrate } from './platform/db/migrate.js';
import { systemClock, type Clock } from './platform/clock.js';
import { loadEncryptionKey } from './platform/crypto.js';
import { AccessTokens } from './modules/oauth/access-tokens.js';
import { ensureSigningKey } from './modules/oauth/signing-keys.js';
import { AccessCache } from './http/tenant.js';
import { MemoryRateLimitStore, RateLimiter, RedisRateLimitStore } from './http/rate-limit.js';
import path from 'node:path';
import { FileLinks } from './modules/files/file-links.js';
import { AdapterRegistry } from './modules/delivery/adapters.js';
import { providerAdapters } from './modules/delivery/providers/index.js';
import { createStorage } from './platform/storage/create-storage.js';
import { InboundEventWriter } from './modules/inbound/inbound-event-writer.js';
import { llmSettings, OpenAiCompatibleProvider, realTiming, type LlmTiming } from './modules/agent/llm/openai-compatible.js';
import type { AgentProvider } from './modules/agent/llm/agent-provider.js';
import { createEventBus } from './modules/events/event-bus.js';

export async function openDatabase(config: Config): Promise<Db> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl, config.databasePoolSize);
  return openPglite(path.join(config.dataDir, 'pgdata'));
}

export interface DepsOptions {
  clock?: Clock;
  onWarning?: (message: string) => void;
  /** Skip migrations when the caller already ran them. */
  skipMigrations?: boolean;
  /** Provider adapters (tests point real adapters at local stand-ins, or inject their own). */
  adapters?: AdapterRegistry;
  /** Info lines of the delivery adapters (server.ts passes its logger). */
  log?: (fields: object, message: string) => void;
  /** The model client's clock, sleeps and jitter (tests skip the retry backoff and record it). */
  llmTiming?: LlmTiming;
}

/** Migrates, loads keys and builds the shared services of one process. */
export async function createDeps(config: Config, db: Db, options: DepsOptions = {}): Promise<AppDeps> {
  if (!options.skipMigrations) await migrate(db);
  const clock = options.clock ?? systemClock;
  const { box, stored } = await loadEncryptionKey(db, config.encryptionKey);
  if (stored) {
    options.onWarning?.('FLEXTELL_ENCRYPTION_KEY is not set: using a key generated and stored in the database. Set it in production.');
  }
  await ensureSigningKey(db, box, config.jwtPrivateKey);
  const tokens = new AccessTokens(db, box, clock);
  await tokens.reloadKeys();
  const store = config.redisUrl ? new RedisRateLimitStore(config.redisUrl) : new MemoryRateLimitStore();
  const limiter = new RateLimiter(store, config.rateLimitPerMinute, () =>
    options.onWarning?.('The rate-limit store is unreachable; requests are not being limited.'),
  );
  const access = new AccessCache();
  await db.watchChanges(AccessCache.CHANNEL, access.onChange);
  const webhookChannels = new WebhookChannelCache();
  await db.watchChanges(WebhookChannelCache.CHANNEL, webhookChannels.onChange);
  const fileLinks = new FileLinks(box.derive('file-links'), config.fileUrlTtlSeconds);
  const storage = createStorage(config);
  // Delivery attempts and sandbox deliveries are logged as info lines (docs/jobs-and-delivery.md#adapters).
  const log = options.log ?? (() => undefined);
  const adapters = options.adapters ?? new AdapterRegistry(providerAdapters({ config, storage, fileLinks, clock, log }), log);
  return {
    config,
    db,
    clock,
    box,
    tokens,
    limiter,
    access,
    webhookChannels,
    inboundEvents: new InboundEventWriter(db),
    fileLinks,
    storage,
    adapters,
    agentModel: agentModel(config, options.llmTiming ?? realTiming, log),
    lifecycle: { shuttingDown: false, inFlight: 0 },
    eventBus: createEventBus(db, config.redisUrl, (message) => options.onWarning?.(message)),
  };
}

/** The agent's model client when LLM_BASE_URL is set (docs/agent-runs.md#providers); null: the embedded responder answers. */
function agentModel(config: Config, timing: LlmTiming, log: (fields: object, message: string) => void): AgentProvider | null {
  const settings = llmSettings(config);
  return settings ? new OpenAiCompatibleProvider(settings, timing, log) : null;
}
