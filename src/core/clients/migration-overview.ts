import { DomainError } from '../errors';
import type { ClientRepository } from '../ports';
import type { Clock } from '../time/clock';
import { helsinkiDate } from '../time/helsinki';
import { type ChannelDecision, type CutoffSettings, decideChannel } from './channel-policy';
import type { Channel, Client, SoapChannel } from './client';
import { effectiveCutoffs, type MigrationStatus, migrationStatus } from './migration-status';
import type { UsageStore, UsageSummary } from './usage';

export interface ClientOverview {
  client: Client;
  /** Calls per channel over the last 30 days. */
  usage: UsageSummary[];
  status: MigrationStatus;
  cutoffs: Record<SoapChannel, string | null>;
  /** The client's last SOAP call on record, however long ago. */
  lastSoapCall: { channel: SoapChannel; at: Date } | null;
}

const WINDOW_MS = 30 * 86_400_000;
const EPOCH_DAY = '1970-01-01';

/**
 * Where every client stands in the migration: its calls per channel over the
 * last 30 days, its status — now, or on `asOf` if it keeps calling what it
 * calls now — the interfaces open to it and their effective cut-offs.
 */
export class MigrationOverview {
  constructor(
    private readonly deps: {
      clients: ClientRepository;
      clock: Clock;
      cutoffs: CutoffSettings;
      usage?: UsageStore;
    },
  ) {}

  /** Every client, in the repository's order. */
  async all(asOf?: Date): Promise<ClientOverview[]> {
    const since = this.windowStart();
    const [clients, recent, ever] = await Promise.all([
      this.deps.clients.list(),
      this.deps.usage?.summary(since) ?? [],
      this.deps.usage?.summary(EPOCH_DAY) ?? [],
    ]);
    return clients.map((c) =>
      this.overviewOf(
        c,
        recent.filter((u) => u.clientId === c.id),
        ever.filter((u) => u.clientId === c.id),
        asOf,
      ),
    );
  }

  /** One client, reading only its own rows (CLIENT_NOT_FOUND when there is none). */
  async of(id: string, asOf?: Date): Promise<ClientOverview> {
    const [client, recent, ever] = await Promise.all([
      this.deps.clients.find(id),
      this.deps.usage?.summary(this.windowStart(), id) ?? [],
      this.deps.usage?.summary(EPOCH_DAY, id) ?? [],
    ]);
    if (!client) throw new DomainError('CLIENT_NOT_FOUND');
    return this.overviewOf(client, recent, ever, asOf);
  }

  /** May this client use this channel now? */
  decide(client: Client, channel: Channel): ChannelDecision {
    return decideChannel(client, channel, this.deps.clock.now(), this.deps.cutoffs);
  }

  cutoffSettings(): CutoffSettings {
    return this.deps.cutoffs;
  }

  /** The clock's now: what "today" and "days to cut-off" are counted from. */
  now(): Date {
    return this.deps.clock.now();
  }

  private windowStart(): string {
    return helsinkiDate(new Date(this.deps.clock.now().getTime() - WINDOW_MS));
  }

  private overviewOf(
    client: Client,
    recent: UsageSummary[],
    ever: UsageSummary[],
    asOf?: Date,
  ): ClientOverview {
    const now = this.deps.clock.now();
    return {
      client,
      usage: recent,
      status: migrationStatus(client, recent, now, this.deps.cutoffs, asOf ?? now),
      cutoffs: effectiveCutoffs(client, this.deps.cutoffs),
      lastSoapCall: lastSoapCall(ever),
    };
  }
}

function lastSoapCall(usage: readonly UsageSummary[]): ClientOverview['lastSoapCall'] {
  let last: ClientOverview['lastSoapCall'] = null;
  for (const u of usage) {
    if (u.channel !== 'rest' && (!last || u.lastSeen > last.at))
      last = { channel: u.channel, at: u.lastSeen };
  }
  return last;
}
