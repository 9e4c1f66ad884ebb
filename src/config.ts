import { randomBytes } from 'node:crypto';
import type { SoapChannel } from './core/clients/client';
import type { RateBudget } from './core/clients/rate-limit';
import type { DeliveryPolicy } from './core/notifications/delivery-policy';

/**
 * Every runtime setting (contract §6), read from the environment once, checked,
 * and frozen. Nothing else in src/ reads process.env.
 */
export interface Config {
  readonly port: number;
  readonly host: string;
  /**
   * Where clients reach the gateway (PUBLIC_BASE_URL, e.g. behind a proxy): the base of every absolute
   * link it writes (WSDL addresses, successor links). Unset: the address it listens on. Never the Host header.
   */
  readonly publicBaseUrl: string | undefined;
  /** Unset: the embedded PostgreSQL (PGlite) in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly databasePoolSize: number;
  /** Bounds on every wait for PostgreSQL, so an outage is answered in seconds, never waited out. */
  readonly databaseTimeouts: DatabaseTimeouts;
  /** Secret: not enumerable, so it never shows up in a logged or printed config. */
  readonly opsToken: string;
  /** Every operator who may use /ops: OPS_TOKEN as "operator", plus the named tokens of OPS_TOKENS. Secret too. */
  readonly operators: readonly { name: string; token: string }[];
  /** True when OPS_TOKEN was unset and a random token was made for this process. */
  readonly opsTokenGenerated: boolean;
  readonly cutoffs: Readonly<Record<SoapChannel, Date>>;
  readonly deprecationAnnounced: Date;
  readonly bodyLimitBytes: number;
  readonly pendingRetryMs: number;
  /** Each client's request budget on this instance (its share of RATE_LIMIT_PER_MINUTE), and each operator's. */
  readonly rateLimits: { readonly client: RateBudget; readonly operator: RateBudget };
  /** How long a client may take, and how many connections it may hold open (slow clients, idle sockets). */
  readonly http: HttpLimits;
  /**
   * On SIGTERM, how long /readyz answers 503 while requests are still taken, so that the load balancer
   * stops sending before the port closes (SIGINT, from a terminal, does not wait).
   */
  readonly shutdownDrainMs: number;
  /** On SIGTERM, how long requests under way may take before their connections are cut. */
  readonly shutdownGraceMs: number;
  /** How often call counts for the migration registry are written. */
  readonly usageFlushMs: number;
  /** How long a client's registry entry is reused before it is read again. */
  readonly clientCacheMs: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Seed the sandbox demo into an empty embedded database at start. */
  readonly seedDemo: boolean;
  /** TLS with client certificates; unset: plain HTTP, on loopback only. */
  readonly tls: TlsConfig | undefined;
  /** The population register: embedded (REGISTER_URL unset), or a remote service behind an outbox. */
  readonly register: RegisterConfig;
  /** Batch requests (POST /v1/batches): their sizes and the background work on large ones. */
  readonly batches: BatchConfig;
  /** The audit trail of notification requests. */
  readonly audit: AuditConfig;
}

export interface AuditConfig {
  /**
   * The key of the trail's hashes of personal identity codes (AUDIT_HASH_KEY). Secret: not enumerable.
   * Unset: a key made once and kept in the database.
   */
  readonly hashKey: string | undefined;
  /** Rows older than this many days are purged. */
  readonly retentionDays: number;
  /** How often buffered rows are written. */
  readonly flushMs: number;
  /** How often the purge runs (and once at start). */
  readonly purgeIntervalMs: number;
}

export interface BatchConfig {
  /** Items an application/json batch may hold; it is answered when they are all decided. */
  readonly syncMaxItems: number;
  /** The JSON form's largest body: BODY_LIMIT_BYTES, or 4 KiB per item allowed when that is more. */
  readonly syncMaxBytes: number;
  /** JSON batches of one client being decided at once on this instance; past it, 429 RATE_LIMITED. */
  readonly syncConcurrency: number;
  /** Items (non-blank lines) an application/x-ndjson batch may hold. */
  readonly maxItems: number;
  /** The longest line of an NDJSON batch, in bytes; a longer line is refused on its own. */
  readonly maxLineBytes: number;
  /** All of an NDJSON batch's items together, in bytes: past it, the whole batch is refused. */
  readonly maxBytes: number;
  /** How long a worker holds the items it claimed before any instance may claim them again. */
  readonly leaseMs: number;
}

