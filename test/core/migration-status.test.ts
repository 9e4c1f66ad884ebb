import assert from 'node:assert/strict';
import type { Client } from '../../src/core/clients/client';
import {
  type ChannelUsage,
  effectiveCutoffs,
  migrationStatus,
} from '../../src/core/clients/migration-status';

const settings = {
  cutoffs: {
    'legacy-soap': new Date('2025-06-30T23:59:59+03:00'),
    'soap-v2': new Date('2026-06-30T23:59:59+03:00'),
  },
  deprecationAnnounced: new Date('2024-06-01T00:00:00+03:00'),
};

function client(exceptions: Client['exceptions'] = []): Client {
  return {
    id: 'FI/GOV/0123456-7/potilas',
    name: 'Potilastieto',
    organisation: 'HVA',
    kind: 'existing',
    sandbox: false,
    certificateFingerprints: [],
    exceptions,
    createdAt: new Date('2024-01-01T00:00:00Z'),
    updatedAt: new Date('2024-01-01T00:00:00Z'),
  };
}

const at = (s: string) => new Date(s);
const v2Call = (last: string): ChannelUsage => ({
  channel: 'soap-v2',
  lastAccepted: at(last),
  lastRetiredRefusal: null,
});

describe('migration status (contract §4) at its thresholds', () => {
  it('is ok with no SOAP calls, or only REST calls', () => {
    const s = migrationStatus(
      client(),
      [{ channel: 'rest', lastAccepted: at('2026-05-01T10:00:00Z'), lastRetiredRefusal: null }],
      at('2026-05-02T10:00:00Z'),
      settings,
    );
    assert.equal(s.status, 'ok');
  });

  it('stays fix-by until 30 days after the last SOAP call, then turns ok', () => {
    const call = v2Call('2026-01-10T10:00:00+02:00');
    assert.equal(
      migrationStatus(client(), [call], at('2026-02-09T10:00:00+02:00'), settings).status,
      'fix-by',
    );
    assert.equal(migrationStatus(client(), [call], at('2026-02-09T10:00:01+02:00'), settings).status, 'ok');
  });

  it('is a notice more than 9 months ahead, a warning from 9 months, urgent under 30 days, up to the cut-off itself', () => {
    const cases: [string, string, number][] = [
      ['2025-09-29T12:00:00+03:00', 'notice', 274],
      ['2025-09-30T12:00:00+03:00', 'warning', 273],
      ['2026-05-31T12:00:00+03:00', 'warning', 30],
      ['2026-06-01T12:00:00+03:00', 'urgent', 29],
      ['2026-06-30T23:59:59+03:00', 'urgent', 0],
    ];
    for (const [now, severity, days] of cases) {
      const s = migrationStatus(client(), [v2Call(now)], at(now), settings);
      assert.deepEqual(
        s.status === 'fix-by' ? [s.fixBy, s.severity, s.channel] : s,
        ['2026-06-30', severity, 'soap-v2'],
        now,
      );
      assert.match(s.reason, new RegExp(`\\(${days} days? left\\)`), now);
    }
  });

  it('names SOAP v2 as a way off legacy SOAP only while SOAP v2 stays open longer for the client', () => {
    const legacyCall: ChannelUsage = {
      channel: 'legacy-soap',
      lastAccepted: at('2025-06-01T10:00:00+03:00'),
      lastRetiredRefusal: null,
    };
    const now = at('2025-06-02T10:00:00+03:00');
    assert.match(
      migrationStatus(client(), [legacyCall], now, settings).reason,
      /move to SOAP v2 or REST by 2025-06-30/,
    );

    // The sandbox demo's case: one exception keeps both SOAP interfaces open to the same day.
    const both = (channel: 'legacy-soap' | 'soap-v2') => ({
      id: channel,
      channel,
      until: '2027-12-02',
      reason: 'demo',
      grantedBy: 'op',
      grantedAt: at('2026-12-01T10:00:00Z'),
      revokedAt: null,
      revokedBy: null,
    });
    const later = { ...legacyCall, lastAccepted: at('2026-12-01T10:00:00Z') };
    const s = migrationStatus(
      client([both('legacy-soap'), both('soap-v2')]),
      [later],
      at('2026-12-02T10:00:00Z'),
      settings,
    );
    assert.match(s.reason, /; move to REST by 2027-12-02 \(365 days left\)\.$/);
  });

  it('says "1 day left", not "1 days"', () => {
    const s = migrationStatus(
      client(),
      [v2Call('2026-06-29T12:00:00+03:00')],
      at('2026-06-29T12:00:00+03:00'),
      settings,
    );
    assert.match(s.reason, /\(1 day left\)/);
  });

  it('is overdue for 30 days after a call refused as retired', () => {
    const refused: ChannelUsage = {
      channel: 'soap-v2',
      lastAccepted: at('2026-06-30T20:00:00+03:00'),
      lastRetiredRefusal: at('2026-07-01T08:00:00+03:00'),
    };
    const s = migrationStatus(client(), [refused], at('2026-07-31T08:00:00+03:00'), settings);
    assert.equal(s.status, 'overdue');
    assert.match(s.reason, /2026-07-01/);
    assert.equal(
      migrationStatus(client(), [refused], at('2026-07-31T08:00:01+03:00'), settings).status,
      'ok',
    );
  });

  it('takes the earliest effective cut-off among the SOAP channels used', () => {
    const legacy: ChannelUsage = {
      channel: 'legacy-soap',
      lastAccepted: at('2025-06-01T10:00:00+03:00'),
      lastRetiredRefusal: null,
    };
    const s = migrationStatus(
      client(),
      [v2Call('2025-06-01T10:00:00+03:00'), legacy],
      at('2025-06-02T10:00:00+03:00'),
      settings,
    );
    assert.deepEqual(s.status === 'fix-by' && [s.fixBy, s.channel, s.severity], [
      '2025-06-30',
      'legacy-soap',
      'urgent',
    ]);
  });

  it('moves the fix-by date with an exception, and not with a revoked one', () => {
    const ex = {
      id: 'e1',
      channel: 'soap-v2' as const,
      until: '2026-12-31',
      reason: 'supplier',
      grantedBy: 'ops',
      grantedAt: at('2026-05-01T00:00:00Z'),
      revokedAt: null,
      revokedBy: null,
    };
    const now = '2026-06-15T12:00:00+03:00';
    const granted = migrationStatus(client([ex]), [v2Call(now)], at(now), settings);
    assert.deepEqual(granted.status === 'fix-by' && [granted.fixBy, granted.severity], [
      '2026-12-31',
      'warning',
    ]);
    const revoked = migrationStatus(
      client([{ ...ex, revokedAt: at('2026-06-01T00:00:00Z'), revokedBy: 'ops' }]),
      [v2Call(now)],
      at(now),
      settings,
    );
    assert.deepEqual(revoked.status === 'fix-by' && [revoked.fixBy, revoked.severity], [
      '2026-06-30',
      'urgent',
    ]);
    assert.deepEqual(effectiveCutoffs(client([ex]), settings), {
      'legacy-soap': '2025-06-30',
      'soap-v2': '2026-12-31',
    });
  });

  it('answers "what if" for a later date: still calling past the cut-off means overdue then', () => {
    const now = '2026-03-01T12:00:00+02:00';
    const usage = [v2Call(now)];
    assert.equal(migrationStatus(client(), usage, at(now), settings).status, 'fix-by');
    const later = migrationStatus(client(), usage, at(now), settings, at('2026-07-01T00:00:00+03:00'));
    assert.equal(later.status, 'overdue');
    const before = migrationStatus(client(), usage, at(now), settings, at('2026-06-10T00:00:00+03:00'));
    assert.deepEqual(before.status === 'fix-by' && before.severity, 'urgent');
  });
});
