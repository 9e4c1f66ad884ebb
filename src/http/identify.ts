import type { Request } from 'express';
import type { Channel } from '../core/clients/client';
import type { ClientService, IdentifiedClient } from '../core/clients/client-service';
import { peerFingerprint } from './server';

/**
 * Who is calling on this channel, and may they? With TLS on, the client
 * certificate must be one registered for the named client, or a trusted
 * X-Road security server's (contract §1). Shared by every façade.
 */
export function identifyCaller(
  clients: ClientService,
  tls: { trustedProxyFingerprints: readonly string[] } | undefined,
  req: Request,
  clientId: string | undefined,
  channel: Channel,
): Promise<IdentifiedClient> {
  if (!tls) return clients.identify(clientId, channel);
  const fingerprint = peerFingerprint(req) ?? 'none';
  return clients.identify(clientId, channel, fingerprint, tls.trustedProxyFingerprints.includes(fingerprint));
}
