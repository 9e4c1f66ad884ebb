import type { Channel } from '../core/clients/client';
import { plainChannelName } from '../core/errors';

const rest = (path: string) => ({ path, contract: `${path}/openapi.json` });
const soap = (path: string) => ({ path, contract: `${path}?wsdl` });

/**
 * Where each interface is, for the wire: its path, and the contract a client
 * codes against there (derived from the path). The one table of paths: the
 * SOAP interface rows, the successor links and the landing page read it.
 */
export const CHANNEL_PLACES: Readonly<Record<Channel, { path: string; contract: string }>> = {
  rest: rest('/v1'),
  'soap-v2': soap('/soap/v2'),
  'legacy-soap': soap('/soap/legacy'),
};

/** "REST interface (/v1)": how messages on the wire name an interface. */
export function describeWithPath(channel: Channel): string {
  return `${plainChannelName(channel)} (${CHANNEL_PLACES[channel].path})`;
}
