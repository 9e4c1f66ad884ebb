import assert from 'node:assert/strict';
import { soapPath } from '../../src/channels/soap/fields';
import { birth, death, type Json } from '../helpers/builders';
import { CLIENTS, type Harness, PERSONS, seedStandard, startHarness } from '../helpers/harness';
import { LEGACY_SOAP, SOAP_OPEN, SOAP_V2, type SoapEndpoint, soapCall } from '../helpers/soap-envelope';
import { fieldErrors } from '../helpers/soap-xml';

/**
 * One table of scenarios run through every channel: the same notification in,
 * the same outcome out, on REST, SOAP v2 and legacy SOAP. Each channel starts
 * from the same register (a fresh database with the standard persons) and
 * runs the table in order, as one client (an existing one, so SOAP is open).
 */
type Kind = 'birth' | 'death';
interface Outcome {
  /** registered, or the error code the notification was refused with */
  result: string;
  /** for a registered birth: the child code's date part, sign and parity (odd boys, even girls) */
  child?: string;
  /** the fields a refusal names, by the core's names */
  fields?: string[];
  replayed?: boolean;
}
interface Scenario {
  name: string;
  kind: Kind;
  body: Json;
  expected: Outcome;
}

const BIRTH_DAY = { birthDateTime: '2026-11-20T14:32:00+02:00', sex: 'female' };
const SCENARIOS: Scenario[] = [
  {
    name: 'a live birth is registered with the child’s code',
    kind: 'birth',
    body: birth({}, 's-1'),
    expected: { result: 'registered', child: '201126A even' },
  },
  {
    name: 'a boy gets an odd number',
    kind: 'birth',
    body: birth({ child: { ...BIRTH_DAY, sex: 'male' } }, 's-2'),
    expected: { result: 'registered', child: '201126A odd' },
  },
  {
    name: 'the same notification again is a replay of its first answer',
    kind: 'birth',
    body: birth({}, 's-1'),
    expected: { result: 'registered', child: '201126A even', replayed: true },
  },
  {
    name: 'the same id with other content is NOTIFICATION_ID_REUSED',
    kind: 'birth',
    body: birth({ child: { ...BIRTH_DAY, sex: 'male' } }, 's-1'),
    expected: { result: 'NOTIFICATION_ID_REUSED', fields: ['notificationId'] },
  },
  {
    name: 'a mistyped mother’s code and municipality are both named',
    kind: 'birth',
    body: birth(
      { birth: { municipalityCode: '91', liveBorn: true }, mother: { personalIdentityCode: '131052-308U' } },
      's-3',
    ),
    expected: {
      result: 'VALIDATION_FAILED',
      fields: ['birth.municipalityCode', 'mother.personalIdentityCode'],
    },
  },
  {
    name: 'a stillbirth is not registered',
    kind: 'birth',
    body: birth({ birth: { municipalityCode: '091', liveBorn: false } }, 's-4'),
    expected: { result: 'STILLBIRTH_NOT_REGISTRABLE', fields: ['birth.liveBorn'] },
  },
  {
    name: 'a temporary code from a production client is refused',
    kind: 'birth',
    body: birth({ mother: { personalIdentityCode: PERSONS.temporary } }, 's-5'),
    expected: { result: 'TEMPORARY_CODE_NOT_ALLOWED', fields: ['mother.personalIdentityCode'] },
  },
  {
    name: 'a mother the register does not hold is PERSON_NOT_FOUND',
    kind: 'birth',
    body: birth({ mother: { personalIdentityCode: '010199-2247' } }, 's-6'),
    expected: { result: 'PERSON_NOT_FOUND', fields: ['mother.personalIdentityCode'] },
  },
  {
    name: 'a birth after the mother’s registered death is DEATH_BEFORE_BIRTH',
    kind: 'birth',
    body: birth(
      {
        child: { birthDateTime: '2026-11-20T14:32:00+02:00', sex: 'female' },
        mother: { personalIdentityCode: PERSONS.deceasedMother },
      },
      's-7',
    ),
    expected: { result: 'DEATH_BEFORE_BIRTH', fields: ['mother.personalIdentityCode'] },
  },
  {
    name: 'a death is registered',
    kind: 'death',
    body: death({}, 's-8'),
    expected: { result: 'registered' },
  },
  {
    name: 'a second death of the same person is ALREADY_DECEASED',
    kind: 'death',
    body: death({}, 's-9'),
    expected: { result: 'ALREADY_DECEASED', fields: ['deceased.personalIdentityCode'] },
  },
  {
    name: 'a mother’s death before her registered child’s birth is DEATH_BEFORE_BIRTH',
    kind: 'death',
    body: death(
      {
        deceased: { personalIdentityCode: PERSONS.mother },
        death: { date: '2026-11-19', dateAccuracy: 'exact', municipalityCode: '091' },
      },
      's-10',
    ),
    expected: { result: 'DEATH_BEFORE_BIRTH', fields: ['death.date'] },
  },
];

