import type { ChannelException, Client } from './clients/client';
import type { AuditEntry, ClientRecordInput } from './clients/records';
import type {
  KeyedRegistration,
  NewNotification,
  NotificationKey,
  RegisterAnswer,
  RegisterRefusal,
  Rejection,
  StoredNotification,
} from './notifications/notification';
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
  /** Those of these notifications that are stored, in any order (one round trip however many). */
  findMany(keys: readonly NotificationKey[]): Promise<StoredNotification[]>;
  /** Pending notifications, the oldest first: those needing attention, or those the outbox still tries. */
  listPending(needingAttention: boolean, limit: number): Promise<StoredNotification[]>;
  /** How many are pending: needing attention, and still tried by the outbox. */
  countPending(): Promise<{ needsAttention: number; pending: number }>;
}

export interface NotificationWriter extends NotificationRepository {
  /** Inserts each with its outcome; returns those inserted (a (client, id) pair that exists is skipped). */
  insertMany(rows: readonly NewNotification[]): Promise<StoredNotification[]>;
  /**
   * Inserts each with its outcome as the transaction's last statement (the
   * store may send its commit with it; nothing may follow). Every row must be
   * new: when a (client, id) pair exists it throws NotificationStoredMeanwhile,
   * and when a code claimed unchecked turns out held, CodeHeld; either way the
   * whole transaction is undone.
   */
  insertLast(rows: readonly NewNotification[]): Promise<StoredNotification[]>;
  markRegistered(clientId: string, notificationId: string, childCode: string | null, at: Date): Promise<void>;
  markRejected(clientId: string, notificationId: string, rejection: Rejection, at: Date): Promise<void>;
  /**
   * Locks up to `limit` pending notifications due by `now` (and not needing
   * attention) that no other instance holds, oldest due first.
   */
  claimDue(now: Date, limit: number): Promise<StoredNotification[]>;
  /** Counts an attempt of each and sets when it may be tried next (whoever claims it then). */
  scheduleAttempts(
    rows: readonly (NotificationKey & { attempts: number; nextAttemptAt: Date })[],
  ): Promise<void>;
  /**
   * Notes how an attempt that got no answer ended, on those still pending: the attempts counted so far,
   * when it may be tried next, what it met (null: no call went out, the last error stands), and
   * `attentionSince` set: tried enough, now an operator's to decide.
   */
  recordFailures(
    rows: readonly (NotificationKey & {
      attempts: number;
      nextAttemptAt: Date;
      lastError: string | null;
      attentionSince: Date | null;
    })[],
  ): Promise<void>;
  /** The register's answers, onto those of these notifications that are still pending. */
  recordAnswers(rows: readonly (NotificationKey & { answer: RegisterAnswer })[], at: Date): Promise<void>;
  /** The notification, locked until the transaction ends (an operator's change waits for a delivery under way). */
  findForUpdate(clientId: string, notificationId: string): Promise<StoredNotification | undefined>;
  /** A pending notification due at once with its attempts counted from zero, audited; false if not pending. */
  requeue(key: NotificationKey, at: Date, audit: AuditEntry): Promise<boolean>;
  /**
   * Every notification needing attention (of one client, or of all) due at once, attempts counted from
   * zero, each audited as `notification.retry` under its client with `{ notificationId, kind, attempts }`
   * (the attempts before) and `details`, in the same statement. Returns how many.
   */
  requeueNeedingAttention(
    clientId: string | undefined,
    at: Date,
    audit: Pick<AuditEntry, 'operator' | 'details'>,
  ): Promise<number>;
  /** The final answer an operator's withdrawal got, onto a pending notification, audited; false if not pending. */
  settleByOperator(
    key: NotificationKey,
    answer: RegisterAnswer,
    at: Date,
    audit: AuditEntry,
  ): Promise<boolean>;
}

/**
 * The population register beyond the gateway (REGISTER_URL). Answers every
 * registration of a batch, in order: the first answer ever given for its
 * key, or its refusal of that one registration. Throws when it did not
 * answer: unreachable, too slow, failing; an error whose `permanent` is true
 * (the request refused as a whole) would meet the same if sent again.
 */
export interface RemoteRegister {
  register(items: readonly KeyedRegistration[]): Promise<(RegisterAnswer | RegisterRefusal)[]>;
  /** Closes keys for good (openapi/register.yaml, /v1/withdrawals): each key's final answer, in order. */
  withdraw(keys: readonly string[]): Promise<RegisterAnswer[]>;
}

/**
 * The register's own record of answers by idempotency key (the reference
 * register service), inside its transaction.
 */
export interface RegistrationLog {
  /** Takes the keys nobody has taken (waiting for a concurrent taker to finish); returns those taken. */
  take(entries: readonly { key: string; fingerprint: string }[], at: Date): Promise<Set<string>>;
  /** The answers recorded for these keys, with the fingerprint each was first given with. */
  find(keys: readonly string[]): Promise<Map<string, { fingerprint: string; answer: RegisterAnswer | null }>>;
  record(answers: readonly { key: string; answer: RegisterAnswer }[]): Promise<void>;
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
  /**
   * `lockPersons` and then `lockCodeSeries`, as one step (one round trip on
   * a database): every person's lock is taken before any series lock, as
   * when the two are called one after the other.
   */
  lockPersonsAndSeries(
    codes: readonly string[],
    series: readonly { key: CodeSeriesKey; initial: CodeSeriesPosition }[],
  ): Promise<{ persons: Person[]; series: CodeSeriesPosition[] }>;
  /**
   * Adds the persons whose code is free; returns the codes it added. With
   * `unchecked`, the codes are taken to be free and all come back at once;
   * the store writes them with the transaction's last statement, and if one
   * is held after all (a person loaded with that code), that statement
   * throws CodeHeld and the transaction is undone: for a caller that then
   * runs its work again checked.
   */
  claimPersons(persons: readonly NewPerson[], options?: { unchecked?: boolean }): Promise<Set<string>>;
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
  registrations: RegistrationLog;
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
  /** What an acknowledged notification survives on this store, in words for operators. */
  readonly durability: string;
  ready(): Promise<boolean>;
}

export interface Logger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

/** A notification id of the transaction's last insert was stored already (by another transaction meanwhile). */
export class NotificationStoredMeanwhile extends Error {
  constructor() {
    super('a notification id was stored meanwhile; the transaction was undone');
    this.name = 'NotificationStoredMeanwhile';
  }
}

/** A code claimed unchecked was held already; the transaction was undone. */
export class CodeHeld extends Error {
  constructor() {
    super('a code claimed unchecked was held already; the transaction was undone');
    this.name = 'CodeHeld';
  }
}
