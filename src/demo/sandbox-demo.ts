import { randomUUID } from 'node:crypto';
import type { ClientAdmin } from '../core/clients/client-admin';
import type { Store } from '../core/ports';
import { loadPersons } from '../core/register/person-loading';

/**
 * The sandbox demo a fresh machine starts with: two sandbox clients and a
 * small synthetic population. Every code is a temporary (900–999) test code:
 * never a real person's. The README's examples use exactly these.
 */
export const DEMO_CLIENTS = [
  {
    id: 'FI-TEST/GOV/0000000-0/demo-synnytys',
    name: 'Demo maternity ward (REST)',
    organisation: 'Demo wellbeing area',
    kind: 'new',
    sandbox: true,
    certificateFingerprints: [],
  },
  {
    id: 'FI-TEST/GOV/0000000-0/demo-legacy',
    name: 'Demo hospital system (SOAP migration)',
    organisation: 'Demo wellbeing area',
    kind: 'existing',
    sandbox: true,
    certificateFingerprints: [],
  },
] as const;

export const DEMO_MOTHERS = ['150590-9021', '210388-904U', '021195-906W', '300701A908J', '090193-910Y'];
export const DEMO_LIVING = ['120240-9112', '051038-912H', '131052-913A', '240647-914X'];
export const DEMO_DECEASED = [{ personalIdentityCode: '311260-915N', deathDate: '2025-03-01' }];

/**
 * Seeds the demo into an empty database; returns false when there was anything there already.
 * Both SOAP cut-offs may be past, so the SOAP demo client gets a year's exception on both SOAP
 * channels: the SOAP examples work, and show the Deprecation and Sunset headers.
 */
export async function seedSandboxDemo(clients: ClientAdmin, store: Store, now: Date): Promise<boolean> {
  if ((await clients.list()).length > 0) return false;
  for (const c of DEMO_CLIENTS) await clients.create(c);
  const until = new Date(now.getTime() + 365 * 86_400_000).toISOString().slice(0, 10);
  for (const channel of ['legacy-soap', 'soap-v2'] as const) {
    await store.clients.addException(DEMO_CLIENTS[1].id, {
      id: randomUUID(),
      channel,
      until,
      reason: 'Sandbox demo: lets the SOAP examples run after the cut-offs.',
      grantedBy: 'demo-seed',
      grantedAt: now,
    });
  }
  await loadPersons(store, [
    ...DEMO_MOTHERS.map((personalIdentityCode) => ({ personalIdentityCode })),
    ...DEMO_LIVING.map((personalIdentityCode) => ({ personalIdentityCode })),
    ...DEMO_DECEASED,
  ]);
  return true;
}
