import { randomBytes } from 'node:crypto';
import type { SoapChannel } from './core/clients/client';

/**
 * Every runtime setting (contract §6), read from the environment once, checked,
 * and frozen. Nothing else in src/ reads process.env.
 */
export interface Config {
  readonly port: number;
  readonly host: string;
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
  /** How often call counts for the migration registry are written. */
  readonly usageFlushMs: number;
  /** How long a client's registry entry is reused before it is read again. */
  readonly clientCacheMs: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Seed the sandbox demo into an empty embedded database at start. */
  readonly seedDemo: boolean;
  /** TLS with client certificates; unset: plain HTTP, on loopback only. */
  readonly tls: TlsConfig | undefined;
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
  CLIENT_CACHE_MS: '5000',
  USAGE_FLUSH_MS: '5000',
  LOG_LEVEL: 'info',
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

  const config = {
    port: int('PORT', 0, 65535),
    host,
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
    bodyLimitBytes: int('BODY_LIMIT_BYTES', 1024, 64 * 1024 * 1024),
    pendingRetryMs: int('PENDING_RETRY_MS', 100, 3_600_000),
    clientCacheMs: int('CLIENT_CACHE_MS', 0, 600_000),
    usageFlushMs: int('USAGE_FLUSH_MS', 100, 3_600_000),
    logLevel: logLevel as Config['logLevel'],
    seedDemo: databaseUrl === undefined && env.SEED_DEMO !== 'false',
    tls,
  };
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
