import fs from 'node:fs';
import path from 'node:path';
import proxyAddr from '@fastify/proxy-addr';
import { DEFAULT_LEASE_SECONDS } from './platform/jobs/job-queue.js';

/**
 * Every environment variable the product reads, validated once at start-up (README.md#configuration).
 * Each problem is reported on its own line so an operator can fix them all in one go.
 */
export interface Config {
  port: number;
  host: string;
  publicUrl: string | null;
  trustProxy: TrustProxy;
  http: { requestTimeoutMs: number; maxConnections: number };
  nodeEnv: string | null;
  logLevel: LogLevel;
  databaseUrl: string | null;
  databasePoolSize: number;
  dataDir: string;
  storageDir: string;
  storageDriver: 'local' | 's3';
  s3: { bucket: string | null; region: string; endpoint: string | null; accessKeyId: string | null; secretAccessKey: string | null; forcePathStyle: boolean };
  fileUrlTtlSeconds: number;
  redisUrl: string | null;
  rateLimitPerMinute: number;
  loginRateLimit: number;
  widgetRateLimitPerMinute: number;
  corsOrigins: string[];
  encryptionKey: Buffer | null;
  jwtPrivateKey: string | null;
  whatsappApiUrl: string;
  instagramApiUrl: string;
  metaGraphApiVersion: string;
  telegramApiUrl: string;
  providerTimeoutMs: number;
  llm: { baseUrl: string | null; apiKey: string | null; model: string | null; timeoutMs: number; maxTokens: number };
  jobConcurrency: number;
  jobLeaseSeconds: number;
  /** GET /api/v1/events (docs/events.md#the-stream): heartbeat period and open-stream limits. */
  eventStreams: { heartbeatSeconds: number; maxStreamsPerToken: number; maxStreams: number };
  /** How long events stay in the log (docs/events.md#retention). */
  eventRetentionHours: number;
}

/** Which X-Forwarded-* entries to believe: none, those added by the last `hops` proxies, or by these addresses/CIDRs. */
export type TrustProxy = false | { hops: number } | { proxies: string[] };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.map((problem) => `Invalid configuration: ${problem}`).join('\n'));
  }
}

type Env = Record<string, string | undefined>;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | null {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? null : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === null) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max} (got "${value}").`);
      return fallback;
    }
    return Number(value);
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === null) return fallback;
    const lower = value.toLowerCase();
    if (lower === 'true' || lower === '1') return true;
    if (lower === 'false' || lower === '0') return false;
    this.problems.push(`${name} must be true, false, 1 or 0 (got "${value}").`);
    return fallback;
  }

  url(name: string, fallback: string | null, protocols: string[]): string | null {
    const value = this.raw(name);
    if (value === null) return fallback;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
      if (parsed.search || parsed.hash) throw new Error('query');
      return value.replace(/\/+$/, '');
    } catch {
      this.problems.push(`${name} must be a ${protocols.join(' or ')} URL without query (got "${value}").`);
      return fallback;
    }
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = this.raw(name);
    if (value === null) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${value}").`);
      return fallback;
    }
    return value as T;
  }
}

const RATE_LIMIT_MAX = 1_000_000_000_000;
const MAX_PROXY_HOPS = 100;

function parseTrustProxy(reader: Reader): TrustProxy {
  const value = reader.raw('TRUST_PROXY');
  if (value === null || /^(false|0)$/i.test(value)) return false;
  if (/^true$/i.test(value)) return { hops: 1 };
  if (/^\d+$/.test(value) && Number(value) <= MAX_PROXY_HOPS) return { hops: Number(value) };
  const proxies = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  // A bare number past the cap is a mistaken hop count, though the address parser would read it as an IPv4 address.
  if (proxies.length > 0 && !/^\d+$/.test(value) && compilesAsProxyList(proxies)) return { proxies };
  reader.problems.push(
    `TRUST_PROXY must be true, false, a hop count from 0 to ${MAX_PROXY_HOPS}, or comma-separated proxy IP addresses/CIDRs (got "${value}").`,
  );
  return false;
}

/** Checked with the parser Fastify applies to the list, so what passes here is exactly what is trusted. */
function compilesAsProxyList(proxies: string[]): boolean {
  try {
    proxyAddr.compile(proxies);
    return true;
  } catch {
    return false;
  }
}

function parseEncryptionKey(reader: Reader): Buffer | null {
  const value = reader.raw('FLEXTELL_ENCRYPTION_KEY');
  if (value === null) return null;
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  const decoded = /^[A-Za-z0-9+/_-]+=*$/.test(value) ? Buffer.from(value, 'base64') : Buffer.alloc(0);
  if (decoded.length === 32) return decoded;
  reader.problems.push('FLEXTELL_ENCRYPTION_KEY must be 32 bytes as 64 hex characters or base64 (got a value of another length).');
  return null;
}

