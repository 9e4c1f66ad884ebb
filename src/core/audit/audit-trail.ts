import { createHmac } from 'node:crypto';
import type { Logger } from '../ports';
import type { Clock } from '../time/clock';
import {
  type AuditCursor,
  type AuditEvent,
  type AuditFilter,
  type AuditRecord,
  auditText,
  type NewAuditRecord,
  personKey,
  type StoredAuditFilter,
} from './audit-record';

export interface AuditStore {
  /** Appends rows in one statement. */
  append(rows: readonly NewAuditRecord[]): Promise<void>;
  /** Rows matching the filter, newest first (by time, then id), at most `limit`. */
  list(filter: StoredAuditFilter): Promise<AuditRecord[]>;
  /**
   * Deletes up to `chunk` rows older than `before`, in a transaction of its
   * own; returns how many, or null when another instance is purging now.
   */
  purgeChunk(before: Date, chunk: number): Promise<number | null>;
  /** The key of the hashes: the configured one, or the one kept in the database (made on first use). */
  hashKey(): Promise<string>;
}

export interface AuditTrailDeps {
  store: AuditStore;
  clock: Clock;
  logger: Logger;
  /** Rows older than this many days are purged. */
  retentionDays: number;
  /** A flush starts by itself once this many rows wait (besides the timer's). */
  flushAt?: number;
  /** Rows per INSERT: a flush of more writes them in several, letting requests run between them. */
  rowsPerStatement?: number;
  /**
   * Lets whatever waits run before the next statement of a flush (the
   * composition's: the next event-loop turn, which an embedded database that
   * answers without I/O would never give). Unset: none.
   */
  yieldTurn?: () => Promise<void>;
  /** Past this many unwritten rows (the database down for long) the oldest are dropped, and counted. */
  maxPending?: number;
  /** Rows deleted per purge transaction. */
  purgeChunk?: number;
}

const DAY_MS = 86_400_000;

/**
 * The audit trail of notification requests. Recording is a push into memory:
 * no request waits for, or adds a transaction for, its audit row. Rows are
 * written in multi-row INSERTs of at most `rowsPerStatement` (every
 * AUDIT_FLUSH_MS, when `flushAt` rows wait, and at shutdown), and the codes in them are hashed
 * then, off the request's path. What a crash can lose is what had not been
 * flushed: at most the last AUDIT_FLUSH_MS of rows (more while the database
 * is down: a failed flush keeps its rows for the next one).
 */
