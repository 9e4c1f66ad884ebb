import assert from 'node:assert/strict';
import {
  type ChannelDecision,
  type CutoffSettings,
  decideChannel,
  effectiveCutoff,
  refusalError,
  successorOf,
} from '../../src/core/clients/channel-policy';
import {
  CHANNELS,
  type ChannelException,
  type Client,
  type ClientKind,
  type SoapChannel,
} from '../../src/core/clients/client';
import { helsinkiDate, helsinkiEndOfDay, helsinkiInstant } from '../../src/core/time/helsinki';

// Cut-offs of contract §4 (both in Helsinki summer time, +03:00).
const LEGACY_CUTOFF = '2025-06-30T20:59:59.000Z';
const V2_CUTOFF = '2026-06-30T20:59:59.000Z';
const ANNOUNCED = '2024-06-01T00:00:00.000Z';

const settings: CutoffSettings = {
  cutoffs: {
    'legacy-soap': new Date('2025-06-30T23:59:59+03:00'),
    'soap-v2': new Date('2026-06-30T23:59:59+03:00'),
  },
  deprecationAnnounced: new Date('2024-06-01T00:00:00Z'),
};

function exception(
  channel: SoapChannel,
  until: string,
  revokedAt: string | null = null,
  id = `${channel}-${until}`,
): ChannelException {
  return {
    id,
    channel,
    until,
    reason: 'supplier delivers the new interface late',
    grantedBy: 'operator@dvv.example',
    grantedAt: new Date('2025-01-15T10:00:00Z'),
    revokedAt: revokedAt === null ? null : new Date(revokedAt),
    revokedBy: revokedAt === null ? null : 'operator@dvv.example',
  };
}

function client(kind: ClientKind, exceptions: ChannelException[] = []): Client {
  return {
    id: `FI/GOV/0123456-7/${kind}`,
    name: 'Potilastieto',
    organisation: 'Demo HVA',
    kind,
    sandbox: false,
    certificateFingerprints: [],
    exceptions,
    createdAt: new Date('2024-01-01T00:00:00Z'),
    updatedAt: new Date('2024-01-01T00:00:00Z'),
  };
}

const existing = client('existing');
const fresh = client('new');

function at(iso: string): Date {
  return new Date(iso);
}

function plusMs(iso: string, ms: number): Date {
  return new Date(Date.parse(iso) + ms);
}

function allowed(d: ChannelDecision): Extract<ChannelDecision, { allowed: true }> {
  if (!d.allowed)
    assert.fail(`expected ${d.channel} to be allowed, got ${d.code}: ${refusalError(d).message}`);
  return d;
}

function refused(d: ChannelDecision): Extract<ChannelDecision, { allowed: false }> {
  if (d.allowed) assert.fail(`expected ${d.channel} to be refused`);
  return d;
}

