import { DomainError } from '../errors';
import type { ClientRepository } from '../ports';
import type { Clock } from '../time/clock';
import { type ChannelDecision, type CutoffSettings, decideChannel, refusalError } from './channel-policy';
import type { Channel, Client } from './client';
import type { UsageRecorder } from './usage';

export interface IdentifiedClient {
  client: Client;
  decision: Extract<ChannelDecision, { allowed: true }>;
}

/**
 * Who is calling, and may they use this channel now: asked by every channel on
 * every call. Every identified call is counted for the migration registry,
 * accepted or refused.
 */
export class CallerIdentification {
  constructor(
    private readonly deps: {
      clients: ClientRepository;
      clock: Clock;
      cutoffs: CutoffSettings;
      usage?: UsageRecorder;
    },
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
    const { clients, clock, cutoffs, usage } = this.deps;
    if (!clientId) throw new DomainError('MISSING_CLIENT_IDENTITY');
    const client = await clients.find(clientId);
    if (!client) throw new DomainError('UNKNOWN_CLIENT');
    if (
      certificateFingerprint &&
      !trustedProxy &&
      !client.certificateFingerprints.includes(certificateFingerprint)
    ) {
      usage?.record(client.id, channel, 'refused', clock.now());
      throw new DomainError('CLIENT_CERT_MISMATCH');
    }
    const now = clock.now();
    const decision = decideChannel(client, channel, now, cutoffs);
    usage?.record(
      client.id,
      channel,
      decision.allowed ? 'accepted' : decision.code === 'CHANNEL_RETIRED' ? 'retired' : 'refused',
      now,
    );
    if (!decision.allowed) throw refusalError(decision);
    return { client, decision };
  }

  /**
   * A client identified before, asked again when work it sent is done later
   * (the items of a batch it had acknowledged): the channel policy as of now,
   * without counting another call.
   */
  async again(clientId: string, channel: Channel): Promise<IdentifiedClient> {
    const client = await this.deps.clients.find(clientId);
    if (!client) throw new DomainError('UNKNOWN_CLIENT');
    const decision = decideChannel(client, channel, this.deps.clock.now(), this.deps.cutoffs);
    if (!decision.allowed) throw refusalError(decision);
    return { client, decision };
  }

  /** A registered client, without identifying anyone (whose rules a check applies). */
  find(id: string): Promise<Client | undefined> {
    return this.deps.clients.find(id);
  }
}
