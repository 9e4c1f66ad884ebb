import { randomUUID } from 'node:crypto';
import { DomainError, validationFailed } from '../errors';
import { FieldErrorCollector, member } from '../notifications/field-errors';
import type { AuditEntry, AuditLog, ClientRecordInput, ClientRepository } from '../ports';
import type { Clock } from '../time/clock';
import { helsinkiDate } from '../time/helsinki';
import { type ChannelDecision, type CutoffSettings, decideChannel, refusalError } from './channel-policy';
import {
  type Channel,
  type ChannelException,
  CLIENT_ID_PATTERN,
  type Client,
  type SoapChannel,
} from './client';
import { fingerprints, validateClientPatch, validateExceptionInput } from './client-changes';
import { effectiveCutoffs, type MigrationStatus, migrationStatus } from './migration-status';
import type { UsageRecorder, UsageStore, UsageSummary } from './usage';

export interface ClientOverview {
  client: Client;
  /** Calls per channel over the last 30 days. */
  usage: UsageSummary[];
  status: MigrationStatus;
  cutoffs: Record<SoapChannel, string | null>;
  /** The client's last SOAP call on record, however long ago. */
  lastSoapCall: { channel: SoapChannel; at: Date } | null;
}

export interface IdentifiedClient {
  client: Client;
  decision: Extract<ChannelDecision, { allowed: true }>;
}

/** Who is calling and may they use this channel: asked by every façade on every call. */
export class ClientService {
  constructor(
    private readonly repo: ClientRepository,
    private readonly clock: Clock,
    private readonly cutoffs: CutoffSettings,
    /** Counts every identified call, accepted or refused, for the migration registry. */
    private readonly usage?: { recorder: UsageRecorder; store: UsageStore },
    private readonly audit?: AuditLog,
  ) {}

  /**
   * @param clientId the decoded X-Road client identifier, or undefined when the request named none
   * @param certificateFingerprint SHA-256 of the TLS client certificate, when TLS client auth is on
   * @param trustedProxy the certificate is a trusted X-Road security server's, which may speak for any client
   */
  async identify(
    clientId: string | undefined,
    channel: Channel,
    certificateFingerprint?: string,
    trustedProxy = false,
  ): Promise<IdentifiedClient> {
    if (!clientId) throw new DomainError('MISSING_CLIENT_IDENTITY');
    const client = await this.repo.find(clientId);
    if (!client) throw new DomainError('UNKNOWN_CLIENT');
    if (
      certificateFingerprint &&
      !trustedProxy &&
      !client.certificateFingerprints.includes(certificateFingerprint)
    ) {
      this.usage?.recorder.record(client.id, channel, 'refused', this.clock.now());
      throw new DomainError('CLIENT_CERT_MISMATCH');
    }
    const now = this.clock.now();
    const decision = decideChannel(client, channel, now, this.cutoffs);
    this.usage?.recorder.record(
      client.id,
      channel,
      decision.allowed ? 'accepted' : decision.code === 'CHANNEL_RETIRED' ? 'retired' : 'refused',
      now,
    );
    if (!decision.allowed) {
      throw refusalError(decision);
    }
    return { client, decision };
  }

  cutoffSettings(): CutoffSettings {
    return this.cutoffs;
  }

  decide(client: Client, channel: Channel): ChannelDecision {
    return decideChannel(client, channel, this.clock.now(), this.cutoffs);
  }

  async create(input: unknown, operator = 'system'): Promise<Client> {
    const record = validateClientInput(input);
    const at = this.clock.now();
    const { id, ...fields } = record;
    const audit: AuditEntry = { at, operator, action: 'client.create', clientId: id, details: fields };
    if (!(await this.repo.insert(record, at, audit))) {
      throw new DomainError('CLIENT_ALREADY_EXISTS', {}, [
        { field: 'id', code: 'CLIENT_ALREADY_EXISTS', message: 'already registered' },
      ]);
    }
    return this.get(record.id);
  }

  list(): Promise<Client[]> {
    return this.repo.list();
  }

  async update(id: string, input: unknown, operator: string): Promise<Client> {
    const patch = validateClientPatch(input);
    const at = this.clock.now();
    const audit: AuditEntry = {
      at,
      operator,
      action: 'client.update',
      clientId: id,
      details: { changes: patch },
    };
    if (!(await this.repo.update(id, patch, at, audit))) throw clientNotFound();
    return this.get(id);
  }

