import type { Channel } from '../core/clients/client';
import { plainChannelName } from '../core/errors';

/** Where each interface is, for the wire: its path, and the contract a client codes against. */
export const CHANNEL_PLACES: Readonly<Record<Channel, { path: string; contract: string }>> = {
  rest: { path: '/v1', contract: '/v1/openapi.json' },
  'soap-v2': { path: '/soap/v2', contract: '/soap/v2?wsdl' },
  'legacy-soap': { path: '/soap/legacy', contract: '/soap/legacy?wsdl' },
};

/** "REST interface (/v1)": how messages on the wire name an interface. */
export function describeWithPath(channel: Channel): string {
  return `${plainChannelName(channel)} (${CHANNEL_PLACES[channel].path})`;
}