describe('channel policy', () => {
  describe('rest', () => {
    const moments = ['2024-01-01T00:00:00Z', LEGACY_CUTOFF, '2025-07-01T00:00:00Z', '2030-01-01T00:00:00Z'];
    for (const kind of ['existing', 'new'] as const) {
      for (const moment of moments) {
        it(`is allowed for a ${kind} client at ${moment}, without Sunset or Deprecation`, () => {
          const d = allowed(decideChannel(client(kind), 'rest', at(moment), settings));
          assert.equal(d.channel, 'rest');
          assert.equal(d.sunset, null);
          assert.equal(d.deprecation, null);
          assert.equal(d.successor, null);
        });
      }
    }
  });

  describe('a new client', () => {
    for (const channel of ['legacy-soap', 'soap-v2'] as const) {
      it(`gets CHANNEL_NOT_ALLOWED on ${channel} even before any cut-off, with successor rest`, () => {
        const d = refused(decideChannel(fresh, channel, at('2024-09-01T12:00:00Z'), settings));
        assert.equal(d.code, 'CHANNEL_NOT_ALLOWED');
        assert.equal(d.channel, channel);
        assert.equal(d.successor, 'rest');
        assert.equal(d.cutoff, null);
        assert.match(refusalError(d).message, /new clients use the REST interface\./);
      });
    }

    it('gets CHANNEL_NOT_ALLOWED (not RETIRED) after the cut-offs too', () => {
      const d = refused(decideChannel(fresh, 'legacy-soap', at('2027-01-01T00:00:00Z'), settings));
      assert.equal(d.code, 'CHANNEL_NOT_ALLOWED');
    });

    it('is not let in by an exception', () => {
      const c = client('new', [exception('soap-v2', '2027-12-31')]);
      const d = refused(decideChannel(c, 'soap-v2', at('2025-01-01T00:00:00Z'), settings));
      assert.equal(d.code, 'CHANNEL_NOT_ALLOWED');
    });

    it('has rest as the successor of both SOAP channels', () => {
      const now = at('2024-09-01T12:00:00Z');
      assert.equal(successorOf(fresh, 'legacy-soap', now, settings), 'rest');
      assert.equal(successorOf(fresh, 'soap-v2', now, settings), 'rest');
    });
  });

  describe('an existing client on legacy-soap (cut-off 2025-06-30 23:59:59 Helsinki)', () => {
    it('is allowed one second before the cut-off, with Sunset = cut-off and Deprecation = announcement', () => {
      const d = allowed(decideChannel(existing, 'legacy-soap', plusMs(LEGACY_CUTOFF, -1000), settings));
      assert.equal(d.sunset?.toISOString(), LEGACY_CUTOFF);
      assert.equal(d.deprecation?.toISOString(), ANNOUNCED);
      assert.equal(d.successor, 'soap-v2');
    });

    it('is allowed at the cut-off second itself (start and last millisecond)', () => {
      allowed(decideChannel(existing, 'legacy-soap', at(LEGACY_CUTOFF), settings));
      const d = allowed(decideChannel(existing, 'legacy-soap', plusMs(LEGACY_CUTOFF, 999), settings));
      assert.equal(d.sunset?.toISOString(), LEGACY_CUTOFF);
    });

    it('is retired one second after the cut-off, naming the cut-off and soap-v2 as successor', () => {
      const d = refused(decideChannel(existing, 'legacy-soap', plusMs(LEGACY_CUTOFF, 1000), settings));
      assert.equal(d.code, 'CHANNEL_RETIRED');
      assert.equal(d.cutoff?.toISOString(), LEGACY_CUTOFF);
      assert.equal(d.successor, 'soap-v2');
      assert.ok(refusalError(d).message.includes('2025-06-30 23:59:59'), refusalError(d).message);
      assert.ok(refusalError(d).message.includes('new SOAP interface'), refusalError(d).message);
      assert.ok(!refusalError(d).message.includes('REST interface'), refusalError(d).message);
    });

    it('names REST as the successor once soap-v2 has closed too', () => {
      const d = refused(decideChannel(existing, 'legacy-soap', plusMs(V2_CUTOFF, 1000), settings));
      assert.equal(d.code, 'CHANNEL_RETIRED');
      assert.equal(d.successor, 'rest');
      assert.ok(refusalError(d).message.includes('2025-06-30 23:59:59'), refusalError(d).message);
      assert.ok(refusalError(d).message.includes('REST interface'), refusalError(d).message);
      assert.ok(!refusalError(d).message.includes('new SOAP interface'), refusalError(d).message);
    });
  });

  describe('an existing client on soap-v2 (cut-off 2026-06-30 23:59:59 Helsinki)', () => {
    it('is allowed long after the legacy cut-off', () => {
      const d = allowed(decideChannel(existing, 'soap-v2', at('2025-12-01T00:00:00Z'), settings));
      assert.equal(d.sunset?.toISOString(), V2_CUTOFF);
      assert.equal(d.deprecation?.toISOString(), ANNOUNCED);
      assert.equal(d.successor, 'rest');
    });

    it('is allowed one second before and at the cut-off second', () => {
      const before = allowed(decideChannel(existing, 'soap-v2', plusMs(V2_CUTOFF, -1000), settings));
      assert.equal(before.sunset?.toISOString(), V2_CUTOFF);
      const atCutoff = allowed(decideChannel(existing, 'soap-v2', at(V2_CUTOFF), settings));
      assert.equal(atCutoff.sunset?.toISOString(), V2_CUTOFF);
      assert.equal(atCutoff.deprecation?.toISOString(), ANNOUNCED);
    });

    it('is retired one second after the cut-off, naming the cut-off and REST', () => {
      const d = refused(decideChannel(existing, 'soap-v2', plusMs(V2_CUTOFF, 1000), settings));
      assert.equal(d.code, 'CHANNEL_RETIRED');
      assert.equal(d.cutoff?.toISOString(), V2_CUTOFF);
      assert.equal(d.successor, 'rest');
      assert.ok(refusalError(d).message.includes('2026-06-30 23:59:59'), refusalError(d).message);
      assert.ok(refusalError(d).message.includes('REST interface'), refusalError(d).message);
    });
  });

  describe('successorOf', () => {
    it('is soap-v2 for legacy while soap-v2 is open (to its last second), rest afterwards', () => {
      assert.equal(successorOf(existing, 'legacy-soap', at('2024-09-01T00:00:00Z'), settings), 'soap-v2');
      assert.equal(successorOf(existing, 'legacy-soap', plusMs(V2_CUTOFF, 999), settings), 'soap-v2');
      assert.equal(successorOf(existing, 'legacy-soap', plusMs(V2_CUTOFF, 1000), settings), 'rest');
    });

    it('is rest for soap-v2', () => {
      assert.equal(successorOf(existing, 'soap-v2', at('2024-09-01T00:00:00Z'), settings), 'rest');
    });

    it('follows a soap-v2 exception: legacy points at soap-v2 while the exception keeps it open', () => {
      const c = client('existing', [exception('soap-v2', '2026-12-31')]);
      assert.equal(successorOf(c, 'legacy-soap', at('2026-09-01T00:00:00Z'), settings), 'soap-v2');
      assert.equal(successorOf(c, 'legacy-soap', at('2026-12-31T22:00:00Z'), settings), 'rest');
    });
  });

  describe('exceptions', () => {
    const extended = '2026-12-31T21:59:59.000Z'; // 2026-12-31 23:59:59 in Helsinki winter time

    it('moves the effective cut-off to the end of the until day in Helsinki', () => {
      const c = client('existing', [exception('legacy-soap', '2026-12-31')]);
      assert.equal(effectiveCutoff(c, 'legacy-soap', settings).toISOString(), extended);
      assert.equal(effectiveCutoff(c, 'soap-v2', settings).toISOString(), V2_CUTOFF);
    });

    it('keeps the channel open until then, with Sunset = the extended cut-off', () => {
      const c = client('existing', [exception('legacy-soap', '2026-12-31')]);
      const during = allowed(decideChannel(c, 'legacy-soap', at('2026-09-01T00:00:00Z'), settings));
      assert.equal(during.sunset?.toISOString(), extended);
      assert.equal(during.deprecation?.toISOString(), ANNOUNCED);
      // soap-v2 has closed by then, so the successor of legacy is REST
      assert.equal(during.successor, 'rest');
      allowed(decideChannel(c, 'legacy-soap', at(extended), settings));
      const after = refused(decideChannel(c, 'legacy-soap', plusMs(extended, 1000), settings));
      assert.equal(after.code, 'CHANNEL_RETIRED');
      assert.equal(after.cutoff?.toISOString(), extended);
      assert.ok(refusalError(after).message.includes('2026-12-31 23:59:59'), refusalError(after).message);
    });

    it('has no effect once revoked', () => {
      const c = client('existing', [exception('legacy-soap', '2026-12-31', '2025-03-01T09:00:00Z')]);
      assert.equal(effectiveCutoff(c, 'legacy-soap', settings).toISOString(), LEGACY_CUTOFF);
      const d = refused(decideChannel(c, 'legacy-soap', plusMs(LEGACY_CUTOFF, 1000), settings));
      assert.equal(d.code, 'CHANNEL_RETIRED');
    });

    it('never shortens the default cut-off', () => {
      const c = client('existing', [exception('legacy-soap', '2025-03-31')]);
      assert.equal(effectiveCutoff(c, 'legacy-soap', settings).toISOString(), LEGACY_CUTOFF);
      allowed(decideChannel(c, 'legacy-soap', at('2025-05-01T00:00:00Z'), settings));
    });

    it('for the other channel does not extend this one', () => {
      const c = client('existing', [exception('soap-v2', '2026-12-31')]);
      assert.equal(effectiveCutoff(c, 'legacy-soap', settings).toISOString(), LEGACY_CUTOFF);
      assert.equal(effectiveCutoff(c, 'soap-v2', settings).toISOString(), extended);
      const d = refused(decideChannel(c, 'legacy-soap', at('2026-09-01T00:00:00Z'), settings));
      assert.equal(d.code, 'CHANNEL_RETIRED');
      assert.equal(d.successor, 'soap-v2');
      assert.ok(refusalError(d).message.includes('new SOAP interface'), refusalError(d).message);
    });

    it('uses the latest of several active exceptions for the channel', () => {
      const c = client('existing', [
        exception('legacy-soap', '2025-09-30'),
        exception('legacy-soap', '2026-03-31'),
        exception('legacy-soap', '2027-06-30', '2025-02-01T00:00:00Z'),
      ]);
      assert.equal(effectiveCutoff(c, 'legacy-soap', settings).toISOString(), '2026-03-31T20:59:59.000Z');
    });
  });
});