  /** Keeps one SOAP channel open for one client until the end of a day; audited. */
  async grantException(id: string, input: unknown, operator: string): Promise<ChannelException> {
    const client = await this.get(id);
    const now = this.clock.now();
    const ex = validateExceptionInput(input, helsinkiDate(now));
    if (client.kind === 'new') {
      throw validationFailed([
        {
          field: 'channel',
          code: 'INVALID_VALUE',
          message: 'SOAP was never open to a client registered as new',
        },
      ]);
    }
    const exception = { id: randomUUID(), ...ex, grantedBy: operator, grantedAt: now };
    const audit: AuditEntry = {
      at: now,
      operator,
      action: 'exception.grant',
      clientId: id,
      details: { ...ex, exceptionId: exception.id },
    };
    await this.repo.addException(id, exception, audit);
    return { ...exception, revokedAt: null, revokedBy: null };
  }

  async revokeException(id: string, exceptionId: string, operator: string): Promise<ChannelException> {
    const client = await this.get(id);
    const now = this.clock.now();
    const audit: AuditEntry = {
      at: now,
      operator,
      action: 'exception.revoke',
      clientId: id,
      details: { exceptionId },
    };
    const existing = client.exceptions.find((e) => e.id === exceptionId && e.revokedAt === null);
    if (!existing || !(await this.repo.revokeException(id, exceptionId, operator, now, audit))) {
      throw new DomainError('EXCEPTION_NOT_FOUND');
    }
    return { ...existing, revokedAt: now, revokedBy: operator };
  }

  trail(id: string): Promise<AuditEntry[]> {
    return this.audit?.trail(id) ?? Promise.resolve([]);
  }

  /**
   * Every client with its calls per channel over the last 30 days and its
   * migration status — now, or as it will be on `asOf` if it keeps calling
   * what it calls now.
   */
  async overview(asOf?: Date): Promise<ClientOverview[]> {
    const now = this.clock.now();
    const since = helsinkiDate(new Date(now.getTime() - 30 * 86_400_000));
    const [clients, usage, ever] = await Promise.all([
      this.repo.list(),
      this.usage?.store.summary(since) ?? [],
      this.usage?.store.summary(EPOCH_DAY) ?? [],
    ]);
    return clients.map((client) => {
      const own = usage.filter((u) => u.clientId === client.id);
      return {
        client,
        usage: own,
        status: migrationStatus(client, own, now, this.cutoffs, asOf ?? now),
        cutoffs: effectiveCutoffs(client, this.cutoffs),
        lastSoapCall: lastSoapCall(ever.filter((u) => u.clientId === client.id)),
      };
    });
  }

  /** The clock's now: what "today" and "days to cut-off" are counted from. */
  now(): Date {
    return this.clock.now();
  }

  find(id: string): Promise<Client | undefined> {
    return this.repo.find(id);
  }

  async get(id: string): Promise<Client> {
    const client = await this.repo.find(id);
    if (!client) throw clientNotFound();
    return client;
  }
}

const EPOCH_DAY = '1970-01-01';

function lastSoapCall(usage: readonly UsageSummary[]): ClientOverview['lastSoapCall'] {
  let last: ClientOverview['lastSoapCall'] = null;
  for (const u of usage) {
    if (u.channel !== 'rest' && (!last || u.lastSeen > last.at))
      last = { channel: u.channel, at: u.lastSeen };
  }
  return last;
}

function clientNotFound(): DomainError {
  return new DomainError('CLIENT_NOT_FOUND');
}

export function validateClientInput(input: unknown): ClientRecordInput {
  const e = new FieldErrorCollector();
  const id = e.string(input, '', 'id');
  if (id !== undefined && !CLIENT_ID_PATTERN.test(id)) {
    e.add('id', 'INVALID_FORMAT', 'must be an X-Road identifier INSTANCE/CLASS/MEMBER/SUBSYSTEM');
  }
  const name = e.string(input, '', 'name');
  const organisation = e.string(input, '', 'organisation');
  const kind = e.string(input, '', 'kind');
  if (kind !== undefined && kind !== 'existing' && kind !== 'new') {
    e.add('kind', 'INVALID_VALUE', 'must be "existing" or "new"');
  }
  const sandbox = member(input, 'sandbox') ?? false;
  if (typeof sandbox !== 'boolean') e.add('sandbox', 'INVALID_TYPE', 'must be true or false');
  const prints = fingerprints(e, member(input, 'certificateFingerprints') ?? []);
  e.throwIfAny();
  return {
    id: id as string,
    name: name as string,
    organisation: organisation as string,
    kind: kind as Client['kind'],
    sandbox: sandbox as boolean,
    certificateFingerprints: prints,
  };
}
