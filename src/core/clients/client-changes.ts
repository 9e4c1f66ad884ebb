import { FieldErrorCollector, member } from '../notifications/field-errors';
import { isCalendarDate } from '../time/helsinki';
import { CLIENT_ID_PATTERN, type Client, type SoapChannel } from './client';
import type { ClientRecordInput } from './records';

const FINGERPRINT = /^[0-9a-f]{64}$/;
const PATCHABLE = ['name', 'organisation', 'kind', 'sandbox', 'certificateFingerprints'] as const;
export type ClientPatch = Partial<Omit<ClientRecordInput, 'id'>>;

/** What an operator may change on a client; every field optional, unknown ones refused. */
export function validateClientPatch(input: unknown): ClientPatch {
  const e = new FieldErrorCollector();
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    e.add('(body)', 'INVALID_TYPE', 'must be an object');
    e.throwIfAny();
  }
  const patch: ClientPatch = {};
  for (const key of Object.keys(input as object)) {
    if (!(PATCHABLE as readonly string[]).includes(key)) e.add(key, 'UNKNOWN_FIELD', 'cannot be changed');
  }
  for (const key of ['name', 'organisation'] as const) {
    if (member(input, key) !== undefined) {
      const v = e.text(input, '', key);
      if (v !== undefined) patch[key] = v;
    }
  }
  const kind = member(input, 'kind');
  if (kind !== undefined) {
    if (kind === 'existing' || kind === 'new') patch.kind = kind;
    else e.add('kind', 'INVALID_VALUE', 'must be "existing" or "new"');
  }
  const sandbox = member(input, 'sandbox');
  if (sandbox !== undefined) {
    if (typeof sandbox === 'boolean') patch.sandbox = sandbox;
    else e.add('sandbox', 'INVALID_TYPE', 'must be true or false');
  }
  const prints = member(input, 'certificateFingerprints');
  if (prints !== undefined) patch.certificateFingerprints = fingerprints(e, prints);
  e.throwIfAny();
  return patch;
}

export function fingerprints(e: FieldErrorCollector, prints: unknown): string[] {
  const out: string[] = [];
  if (!Array.isArray(prints)) {
    e.add('certificateFingerprints', 'INVALID_TYPE', 'must be an array');
    return out;
  }
  prints.forEach((p, i) => {
    const norm = typeof p === 'string' ? p.replace(/:/g, '').toLowerCase() : '';
    if (FINGERPRINT.test(norm)) out.push(norm);
    else e.add(`certificateFingerprints[${i}]`, 'INVALID_FORMAT', 'must be a SHA-256 fingerprint in hex');
  });
  return out;
}

export interface ExceptionInput {
  channel: SoapChannel;
  until: string;
  reason: string;
}

/** An exception keeps one SOAP channel open to the end of `until` (Helsinki); it must lie ahead. */
export function validateExceptionInput(input: unknown, today: string): ExceptionInput {
  const e = new FieldErrorCollector();
  const channel = e.string(input, '', 'channel');
  if (channel !== undefined && channel !== 'legacy-soap' && channel !== 'soap-v2') {
    e.add('channel', 'INVALID_VALUE', 'must be "legacy-soap" or "soap-v2"');
  }
  const until = e.string(input, '', 'until');
  if (until !== undefined && !isCalendarDate(until))
    e.add('until', 'INVALID_DATE', 'must be a date YYYY-MM-DD');
  else if (until !== undefined && until < today) e.add('until', 'OUT_OF_RANGE', 'must not be in the past');
  const reason = e.text(input, '', 'reason');
  if (reason !== undefined && reason.trim().length < 3) e.add('reason', 'INVALID_VALUE', 'must say why');
  e.throwIfAny();
  return { channel: channel as SoapChannel, until: until as string, reason: (reason as string).trim() };
}

/** A new client's record, every field checked (all at once). */
export function validateClientInput(input: unknown): ClientRecordInput {
  const e = new FieldErrorCollector();
  const id = e.string(input, '', 'id');
  if (id !== undefined && !CLIENT_ID_PATTERN.test(id)) {
    e.add('id', 'INVALID_FORMAT', 'must be an X-Road identifier INSTANCE/CLASS/MEMBER/SUBSYSTEM');
  }
  const name = e.text(input, '', 'name');
  const organisation = e.text(input, '', 'organisation');
  const kind = e.string(input, '', 'kind');
  if (kind !== undefined && kind !== 'existing' && kind !== 'new') {
    e.add('kind', 'INVALID_VALUE', 'must be "existing" or "new"');
  }
  const sandbox = member(input, 'sandbox') ?? false;
  if (typeof sandbox !== 'boolean') e.add('sandbox', 'INVALID_TYPE', 'must be true or false');
  const prints = fingerprints(e, member(input, 'certificateFingerprints') ?? []);
  e.throwIfAny();
  return {
    id: id as string,
    name: name as string,
    organisation: organisation as string,
    kind: kind as Client['kind'],
    sandbox: sandbox as boolean,
    certificateFingerprints: prints,
  };
}