describe('Europe/Helsinki time', () => {
  it('helsinkiEndOfDay uses +03:00 in summer and +02:00 in winter', () => {
    assert.equal(helsinkiEndOfDay('2026-06-30').toISOString(), '2026-06-30T20:59:59.000Z');
    assert.equal(helsinkiEndOfDay('2026-12-31').toISOString(), '2026-12-31T21:59:59.000Z');
    assert.equal(helsinkiEndOfDay('2025-06-30').toISOString(), LEGACY_CUTOFF);
  });

  it('helsinkiEndOfDay is right on the days the clocks change', () => {
    // 2026-03-29: clocks go forward at 03:00; the day ends in summer time.
    assert.equal(helsinkiEndOfDay('2026-03-29').toISOString(), '2026-03-29T20:59:59.000Z');
    // 2026-10-25: clocks go back at 04:00; the day ends in winter time.
    assert.equal(helsinkiEndOfDay('2026-10-25').toISOString(), '2026-10-25T21:59:59.000Z');
    // The evenings before the changes.
    assert.equal(helsinkiEndOfDay('2026-03-28').toISOString(), '2026-03-28T21:59:59.000Z');
    assert.equal(helsinkiEndOfDay('2026-10-24').toISOString(), '2026-10-24T20:59:59.000Z');
  });

  it('helsinkiInstant picks the offset in force at that wall-clock time on a change day', () => {
    assert.equal(helsinkiInstant('2026-03-29', '02:30:00').toISOString(), '2026-03-29T00:30:00.000Z');
    assert.equal(helsinkiInstant('2026-03-29', '05:00:00').toISOString(), '2026-03-29T02:00:00.000Z');
    assert.equal(helsinkiInstant('2026-10-25', '05:00:00').toISOString(), '2026-10-25T03:00:00.000Z');
  });

  it('helsinkiDate gives the local date just after local midnight', () => {
    // 2026-03-01T00:30+02:00
    assert.equal(helsinkiDate(at('2026-02-28T22:30:00Z')), '2026-03-01');
    assert.equal(helsinkiDate(at('2026-02-28T21:59:59Z')), '2026-02-28');
    assert.equal(helsinkiDate(at('2026-02-28T22:00:00Z')), '2026-03-01');
    // Summer: midnight is 21:00Z
    assert.equal(helsinkiDate(at('2026-06-30T20:59:59Z')), '2026-06-30');
    assert.equal(helsinkiDate(at('2026-06-30T21:00:00Z')), '2026-07-01');
    // New year's eve in UTC is already the new year in Helsinki
    assert.equal(helsinkiDate(at('2026-12-31T23:00:00Z')), '2027-01-01');
  });
});

describe('channel catalogue', () => {
  it('is exactly the three channels these tests cover', () => {
    assert.deepEqual([...CHANNELS].sort(), ['legacy-soap', 'rest', 'soap-v2']);
  });
});
