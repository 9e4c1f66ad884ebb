import type { Channel, ChannelException, Client, ClientKind } from './clients/client';
import type { ErrorCode, FieldError } from './errors';
import type { Sex } from './hetu/hetu';
import type { Notification } from './notifications/fingerprint';

export type NotificationStatus = 'pending' | 'registered' | 'rejected';

export interface Rejection {
  code: ErrorCode;
  message: string;
  fieldErrors: FieldError[];
}

/** One row per (client, notificationId): the idempotency record and the result in one. */
export interface StoredNotification {
  clientId: string;
  notificationId: string;
  kind: Notification['kind'];
  channel: Channel;
  fingerprint: string;
  sandbox: boolean;
  content: Notification;
  status: NotificationStatus;
  childCode: string | null;
  rejection: Rejection | null;
  receivedAt: Date;
  registeredAt: Date | null;
  updatedAt: Date;
}

export type NewNotification = Omit<StoredNotification, 'updatedAt'>;

export interface Person {
  personalIdentityCode: string;
  birthDate: string;
  sex: Sex;
  temporary: boolean;
  /** As reported (YYYY-MM-DD, or YYYY-MM / YYYY when estimated). */
  deathDate: string | null;
  /** The last day the death date can mean; what rules compare against. */
  deathDateLatest: string | null;
}

/** Which run of individual numbers a newborn's code comes from. */
export interface CodeSeriesKey {
  birthDate: string;
  pool: 'permanent' | 'temporary';
  parity: 0 | 1;
}
/** The numbers one series runs through, per century sign: first, first + 2, …, up to last. */
export interface CodeSeriesRun {
  first: number;
  last: number;
}
/** A series position: the sign's place in the century's order, and the individual number. */
export interface CodeSeriesPosition {
  signIndex: number;
  number: number;
}

export interface NotificationRepository {
  find(clientId: string, notificationId: string): Promise<StoredNotification | undefined>;
}

export interface NotificationWriter extends NotificationRepository {
  /** Inserts with its outcome; undefined when the (client, id) pair exists already. */
  insert(n: NewNotification): Promise<StoredNotification | undefined>;
  markRegistered(clientId: string, notificationId: string, childCode: string | null, at: Date): Promise<void>;
  markRejected(clientId: string, notificationId: string, rejection: Rejection, at: Date): Promise<void>;
  /** Locks up to `limit` pending notifications that no other worker holds. */
  claimPending(limit: number): Promise<StoredNotification[]>;
}

/** The population register as seen inside a transaction. */
export interface RegisterPort {
  findPerson(code: string): Promise<Person | undefined>;
  /** Adds the person unless the code is taken; false when it is. */
  claimPerson(p: Omit<Person, 'deathDate' | 'deathDateLatest'>): Promise<boolean>;
  markDeceased(code: string, date: string, latestDate: string): Promise<void>;
  /**
   * Moves the series to its next position and returns it: the next number of
   * the run, or the run's first number under the next sign once the run is
   * used up. A new series starts at the first number of the first sign. The
   * series stays locked until the transaction ends, so concurrent registrations
   * (on any instance) take positions one after another.
   */
  advanceCodeSeries(key: CodeSeriesKey, run: CodeSeriesRun): Promise<CodeSeriesPosition>;
}

export interface Transaction {
  notifications: NotificationWriter;
  register: RegisterPort;
  /** Runs `fn` inside a savepoint: when it throws, its writes are undone and the transaction goes on. */
  attempt<T>(fn: () => Promise<T>): Promise<T>;
}

export interface PersonLoad {
  personalIdentityCode: string;
  birthDate: string;
  sex: Sex;
  temporary: boolean;
  deathDate: string | null;
}

export interface ClientRecordInput {
  id: string;
  name: string;
  organisation: string;
  kind: ClientKind;
  sandbox: boolean;
  certificateFingerprints: string[];
}

export interface ClientRepository {
  find(id: string): Promise<Client | undefined>;
  list(): Promise<Client[]>;
  /** False when the id is taken. */
  insert(c: ClientRecordInput, at: Date): Promise<boolean>;
  update(id: string, patch: Partial<Omit<ClientRecordInput, 'id'>>, at: Date): Promise<boolean>;
  addException(clientId: string, ex: Omit<ChannelException, 'revokedAt' | 'revokedBy'>): Promise<void>;
  revokeException(clientId: string, exceptionId: string, by: string, at: Date): Promise<boolean>;
}

export interface Store {
  notifications: NotificationRepository;
  clients: ClientRepository;
  /** Upserts persons; returns how many were new. */
  loadPersons(persons: PersonLoad[]): Promise<{ created: number; updated: number }>;
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
}

/**
 * Guards calls to the register (a circuit breaker in production). When the
 * register is failing it throws at once, and the notification stays pending.
 */
export interface RegisterGuard {
  run<T>(fn: () => Promise<T>): Promise<T>;
}

export interface Logger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}
