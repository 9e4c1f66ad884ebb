/**
 * The one place tests build notifications: the contract's examples, REST
 * bodies with whole sections overridden, and a short options form for the
 * core's tests; and personal identity codes with their check character.
 * (SOAP envelopes are built from these bodies by soap-envelope.ts and
 * soap-hostile.ts.)
 */
import { type BirthNotification, validateBirth } from '../../src/core/notifications/birth';
import { fingerprint } from '../../src/core/notifications/fingerprint';

export type Json = Record<string, unknown>;

/** The birth request of contract §2, as printed there. */
export const CONTRACT_BIRTH: Json = {
  notificationId: 'synnytys-2026-000123',
  child: {
    birthDateTime: '2026-11-20T14:32:00+02:00',
    sex: 'female',
    birthWeightGrams: 3480,
    birthLengthCm: 50,
  },
  birth: {
    municipalityCode: '091',
    facilityOid: '1.2.246.10.1234567.10.1',
    liveBorn: true,
    multipleBirth: { order: 1, count: 2 },
  },
  mother: { personalIdentityCode: '131052-308T' },
};

/** The death request of contract §2, as printed there. */
export const CONTRACT_DEATH: Json = {
  notificationId: 'kuolema-2026-000045',
  deceased: { personalIdentityCode: '010150-123A' },
  death: { date: '2026-11-19', dateAccuracy: 'exact', time: '13:05', municipalityCode: '091' },
  determination: { physicianId: '123456789', determinedAt: '2026-11-19T15:00:00+02:00' },
};

/** A REST birth body: a single birth of the contract's mother, sections replaced by `overrides`. */
export function birth(overrides: Json = {}, id = 'synnytys-2026-000123'): Json {
  return {
    notificationId: id,
    child: {
      birthDateTime: '2026-11-20T14:32:00+02:00',
      sex: 'female',
      birthWeightGrams: 3480,
      birthLengthCm: 50,
    },
    birth: { municipalityCode: '091', facilityOid: '1.2.246.10.1234567.10.1', liveBorn: true },
    mother: { personalIdentityCode: '131052-308T' },
    ...overrides,
  };
}

/** A REST death body: the contract's example, sections replaced by `overrides`. */
export function death(overrides: Json = {}, id = 'kuolema-2026-000045'): Json {
  return { ...CONTRACT_DEATH, notificationId: id, ...overrides };
}

export interface BirthOptions {
  id?: string;
  /** birthDateTime (default 2026-11-20T23:30:00Z: 01:30 on 21 November in Helsinki). */
  at?: string;
  sex?: 'male' | 'female';
  mother?: string;
}

let seq = 0;
const nextId = (prefix: string) => `${prefix}-2026-${String(++seq).padStart(6, '0')}`;

/** A birth by options: a new id each time unless given. */
export function birthInput(o: BirthOptions = {}): Json {
  return {
    notificationId: o.id ?? nextId('synnytys'),
    child: { birthDateTime: o.at ?? '2026-11-20T23:30:00Z', sex: o.sex ?? 'female', birthWeightGrams: 3480 },
    birth: { municipalityCode: '091', liveBorn: true },
    mother: { personalIdentityCode: o.mother ?? '131052-308T' },
  };
}

export interface DeathOptions {
  id?: string;
  person?: string;
  date?: string;
  accuracy?: 'exact' | 'estimated';
  determinedAt?: string;
}

/** A death by options: a new id each time unless given. */
export function deathInput(o: DeathOptions = {}): Json {
  return {
    notificationId: o.id ?? nextId('kuolema'),
    deceased: { personalIdentityCode: o.person ?? '010150-123A' },
    death: { date: o.date ?? '2026-11-19', dateAccuracy: o.accuracy ?? 'exact', municipalityCode: '091' },
    determination: { physicianId: '123456789', determinedAt: o.determinedAt ?? '2026-11-19T15:00:00+02:00' },
  };
}

// Independent check-character arithmetic (BigInt), so the expected codes do not come from src.
const CHECK = '0123456789ABCDEFHJKLMNPRSTUVWXY';

/** A personal identity code with its mod-31 check character: hetu('201126', 'A', 2) = '201126A002J'. */
export function hetu(ddmmyy: string, sign: string, individualNumber: number): string {
  const nnn = String(individualNumber).padStart(3, '0');
  return `${ddmmyy}${sign}${nnn}${CHECK.charAt(Number(BigInt(`${ddmmyy}${nnn}`) % 31n))}`;
}

/**
 * A sandbox client's REST birth as the store holds it while the register does not have it yet (pending,
 * no child's code): for tests that set up an outbox directly in the database.
 */
export function pendingBirthRow(clientId: string, notificationId: string, mother: string, receivedAt: Date) {
  const content: BirthNotification = validateBirth(birthInput({ id: notificationId, mother }), {
    now: receivedAt,
    sandbox: true,
  });
  return {
    clientId,
    notificationId,
    kind: 'birth' as const,
    channel: 'rest' as const,
    fingerprint: fingerprint(content),
    sandbox: true,
    content,
    status: 'pending' as const,
    childCode: null,
    rejection: null,
    receivedAt,
    registeredAt: null,
  };
}