const OPERATION = { birth: 'SyntymaIlmoitus', death: 'KuolemaIlmoitus' } as const;

function childShape(code: string | undefined): string | undefined {
  if (!code) return undefined;
  return `${code.slice(0, 7)} ${Number(code.slice(7, 10)) % 2 === 1 ? 'odd' : 'even'}`;
}

async function viaRest(h: Harness, s: Scenario): Promise<Outcome> {
  const res = await h.http
    .post(s.kind === 'birth' ? '/v1/births' : '/v1/deaths')
    .set('X-Road-Client', CLIENTS.existing)
    .send(s.body);
  const replayed = res.headers['idempotent-replayed'] === 'true' ? { replayed: true } : {};
  if (res.status === 201) {
    return {
      result: 'registered',
      ...(s.kind === 'birth' ? { child: childShape(res.body.child?.personalIdentityCode) } : {}),
      ...replayed,
    };
  }
  const fields = (res.body.errors ?? []).map((e: { field: string }) => e.field);
  return { result: res.body.code, ...(fields.length > 0 ? { fields } : {}), ...replayed };
}

async function viaSoap(ep: SoapEndpoint, h: Harness, s: Scenario): Promise<Outcome> {
  const op = OPERATION[s.kind];
  const r = await soapCall(h, ep, op, s.body, CLIENTS.existing);
  const replayed = r.res.headers['idempotent-replayed'] === 'true' ? { replayed: true } : {};
  if (!r.fault) {
    const answer = r.body[`${op}Response`];
    assert.equal(answer.Tila, 'REKISTEROITY', JSON.stringify(answer));
    return {
      result: 'registered',
      ...(s.kind === 'birth' ? { child: childShape(answer.Lapsi?.Henkilotunnus) } : {}),
      ...replayed,
    };
  }
  // Element paths back to the core's names, through the expected names of this scenario.
  const byPath = new Map((s.expected.fields ?? []).map((f) => [soapPath(op, f), f]));
  const fields = fieldErrors(r.fault.detail.Virheet).map((v) => {
    const path = v.split(' ')[0] as string;
    return byPath.get(path) ?? path;
  });
  return { result: r.fault.detail.Koodi, ...(fields.length > 0 ? { fields } : {}), ...replayed };
}

const CHANNELS: [string, (h: Harness, s: Scenario) => Promise<Outcome>][] = [
  ['REST', viaRest],
  ['SOAP v2', (h, s) => viaSoap(SOAP_V2, h, s)],
  ['legacy SOAP', (h, s) => viaSoap(LEGACY_SOAP, h, s)],
];

describe('one scenario table through every channel', () => {
  for (const [channel, run] of CHANNELS) {
    it(`answers every scenario on ${channel} as the table says`, async () => {
      const h = await startHarness({ env: SOAP_OPEN });
      await seedStandard(h);
      for (const s of SCENARIOS) {
        const got = await run(h, s);
        assert.deepEqual(got, s.expected, `${channel}: ${s.name}`);
      }
    });
  }
});