export interface RegisterConfig {
  /** The register service's base URL (openapi/register.yaml); unset: the embedded register. */
  readonly url: string | undefined;
  /** The longest wait for one call's answer; past it the call counts as failed and the client gets 202. */
  readonly timeoutMs: number;
  /** The circuit breaker (opossum) around remote calls. */
  readonly breaker: {
    /** Calls in the rolling window before the breaker may open at all. */
    readonly volumeThreshold: number;
    /** The share of failed calls in the window, in percent, that opens it. */
    readonly errorThresholdPercentage: number;
    /** How long it stays open before one trial call (half-open). */
    readonly resetTimeoutMs: number;
  };
  readonly delivery: DeliveryPolicy;
}

export interface HttpLimits {
  /** The request line and headers must arrive within this (from the connection's start, or the last answer). */
  readonly headersMs: number;
  /** The whole request, body included. */
  readonly requestMs: number;
  /** An idle kept-alive connection is closed after this. */
  readonly keepAliveMs: number;
  readonly maxConnections: number;
}

export interface DatabaseTimeouts {
  /** Opening one connection: TCP and the start-up exchange. */
  readonly connectMs: number;
  /** Waiting for a connection of the pool, free or new. */
  readonly poolWaitMs: number;
  /** The gateway's own bound on any one statement's answer; past it the connection is dropped. */
  readonly queryMs: number;
  /** PostgreSQL's statement_timeout. */
  readonly statementMs: number;
  /** PostgreSQL's lock_timeout: the longest wait for a row another transaction holds. */
  readonly lockMs: number;
  /** PostgreSQL's idle_in_transaction_session_timeout: a transaction whose client went silent is ended. */
  readonly idleInTransactionMs: number;
  /** TCP keepalive: idle time before the first probe. */
  readonly keepAliveMs: number;
}

