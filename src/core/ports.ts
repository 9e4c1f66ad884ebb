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

export type NewNotification = Omit<StoredNotification, 'status' | 'childCode' | 'rejection' | 'registeredAt'>;

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
export interface CodeSeriesState {
  signIndex: number;
  lastNumber: number;
}

export interface NotificationRepository {
  find(clientId: string, notificationId: string): Promise<StoredNotification | undefined>;
}

export interface NotificationWriter extends NotificationRepository {
  /** Inserts as `pending`; false when the (client, id) pair exists already. */
  insert(n: NewNotification): Promise<boolean>;
  markRegistered(clientId: string, notificationId: string, childCode: string | null, at: Date): Promise<void>;
  markRejected(clientId: string, notificationId: string, rejection: Rejection, at: Date): Promise<void>;
  /** Locks up to `limit` pending notifications that no other worker holds. */
  claimPending(limit: number): Promise<StoredNotification[]>;
}

/** The population register as seen inside a transaction. */
export interface RegisterPort {
  findPerson(code: string): Promise<Person | undefined>;
  addPerson(p: Omit<Person, 'deathDate' | 'deathDateLatest'>): Promise<void>;
  markDeceased(code: string, date: string, latestDate: string): Promise<void>;
  /** Locks the series row (creating it at `initial`) until the transaction ends. */
  lockCodeSeries(key: CodeSeriesKey, initial: CodeSeriesState): Promise<CodeSeriesState>;
  saveCodeSeries(key: CodeSeriesKey, state: CodeSeriesState): Promise<void>;
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
