import type { IncomingMessage } from 'node:http';
import type { Caller } from '../pipeline/codec';
import { peerFingerprint } from './server';

/**
 * The caller as the connection tells: the X-Road client the request names,
 * and with TLS on, the client certificate and whether it is a trusted X-Road
 * security server's (contract §1).
 */
export function callerOf(
  req: IncomingMessage,
  clientId: string | null,
  tls: { trustedProxyFingerprints: readonly string[] } | undefined,
): Caller {
  if (!tls) return { clientId };
  const fingerprint = peerFingerprint(req) ?? 'none';
  return {
    clientId,
    certificateFingerprint: fingerprint,
    trustedProxy: tls.trustedProxyFingerprints.includes(fingerprint),
  };
}
