import { DomainError } from '../errors';
import { helsinkiEndOfDay } from '../time/helsinki';
import type { Channel, Client, SoapChannel } from './client';

/** When each SOAP channel closes for existing clients, and when their retirement was announced. */
export interface CutoffSettings {
  cutoffs: Readonly<Record<SoapChannel, Date>>;
  deprecationAnnounced: Date;
}

export type ChannelDecision =
  | {
      allowed: true;
      channel: Channel;
      /** For SOAP: the client's effective cut-off (the Sunset) and the announcement (the Deprecation). */
      sunset: Date | null;
      deprecation: Date | null;
      successor: Channel | null;
    }
  | {
      allowed: false;
      channel: Channel;
      code: 'CHANNEL_NOT_ALLOWED' | 'CHANNEL_RETIRED';
      cutoff: Date | null;
      successor: Channel;
    };

/**
 * The cut-off that applies to this client: the configured one, moved later by
 * any exception that is still in force (an exception lasts to the end of its
 * `until` day in Helsinki). Exceptions only extend, never shorten.
 */
export function effectiveCutoff(client: Client, channel: SoapChannel, settings: CutoffSettings): Date {
  let cutoff = settings.cutoffs[channel];
  for (const ex of client.exceptions) {
    if (ex.channel !== channel || ex.revokedAt !== null) continue;
    const end = helsinkiEndOfDay(ex.until);
    if (end.getTime() > cutoff.getTime()) cutoff = end;
  }
  return cutoff;
}

/**
 * May this client use this channel now? One pure function that every façade asks.
 * The cut-off second itself is still open (cut-offs are "…23:59:59" inclusive).
 */
export function decideChannel(
  client: Client,
  channel: Channel,
  now: Date,
  settings: CutoffSettings,
): ChannelDecision {
  if (channel === 'rest') {
    return { allowed: true, channel, sunset: null, deprecation: null, successor: null };
  }
  const successor = successorOf(client, channel, now, settings);
  if (client.kind === 'new') {
    return {
      allowed: false,
      channel,
      code: 'CHANNEL_NOT_ALLOWED',
      cutoff: null,
      successor: 'rest',
    };
  }
  const cutoff = effectiveCutoff(client, channel, settings);
  if (now.getTime() > cutoff.getTime() + 999) {
    return {
      allowed: false,
      channel,
      code: 'CHANNEL_RETIRED',
      cutoff,
      successor,
    };
  }
  return { allowed: true, channel, sunset: cutoff, deprecation: settings.deprecationAnnounced, successor };
}

/** A refusal of the channel policy as the coded error the caller is answered with. */
export function refusalError(d: Extract<ChannelDecision, { allowed: false }>): DomainError {
  const facts = {
    channel: d.channel,
    successor: d.successor,
    ...(d.cutoff ? { cutoff: d.cutoff.toISOString() } : {}),
  };
  const params = {
    channel: d.channel,
    successor: d.successor,
    ...(d.cutoff ? { cutoff: describeInstant(d.cutoff) } : {}),
  };
  return new DomainError(d.code, params, [], facts);
}

/** Legacy SOAP's successor is SOAP v2 while that is still open for the client, otherwise REST. */
export function successorOf(
  client: Client,
  channel: SoapChannel,
  now: Date,
  settings: CutoffSettings,
): Channel {
  if (channel === 'soap-v2' || client.kind === 'new') return 'rest';
  const v2 = effectiveCutoff(client, 'soap-v2', settings);
  return now.getTime() <= v2.getTime() + 999 ? 'soap-v2' : 'rest';
}

/** "2025-06-30 23:59:59 Europe/Helsinki (2025-06-30T20:59:59Z)" */
export function describeInstant(at: Date): string {
  const local = new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Helsinki',
    dateStyle: 'short',
    timeStyle: 'medium',
  }).format(at);
  return `${local} Europe/Helsinki (${at.toISOString().replace('.000Z', 'Z')})`;
}
