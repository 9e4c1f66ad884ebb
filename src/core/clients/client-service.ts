import { DomainError } from '../errors';
import { FieldErrorCollector, member } from '../notifications/field-errors';
import type { ClientRecordInput, ClientRepository } from '../ports';
import type { Clock } from '../time/clock';
import { helsinkiDate } from '../time/helsinki';
import { type ChannelDecision, type CutoffSettings, decideChannel } from './channel-policy';
import { type Channel, CLIENT_ID_PATTERN, type Client, type SoapChannel } from './client';
import { effectiveCutoffs, type MigrationStatus, migrationStatus } from './migration-status';
import type { UsageRecorder, UsageStore, UsageSummary } from './usage';

export interface ClientOverview {
  client: Client;
  /** Calls per channel over the last 30 days. */
  usage: UsageSummary[];
  status: MigrationStatus;
  cutoffs: Record<SoapChannel, string | null>;
}

const FINGERPRINT = /^[0-9a-f]{64}$/;

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
    if (!clientId) {
      throw new DomainError('MISSING_CLIENT_IDENTITY', 'The request does not name its X-Road client.');
    }
    const client = await this.repo.find(clientId);
    if (!client) {
      throw new DomainError(
        'UNKNOWN_CLIENT',
        'The X-Road client is not registered with the gateway; ask DVV to register it.',
      );
    }
    if (
      certificateFingerprint &&
      !trustedProxy &&
      !client.certificateFingerprints.includes(certificateFingerprint)
    ) {
      this.usage?.recorder.record(client.id, channel, 'refused', this.clock.now());
      throw new DomainError(
        'CLIENT_CERT_MISMATCH',
        'The TLS client certificate is not registered for this client.',
      );
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
      throw new DomainError(decision.code, decision.message, [], {
        channel: decision.channel,
        successor: decision.successor,
        ...(decision.cutoff ? { cutoff: decision.cutoff.toISOString() } : {}),
      });
    }
    return { client, decision };
  }

  decide(client: Client, channel: Channel): ChannelDecision {
    return decideChannel(client, channel, this.clock.now(), this.cutoffs);
  }

  async create(input: unknown): Promise<Client> {
    const record = validateClientInput(input);
    if (!(await this.repo.insert(record, this.clock.now()))) {
      throw new DomainError('CLIENT_ALREADY_EXISTS', 'A client with this identifier is already registered.', [
        { field: 'id', code: 'CLIENT_ALREADY_EXISTS', message: 'already registered' },
      ]);
    }
    return this.get(record.id);
  }

  list(): Promise<Client[]> {
    return this.repo.list();
  }

  /**
   * Every client with its calls per channel over the last 30 days and its
   * migration status — now, or as it will be on `asOf` if it keeps calling
   * what it calls now.
   */
  async overview(asOf?: Date): Promise<ClientOverview[]> {
    const now = this.clock.now();
    const since = helsinkiDate(new Date(now.getTime() - 30 * 86_400_000));
    const [clients, usage] = await Promise.all([this.repo.list(), this.usage?.store.summary(since) ?? []]);
    return clients.map((client) => {
      const own = usage.filter((u) => u.clientId === client.id);
      return {
        client,
        usage: own,
        status: migrationStatus(client, own, now, this.cutoffs, asOf ?? now),
        cutoffs: effectiveCutoffs(client, this.cutoffs),
      };
    });
  }

  find(id: string): Promise<Client | undefined> {
    return this.repo.find(id);
  }

  async get(id: string): Promise<Client> {
    const client = await this.repo.find(id);
    if (!client) throw new DomainError('CLIENT_NOT_FOUND', 'No client with this identifier is registered.');
    return client;
  }
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
  const prints = member(input, 'certificateFingerprints') ?? [];
  const fingerprints: string[] = [];
  if (!Array.isArray(prints)) e.add('certificateFingerprints', 'INVALID_TYPE', 'must be an array');
  else {
    prints.forEach((p, i) => {
      const norm = typeof p === 'string' ? p.replace(/:/g, '').toLowerCase() : '';
      if (!FINGERPRINT.test(norm)) {
        e.add(`certificateFingerprints[${i}]`, 'INVALID_FORMAT', 'must be a SHA-256 fingerprint in hex');
      } else fingerprints.push(norm);
    });
  }
  e.throwIfAny();
  return {
    id: id as string,
    name: name as string,
    organisation: organisation as string,
    kind: kind as Client['kind'],
    sandbox: sandbox as boolean,
    certificateFingerprints: fingerprints,
  };
}