export class AuditTrail {
  private pending: NewAuditEvent[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private dropped = 0;
  private key: Promise<string> | undefined;

  constructor(private readonly deps: AuditTrailDeps) {}

  /** Notes one request's end, stamped with the clock's now. Never throws, never waits. */
  record(event: AuditEvent): void {
    this.pending.push({ ...event, at: this.deps.clock.now() });
    const max = this.deps.maxPending ?? 100_000;
    if (this.pending.length > max) {
      const over = this.pending.length - max;
      this.pending.splice(0, over);
      this.dropped += over;
    }
    if (this.pending.length >= (this.deps.flushAt ?? 100) && this.inFlight.size === 0) {
      this.flush().catch((err) => this.deps.logger.warn({ err: String(err) }, 'audit flush failed'));
    }
  }

  /**
   * Resolves once fewer than `limit` rows wait, writing them if need be (at
   * once when fewer wait). For producers that can outrun the writer (the
   * items of batch requests, thousands a second): awaited before each batch,
   * it holds the backlog near `limit` rather than letting it grow to
   * `maxPending`, where the oldest rows would be dropped. A failed write is
   * not the caller's failure: the rows stay for the next flush, and `record`
   * still bounds them.
   */
  async caughtUp(limit: number): Promise<void> {
    while (this.pending.length >= limit) {
      try {
        await this.flush();
      } catch {
        return;
      }
    }
  }

  /** How many rows wait to be written. */
  get waiting(): number {
    return this.pending.length;
  }

  /** Writes what waits (and waits for flushes under way); a failure keeps the rows for the next flush. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    if (this.pending.length === 0) return this.reportDropped();
    const batch = this.pending;
    this.pending = [];
    const size = this.deps.rowsPerStatement ?? 200;
    const run = (async () => {
      let written = 0;
      try {
        const key = await this.hashKey();
        while (written < batch.length) {
          if (written > 0) await this.deps.yieldTurn?.();
          const chunk = batch.slice(written, written + size);
          await this.deps.store.append(chunk.map((e) => toRecord(e, key)));
          written += chunk.length;
        }
      } catch (err) {
        this.pending = [...batch.slice(written), ...this.pending];
        throw err;
      }
    })();
    this.inFlight.add(run);
    try {
      await run;
    } finally {
      this.inFlight.delete(run);
    }
    this.reportDropped();
  }

  /** A page of the trail, newest first, and where the next page starts (null: this is the last). */
  async list(filter: AuditFilter): Promise<{ entries: AuditRecord[]; next: AuditCursor | null }> {
    const { person, userId, ...rest } = filter;
    const key = person !== undefined || userId !== undefined ? await this.hashKey() : '';
    const stored: StoredAuditFilter = {
      ...rest,
      ...(rest.notificationId !== undefined && {
        notificationId: auditText(rest.notificationId, NOTIFICATION_ID_MAX) ?? '',
      }),
      ...(rest.clientId !== undefined && { clientId: auditText(rest.clientId, CLIENT_ID_MAX) ?? '' }),
      ...(person !== undefined && { personHash: personHash(key, person) }),
      ...(userId !== undefined && { userHash: userHash(key, userId) }),
    };
    const entries = await this.deps.store.list(stored);
    const last = entries[entries.length - 1];
    return { entries, next: entries.length === filter.limit && last ? { at: last.at, id: last.id } : null };
  }

  /**
   * Deletes every row older than the retention, in chunks (each its own
   * short transaction); returns how many. Another instance purging at the
   * same time makes this one stop: the work is the same.
   */
  async purge(): Promise<number> {
    const before = new Date(this.deps.clock.now().getTime() - this.deps.retentionDays * DAY_MS);
    const chunk = this.deps.purgeChunk ?? 5000;
    let total = 0;
    for (;;) {
      const n = await this.deps.store.purgeChunk(before, chunk);
      if (n === null) break;
      total += n;
      if (n < chunk) break;
    }
    if (total > 0) {
      this.deps.logger.info(
        { purged: total, before: before.toISOString(), retentionDays: this.deps.retentionDays },
        'audit trail purged',
      );
    }
    return total;
  }

  private hashKey(): Promise<string> {
    this.key ??= this.deps.store.hashKey().catch((err) => {
      this.key = undefined;
      throw err;
    });
    return this.key;
  }

  private reportDropped(): void {
    if (this.dropped === 0) return;
    this.deps.logger.error(
      { dropped: this.dropped },
      'audit rows dropped: the database took none for too long and the buffer was full',
    );
    this.dropped = 0;
  }
}

type NewAuditEvent = AuditEvent & { at: Date };

const CLIENT_ID_MAX = 255;
const NOTIFICATION_ID_MAX = 200;

function toRecord(e: NewAuditEvent, key: string): NewAuditRecord {
  const persons = [...new Set(e.persons.map(personKey).filter((p): p is string => p !== null))];
  const user = e.userId?.trim() || null;
  return {
    at: e.at,
    channel: e.channel,
    operation: e.operation,
    clientId: auditText(e.clientId, CLIENT_ID_MAX),
    clientIdentified: e.clientIdentified,
    xRoadId: auditText(e.xRoadId, 200),
    userId: auditText(user, 200),
    userHash: user === null ? null : userHash(key, user),
    notificationId: auditText(e.notificationId, NOTIFICATION_ID_MAX),
    outcome: e.outcome,
    replayed: e.replayed,
    httpStatus: e.httpStatus,
    personHashes: persons.map((p) => personHash(key, p)),
  };
}

/** HMAC-SHA-256 of a code (normalised), hex; `person:` and `user:` keep the two kinds apart. */
function personHash(key: string, code: string): string {
  return hmac(key, `person:${personKey(code) ?? code.trim().toUpperCase()}`);
}

function userHash(key: string, userId: string): string {
  return hmac(key, `user:${userId.trim()}`);
}

function hmac(key: string, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}