export function loadConfig(env: Env = process.env): Config {
  const reader = new Reader(env);
  const dataDir = path.resolve(reader.string('FLEXTELL_DATA_DIR', './.flextell'));
  const databaseUrl = reader.url('DATABASE_URL', null, ['postgres:', 'postgresql:']);
  const storageDriver = reader.oneOf('STORAGE_DRIVER', 'local', ['local', 's3'] as const);
  const llmBaseUrl = reader.url('LLM_BASE_URL', null, ['http:', 'https:']);
  const llmModel = reader.raw('LLM_MODEL');
  if (llmBaseUrl && !llmModel) reader.problems.push('LLM_MODEL is required when LLM_BASE_URL is set.');
  const s3Bucket = reader.raw('S3_BUCKET');
  if (storageDriver === 's3' && !s3Bucket) reader.problems.push('S3_BUCKET is required when STORAGE_DRIVER is s3.');

  const config: Config = {
    port: reader.integer('PORT', 8080, 0, 65535),
    host: reader.string('HOST', '0.0.0.0'),
    publicUrl: reader.url('PUBLIC_URL', null, ['http:', 'https:']),
    trustProxy: parseTrustProxy(reader),
    http: {
      requestTimeoutMs: reader.integer('HTTP_REQUEST_TIMEOUT_MS', 300_000, 1000, 3_600_000),
      maxConnections: reader.integer('HTTP_MAX_CONNECTIONS', 800, 1, 1_000_000),
    },
    nodeEnv: reader.raw('NODE_ENV'),
    logLevel: reader.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    databaseUrl,
    databasePoolSize: reader.integer('DATABASE_POOL_SIZE', 10, 1, 1000),
    dataDir,
    storageDir: path.resolve(reader.string('FLEXTELL_STORAGE_DIR', path.join(dataDir, 'storage'))),
    storageDriver,
    s3: {
      bucket: s3Bucket,
      region: reader.string('S3_REGION', 'us-east-1'),
      endpoint: reader.url('S3_ENDPOINT', null, ['http:', 'https:']),
      accessKeyId: reader.raw('S3_ACCESS_KEY_ID'),
      secretAccessKey: reader.raw('S3_SECRET_ACCESS_KEY'),
      forcePathStyle: reader.boolean('S3_FORCE_PATH_STYLE', false),
    },
    fileUrlTtlSeconds: reader.integer('FILE_URL_TTL_SECONDS', 900, 1, 604800),
    redisUrl: reader.url('REDIS_URL', null, ['redis:', 'rediss:']),
    rateLimitPerMinute: reader.integer('FLEXTELL_RATE_LIMIT_PER_MINUTE', 600, 1, RATE_LIMIT_MAX),
    loginRateLimit: reader.integer('FLEXTELL_LOGIN_RATE_LIMIT', 10, 1, RATE_LIMIT_MAX),
    widgetRateLimitPerMinute: reader.integer('FLEXTELL_WIDGET_RATE_LIMIT_PER_MINUTE', 60, 1, RATE_LIMIT_MAX),
    corsOrigins: (reader.raw('FLEXTELL_CORS_ORIGINS') ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    encryptionKey: parseEncryptionKey(reader),
    jwtPrivateKey: reader.raw('JWT_PRIVATE_KEY')?.replace(/\\n/g, '\n') ?? null,
    whatsappApiUrl: reader.url('WHATSAPP_API_URL', 'https://graph.facebook.com', ['http:', 'https:'])!,
    instagramApiUrl: reader.url('INSTAGRAM_API_URL', 'https://graph.instagram.com', ['http:', 'https:'])!,
    metaGraphApiVersion: reader.string('META_GRAPH_API_VERSION', 'v21.0'),
    telegramApiUrl: reader.url('TELEGRAM_API_URL', 'https://api.telegram.org', ['http:', 'https:'])!,
    providerTimeoutMs: reader.integer('PROVIDER_TIMEOUT_MS', 15000, 1, 600000),
    llm: {
      baseUrl: llmBaseUrl,
      apiKey: reader.raw('LLM_API_KEY'),
      model: llmModel,
      timeoutMs: reader.integer('LLM_TIMEOUT_MS', 30000, 1, 600000),
      maxTokens: reader.integer('LLM_MAX_TOKENS', 512, 1, 1000000),
    },
    jobConcurrency: reader.integer('JOB_CONCURRENCY', 16, 1, 1000),
    jobLeaseSeconds: reader.integer('JOB_LEASE_SECONDS', DEFAULT_LEASE_SECONDS, 3, 3600),
    eventStreams: {
      heartbeatSeconds: reader.integer('FLEXTELL_EVENTS_HEARTBEAT_SECONDS', 25, 1, 300),
      maxStreamsPerToken: reader.integer('FLEXTELL_EVENTS_MAX_STREAMS_PER_TOKEN', 10, 1, 1000),
      maxStreams: reader.integer('FLEXTELL_EVENTS_MAX_STREAMS', 10000, 1, 1_000_000),
    },
    eventRetentionHours: reader.integer('FLEXTELL_EVENT_RETENTION_HOURS', 72, 1, 8760),
  };
  const keyFile = reader.raw('JWT_PRIVATE_KEY_FILE');
  if (keyFile && !config.jwtPrivateKey) {
    try {
      config.jwtPrivateKey = fs.readFileSync(path.resolve(keyFile), 'utf8');
    } catch {
      reader.problems.push(`JWT_PRIVATE_KEY_FILE must name a readable PEM file (got "${keyFile}").`);
    }
  }
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return config;
}