export interface TlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA bundle that client certificates must chain to. */
  readonly caFile: string;
  /** SHA-256 fingerprints (lower-case hex) of X-Road security servers that may speak for any client. */
  readonly trustedProxyFingerprints: readonly string[];
}

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid settings:\n  ${problems.join('\n  ')}`);
  }
}

export const DEFAULTS = {
  PORT: '8080',
  HOST: '127.0.0.1',
  DATA_DIR: './data',
  DATABASE_POOL_SIZE: '10',
  DATABASE_CONNECT_TIMEOUT_MS: '2000',
  DATABASE_POOL_WAIT_MS: '2000',
  DATABASE_QUERY_TIMEOUT_MS: '3000',
  DATABASE_STATEMENT_TIMEOUT_MS: '2500',
  DATABASE_LOCK_TIMEOUT_MS: '2000',
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '5000',
  DATABASE_KEEPALIVE_MS: '10000',
  CUTOFF_LEGACY_SOAP: '2025-06-30T23:59:59+03:00',
  CUTOFF_SOAP_V2: '2026-06-30T23:59:59+03:00',
  DEPRECATION_ANNOUNCED: '2024-06-01T00:00:00+03:00',
  BODY_LIMIT_BYTES: '1048576',
  PENDING_RETRY_MS: '5000',
  SHUTDOWN_DRAIN_MS: '2000',
  SHUTDOWN_GRACE_MS: '10000',
  RATE_LIMIT_PER_MINUTE: '6000',
  RATE_LIMIT_BURST: '300',
  RATE_LIMIT_INSTANCES: '1',
  OPS_RATE_LIMIT_PER_MINUTE: '600',
  HTTP_HEADERS_TIMEOUT_MS: '10000',
  HTTP_REQUEST_TIMEOUT_MS: '30000',
  HTTP_KEEPALIVE_TIMEOUT_MS: '5000',
  HTTP_MAX_CONNECTIONS: '1000',
  CLIENT_CACHE_MS: '5000',
  USAGE_FLUSH_MS: '5000',
  LOG_LEVEL: 'info',
  REGISTER_TIMEOUT_MS: '2000',
  REGISTER_BREAKER_VOLUME: '5',
  REGISTER_BREAKER_ERROR_PERCENT: '50',
  REGISTER_BREAKER_RESET_MS: '10000',
  OUTBOX_MAX_ATTEMPTS: '30',
  OUTBOX_MAX_AGE_MS: '86400000',
  OUTBOX_BACKOFF_BASE_MS: '1000',
  OUTBOX_BACKOFF_MAX_MS: '300000',
  AUDIT_RETENTION_DAYS: '1827',
  AUDIT_FLUSH_MS: '250',
  AUDIT_PURGE_INTERVAL_MS: '3600000',
  BATCH_SYNC_MAX_ITEMS: '1000',
  BATCH_SYNC_CONCURRENCY: '4',
  BATCH_MAX_ITEMS: '100000',
  BATCH_MAX_LINE_BYTES: '65536',
  BATCH_MAX_BYTES: '268435456',
  BATCH_LEASE_MS: '15000',
} as const;

/** The settings of this process: the one place that reads the environment. */
export function configFromEnvironment(): Config {
  return loadConfig(process.env);
}

export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const get = (name: keyof typeof DEFAULTS) => {
    const v = env[name];
    return v === undefined || v === '' ? DEFAULTS[name] : v;
  };
  const int = (name: keyof typeof DEFAULTS, min: number, max: number) => {
    const raw = get(name);
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max)
      problems.push(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
  const instant = (name: keyof typeof DEFAULTS) => {
    const raw = get(name);
    // A bare date means the start of that day in Helsinki would be a guess; ask for an instant.
    const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(raw);
    const t = Date.parse(raw);
    if (!ok || Number.isNaN(t))
      problems.push(`${name} must be an ISO-8601 instant with an offset, e.g. 2026-06-30T23:59:59+03:00`);
    return new Date(t);
  };

  const logLevel = get('LOG_LEVEL');
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    problems.push('LOG_LEVEL must be one of debug, info, warn, error, silent');
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  const token = env.OPS_TOKEN || undefined;
  if (token !== undefined && token.length < 16) problems.push('OPS_TOKEN must be at least 16 characters');
  // OPS_TOKENS="alice:<token>,bob:<token>": one token per operator, so the audit log says who acted.
  const named = (env.OPS_TOKENS ?? '')
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const i = pair.indexOf(':');
      const name = pair.slice(0, i);
      const secret = pair.slice(i + 1);
      if (i < 1 || !/^[\w.@-]{1,64}$/.test(name) || secret.length < 16) {
        problems.push(
          'OPS_TOKENS must be "name:token" pairs, comma-separated, each token at least 16 characters',
        );
      }
      return { name, token: secret };
    });

  const tls = readTls(env, problems);
  const host = get('HOST');
  if (!tls && !isLoopback(host)) {
    problems.push(
      `HOST ${host} is not a loopback address: without TLS (TLS_CERT_FILE, TLS_KEY_FILE, TLS_CA_FILE) the gateway trusts the X-Road-Client header and so listens on loopback only`,
    );
  }

  const publicBaseUrl = env.PUBLIC_BASE_URL || undefined;
  if (publicBaseUrl !== undefined && !/^https?:\/\/[^/\s?#]+(\/[^\s?#]*)?$/.test(publicBaseUrl)) {
    problems.push(
      'PUBLIC_BASE_URL must be an http:// or https:// URL without query, e.g. https://vtj-gw.example.fi',
    );
  }
  const bodyLimitBytes = int('BODY_LIMIT_BYTES', 1024, 64 * 1024 * 1024);
  const config = {
    port: int('PORT', 0, 65535),
    host,
    publicBaseUrl: publicBaseUrl?.replace(/\/+$/, ''),
    databaseUrl,
    dataDir: get('DATA_DIR'),
    databasePoolSize: int('DATABASE_POOL_SIZE', 1, 200),
    databaseTimeouts: databaseTimeouts(int, problems),
    opsTokenGenerated: token === undefined,
    cutoffs: Object.freeze({
      'legacy-soap': instant('CUTOFF_LEGACY_SOAP'),
      'soap-v2': instant('CUTOFF_SOAP_V2'),
    }),
    deprecationAnnounced: instant('DEPRECATION_ANNOUNCED'),
    bodyLimitBytes,
    pendingRetryMs: int('PENDING_RETRY_MS', 100, 3_600_000),
    shutdownDrainMs: int('SHUTDOWN_DRAIN_MS', 0, 600_000),
    shutdownGraceMs: int('SHUTDOWN_GRACE_MS', 0, 600_000),
    rateLimits: rateLimits(int),
    http: Object.freeze({
      headersMs: int('HTTP_HEADERS_TIMEOUT_MS', 500, 600_000),
      requestMs: int('HTTP_REQUEST_TIMEOUT_MS', 500, 3_600_000),
      keepAliveMs: int('HTTP_KEEPALIVE_TIMEOUT_MS', 100, 600_000),
      maxConnections: int('HTTP_MAX_CONNECTIONS', 1, 1_000_000),
    }),
    clientCacheMs: int('CLIENT_CACHE_MS', 0, 600_000),
    usageFlushMs: int('USAGE_FLUSH_MS', 100, 3_600_000),
    logLevel: logLevel as Config['logLevel'],
    seedDemo: databaseUrl === undefined && env.SEED_DEMO !== 'false',
    tls,
    register: registerConfig(env, int, problems),
    audit: {
      retentionDays: int('AUDIT_RETENTION_DAYS', 1, 36_500),
      flushMs: int('AUDIT_FLUSH_MS', 50, 3_600_000),
      purgeIntervalMs: int('AUDIT_PURGE_INTERVAL_MS', 1000, 86_400_000),
    },
    batches: batchConfig(int, bodyLimitBytes),
  };
  const hashKey = env.AUDIT_HASH_KEY || undefined;
  if (hashKey !== undefined && hashKey.length < 32) {
    problems.push('AUDIT_HASH_KEY must be at least 32 characters (for example: openssl rand -base64 32)');
  }
  Object.defineProperty(config.audit, 'hashKey', { value: hashKey, enumerable: false });
  Object.freeze(config.audit);
  if (problems.length > 0) throw new ConfigError(problems);
  const opsToken = token ?? randomBytes(24).toString('base64url');
  Object.defineProperty(config, 'opsToken', { value: opsToken, enumerable: false });
  Object.defineProperty(config, 'operators', {
    value: Object.freeze([{ name: 'operator', token: opsToken }, ...named]),
    enumerable: false,
  });
  return Object.freeze(config) as Config;
}

function databaseTimeouts(
  int: (name: keyof typeof DEFAULTS, min: number, max: number) => number,
  problems: string[],
): DatabaseTimeouts {
  const t = {
    connectMs: int('DATABASE_CONNECT_TIMEOUT_MS', 100, 60_000),
    poolWaitMs: int('DATABASE_POOL_WAIT_MS', 100, 60_000),
    queryMs: int('DATABASE_QUERY_TIMEOUT_MS', 100, 300_000),
    statementMs: int('DATABASE_STATEMENT_TIMEOUT_MS', 100, 300_000),
    lockMs: int('DATABASE_LOCK_TIMEOUT_MS', 100, 300_000),
    idleInTransactionMs: int('DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', 1000, 3_600_000),
    keepAliveMs: int('DATABASE_KEEPALIVE_MS', 1000, 3_600_000),
  };
  // The server's own timeouts must fire first, so that a slow statement is cancelled, not abandoned.
  if (t.statementMs >= t.queryMs) {
    problems.push('DATABASE_STATEMENT_TIMEOUT_MS must be less than DATABASE_QUERY_TIMEOUT_MS');
  }
  if (t.lockMs > t.statementMs) {
    problems.push('DATABASE_LOCK_TIMEOUT_MS must not be more than DATABASE_STATEMENT_TIMEOUT_MS');
  }
  return Object.freeze(t);
}

/**
 * Budgets are kept per instance, in memory (no database write per request, and no dependence on the
 * database for refusing a flood): with RATE_LIMIT_INSTANCES instances behind one balancer each holds its
 * share, so a client gets about its whole budget when the balancer spreads its requests.
 */
function rateLimits(int: (name: keyof typeof DEFAULTS, min: number, max: number) => number) {
  const instances = int('RATE_LIMIT_INSTANCES', 1, 1000);
  const perMinute = int('RATE_LIMIT_PER_MINUTE', 1, 100_000_000);
  const burst = int('RATE_LIMIT_BURST', 1, 1_000_000);
  const share = (n: number) => Math.max(1, n / instances);
  const ops = int('OPS_RATE_LIMIT_PER_MINUTE', 1, 100_000_000);
  return Object.freeze({
    client: Object.freeze({ perMinute: share(perMinute), burst: share(burst) }),
    operator: Object.freeze({ perMinute: share(ops), burst: Math.max(1, share(ops) / 10) }),
  });
}

function batchConfig(
  int: (name: keyof typeof DEFAULTS, min: number, max: number) => number,
  bodyLimitBytes: number,
): BatchConfig {
  const syncMaxItems = int('BATCH_SYNC_MAX_ITEMS', 1, 100_000);
  return Object.freeze({
    syncMaxItems,
    syncMaxBytes: Math.max(bodyLimitBytes, syncMaxItems * 4096),
    syncConcurrency: int('BATCH_SYNC_CONCURRENCY', 1, 1000),
    maxItems: int('BATCH_MAX_ITEMS', 1, 10_000_000),
    maxLineBytes: int('BATCH_MAX_LINE_BYTES', 1024, 16 * 1024 * 1024),
    maxBytes: int('BATCH_MAX_BYTES', 1024, 16 * 1024 * 1024 * 1024),
    leaseMs: int('BATCH_LEASE_MS', 500, 3_600_000),
  });
}

function registerConfig(
  env: Env,
  int: (name: keyof typeof DEFAULTS, min: number, max: number) => number,
  problems: string[],
): RegisterConfig {
  const url = env.REGISTER_URL || undefined;
  if (url !== undefined && !/^https?:\/\/[^/\s]+/.test(url)) {
    problems.push('REGISTER_URL must be an http:// or https:// URL, e.g. http://127.0.0.1:8090');
  }
  const timeoutMs = int('REGISTER_TIMEOUT_MS', 100, 60_000);
  const base = int('OUTBOX_BACKOFF_BASE_MS', 10, 3_600_000);
  const max = int('OUTBOX_BACKOFF_MAX_MS', 10, 86_400_000);
  if (max < base) problems.push('OUTBOX_BACKOFF_MAX_MS must not be less than OUTBOX_BACKOFF_BASE_MS');
  return Object.freeze({
    url: url?.replace(/\/+$/, ''),
    timeoutMs,
    breaker: Object.freeze({
      volumeThreshold: int('REGISTER_BREAKER_VOLUME', 1, 10_000),
      errorThresholdPercentage: int('REGISTER_BREAKER_ERROR_PERCENT', 1, 100),
      resetTimeoutMs: int('REGISTER_BREAKER_RESET_MS', 100, 3_600_000),
    }),
    delivery: Object.freeze({
      maxAttempts: int('OUTBOX_MAX_ATTEMPTS', 1, 10_000),
      maxAgeMs: int('OUTBOX_MAX_AGE_MS', 1000, 365 * 86_400_000),
      backoffBaseMs: base,
      backoffMaxMs: max,
      leaseMs: lease(env, timeoutMs, problems),
    }),
  });
}

/**
 * OUTBOX_LEASE_MS: how long a claim is left to its instance. It outlives the call it was made for, so no
 * other instance resends while that call may still be answered, and generously: it is measured from before
 * the claiming transaction, on the claiming instance's clock (instances' clocks differ a little). Unset:
 * twice REGISTER_TIMEOUT_MS and 5 s more. A resend within it would be harmless all the same: the register
 * answers a key it has seen with its first answer.
 */
function lease(env: Env, timeoutMs: number, problems: string[]): number {
  const raw = env.OUTBOX_LEASE_MS;
  if (raw === undefined || raw === '') return 2 * timeoutMs + 5000;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n <= timeoutMs || n > 3_600_000) {
    problems.push(
      'OUTBOX_LEASE_MS must be a whole number of milliseconds above REGISTER_TIMEOUT_MS, at most 3600000',
    );
  }
  return n;
}

function readTls(env: Env, problems: string[]): TlsConfig | undefined {
  const files = { certFile: env.TLS_CERT_FILE, keyFile: env.TLS_KEY_FILE, caFile: env.TLS_CA_FILE };
  const given = Object.values(files).filter(Boolean).length;
  if (given === 0) return undefined;
  if (given < 3) {
    problems.push('TLS needs all of TLS_CERT_FILE, TLS_KEY_FILE and TLS_CA_FILE');
    return undefined;
  }
  const proxies = (env.TLS_TRUSTED_PROXY_FINGERPRINTS ?? '')
    .split(',')
    .map((f) => f.trim().replace(/:/g, '').toLowerCase())
    .filter(Boolean);
  if (proxies.some((f) => !/^[0-9a-f]{64}$/.test(f))) {
    problems.push('TLS_TRUSTED_PROXY_FINGERPRINTS must be comma-separated SHA-256 fingerprints in hex');
  }
  return Object.freeze({
    ...(files as Record<keyof typeof files, string>),
    trustedProxyFingerprints: Object.freeze(proxies),
  });
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
