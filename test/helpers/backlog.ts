import assert from 'node:assert/strict';
import { formatHetu } from '../../src/core/hetu/hetu';
import { helsinkiDate } from '../../src/core/time/helsinki';

/**
 * A backlog of births, as batch items (NDJSON lines), for the tests that send
 * many at once through spawned gateways: mothers to load first, and births
 * spread over past days on the real clock (the processes run on it), so no
 * day's series runs short.
 */
export const BACKLOG_CLIENT = 'FI/GOV/0123456-7/backlog';
const DAY = 86_400_000;

export function backlogMothers(count = 50): string[] {
  return Array.from({ length: count }, (_, i) =>
    formatHetu(helsinkiDate(new Date(Date.UTC(1985, 0, 1) + i * DAY)), '-', 2 * (i % 400) + 2),
  );
}

/** `count` births, as `{"type":"birth","notification":{…}}` objects, ids `${tag}-${i}`. */
export function backlogBirths(count: number, tag: string, mothers = backlogMothers()) {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const day = helsinkiDate(new Date(now - (2 + (i % 40)) * DAY));
    return {
      type: 'birth' as const,
      notification: {
        notificationId: `${tag}-${i}`,
        child: { birthDateTime: `${day}T12:00:00+02:00`, sex: i % 2 ? 'male' : 'female' },
        birth: { municipalityCode: '091', liveBorn: true },
        mother: { personalIdentityCode: mothers[i % mothers.length] as string },
      },
    };
  });
}

export const ndjson = (items: readonly unknown[]) => `${items.map((i) => JSON.stringify(i)).join('\n')}\n`;

/** Registers the backlog's client and loads its mothers, through a gateway's operator API. */
export async function seedBacklog(url: string, opsToken: string, mothers = backlogMothers()): Promise<void> {
  const ops = (path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${opsToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  const created = await ops('/ops/clients', {
    id: BACKLOG_CLIENT,
    name: 'Backlog',
    organisation: 'Test HVA',
    kind: 'new',
    sandbox: false,
  });
  assert.equal(created.status, 201, await created.text());
  const loaded = await ops(
    '/ops/register/persons',
    mothers.map((p) => ({ personalIdentityCode: p })),
  );
  assert.equal(loaded.status, 200, await loaded.text());
}
