import type { ChannelException, Client } from './clients/client';
import type { AuditEntry, ClientRecordInput } from './clients/records';
import type { NewNotification, Rejection, StoredNotification } from './notifications/notification';
import type {
  CodeSeriesKey,
  CodeSeriesPosition,
  Death,
  NewPerson,
  Person,
  PersonLoad,
} from './register/person';

export interface NotificationRepository {
  find(clientId: string, notificationId: string): Promise<StoredNotification | undefined>;
}

export interface NotificationWriter extends NotificationRepository {
  /** Inserts each with its outcome; returns those inserted (a (client, id) pair that exists is skipped). */
  insertMany(rows: readonly NewNotification[]): Promise<StoredNotification[]>;
  markRegistered(clientId: string, notificationId: string, childCode: string | null, at: Date): Promise<void>;
  markRejected(clientId: string, notificationId: string, rejection: Rejection, at: Date): Promise<void>;
  /** Locks up to `limit` pending notifications that no other worker holds. */
  claimPending(limit: number): Promise<StoredNotification[]>;
}

/**
 * The population register as seen inside a transaction. Every method takes a
 * whole batch, so registering many notifications costs the same few round
 * trips as registering one.
 *
 * Every decision is made on persons read with `lockPersons`: they stay locked
 * until the transaction ends, so a decision and its writes are one step in a
 * serial order however many batches and instances run at once.
 */
export interface RegisterPort {
  /**
   * The persons among these codes that exist, in any order, each locked until
   * the transaction ends (taken in code order, so batches cannot deadlock). A
   * person whose lock had to be waited for comes back as its holder left it.
   */
  lockPersons(codes: readonly string[]): Promise<Person[]>;
  /** Adds the persons whose code is free; returns the codes it added. */
  claimPersons(persons: readonly NewPerson[]): Promise<Set<string>>;
  /**
   * The latest birth date of a child registered to each of these mothers
   * (absent: none). Asked after `lockPersons` has locked the mothers, so a
   * birth whose lock was waited for is seen.
   */
  latestChildBirthDates(motherCodes: readonly string[]): Promise<Map<string, string>>;
  /** Records deaths of persons locked by `lockPersons`. */
  markDeceased(deaths: readonly Death[]): Promise<void>;
  /**
   * Reads the series' positions, creating missing series at `initial`, and
   * locks them until the transaction ends, so concurrent registrations (on any
   * instance) of the same day and sex queue on them. Positions come back in
   * the order given.
   */
  lockCodeSeries(
    series: readonly { key: CodeSeriesKey; initial: CodeSeriesPosition }[],
  ): Promise<CodeSeriesPosition[]>;
  saveCodeSeries(series: readonly { key: CodeSeriesKey; position: CodeSeriesPosition }[]): Promise<void>;
}

export interface Transaction {
  notifications: NotificationWriter;
  register: RegisterPort;
  /** Runs `fn` inside a savepoint: when it throws, its writes are undone and the transaction goes on. */
  attempt<T>(fn: () => Promise<T>): Promise<T>;
}

export interface ClientRepository {
  find(id: string): Promise<Client | undefined>;
  list(): Promise<Client[]>;
  /** False when the id is taken. */
  insert(c: ClientRecordInput, at: Date, audit?: AuditEntry): Promise<boolean>;
  update(
    id: string,
    patch: Partial<Omit<ClientRecordInput, 'id'>>,
    at: Date,
    audit?: AuditEntry,
  ): Promise<boolean>;
  addException(
    clientId: string,
    ex: Omit<ChannelException, 'revokedAt' | 'revokedBy'>,
    audit?: AuditEntry,
  ): Promise<void>;
  /** False when the client has no such exception in force. */
  revokeException(
    clientId: string,
    exceptionId: string,
    by: string,
    at: Date,
    audit?: AuditEntry,
  ): Promise<boolean>;
}

export interface AuditLog {
  /** A client's audit trail, oldest first. */
  trail(clientId: string): Promise<AuditEntry[]>;
}

export interface Store {
  notifications: NotificationRepository;
  clients: ClientRepository;
  /** Upserts persons; returns how many were new. */
  loadPersons(persons: PersonLoad[]): Promise<{ created: number; updated: number }>;
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** A failure the whole transaction may simply be run again after (deadlock, serialization failure). */
  isTransient(err: unknown): boolean;
  /** The store cannot serve now (unreachable, too slow, shutting down): the request may be sent again. */
  isUnavailable(err: unknown): boolean;
}

/**
 * Guards calls to the register (a circuit breaker in production). When the
 * register is failing it throws at once, and the notification stays pending.
 */
export interface RegisterGuard {
  run<T>(fn: () => Promise<T>): Promise<T>;
}

/** Is the gateway's store ready to serve: reachable and migrated? Answered within a bounded time. */
export interface Health {
  /** Which store it is, for the readiness answer: `pg` or `pglite`. */
  readonly database: string;
  ready(): Promise<boolean>;
}

export interface Logger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}
