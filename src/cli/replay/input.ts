import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { soapAsRest } from '../../channels/translate/soap-request';
import { DomainError, ERROR_CATALOGUE, isDomainError, validationFailed } from '../../core/errors';
import { CliInputError } from '../errors';

/** A refusal the replay makes itself, before sending: what the gateway would have answered. */
export interface Refusal {
  status: number;
  code: string;
  problem: { type: string; title: string; status: number; detail: string; code: string; errors?: unknown[] };
}

/**
 * One unit of the input — a line of an NDJSON file, or an envelope file of a
 * folder — as the replay handles it: an item to send, a refusal of its own
 * (not JSON, not a notification envelope), or nothing (a blank line).
 */
export interface Unit {
  /** Its place in the input, from 0: lines or files. */
  unit: number;
  /** Where it is, for people and the refused file: `{"line": 17}` or `{"file": "a.xml"}`. */
  at: { line: number } | { file: string };
  item?: unknown;
  /** The item as JSON text, when it is the line itself (no need to write it again). */
  json?: string;
  /** The line as it was, when it could not be read as JSON. */
  text?: string;
  refusal?: Refusal;
}

export interface ReplayInput {
  kind: 'ndjson' | 'soap';
  path: string;
  /** Identifies the input's content as it is now (size and time, or the folder's file names). */
  fingerprint: string;
  /** Units in all (lines, or envelope files). */
  total: number;
  /** The units from `from` on, in order. */
  units(from: number): AsyncGenerator<Unit>;
}

/** An NDJSON file of items (or bare notifications), or a folder of SOAP request envelopes (*.xml). */
export async function openInput(path: string, clientId: string): Promise<ReplayInput> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliInputError(
      `cannot read ${path}: ${code === 'ENOENT' ? 'no such file or folder' : (code ?? 'unreadable')}`,
    );
  }
  if (info.isDirectory()) return soapFolder(path, clientId);
  return ndjsonFile(path, info.size, info.mtimeMs);
}

async function ndjsonFile(path: string, size: number, mtimeMs: number): Promise<ReplayInput> {
  return {
    kind: 'ndjson',
    path,
    fingerprint: `ndjson:${size}:${Math.round(mtimeMs)}`,
    total: await countLines(path),
    async *units(from) {
      const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
      let unit = 0;
      for await (const text of lines) {
        if (unit >= from) yield fromLine(unit, text);
        unit++;
      }
    },
  };
}

async function countLines(path: string): Promise<number> {
  let lines = 0;
  let last = 0x0a;
  for await (const chunk of createReadStream(path)) {
    const bytes = chunk as Buffer;
    for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) lines++;
    if (bytes.length > 0) last = bytes[bytes.length - 1] as number;
  }
  return last === 0x0a ? lines : lines + 1;
}

/**
 * A line as an item. A line from a refused file of an earlier run carries its
 * `error` (dropped), and one that was not JSON comes back as `{"text": …}`:
 * the corrected text is read as the line. A bare notification (no `type`) is
 * taken as a birth when it names a mother or a child, a death when it names
 * the deceased.
 */
export function fromLine(unit: number, raw: string): Unit {
  const at = { line: unit + 1 };
  if (raw.trim() === '') return { unit, at };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return {
      unit,
      at,
      text: raw,
      refusal: refusal(new DomainError('MALFORMED_REQUEST', { reason: `line ${at.line} is not valid JSON` })),
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { unit, at, item: value };
  if (!('error' in value) && ('type' in value || 'notification' in value)) {
    return { unit, at, item: value, json: raw };
  }
  const { error: _earlier, ...item } = value as Record<string, unknown>;
  if (typeof item.text === 'string' && !('type' in item) && !('notification' in item)) {
    return fromLine(unit, item.text);
  }
  if ('type' in item || 'notification' in item) return { unit, at, item };
  const type = 'mother' in item || 'child' in item ? 'birth' : 'deceased' in item ? 'death' : undefined;
  return { unit, at, item: type ? { type, notification: item } : { notification: item } };
}

async function soapFolder(path: string, clientId: string): Promise<ReplayInput> {
  const files = (await readdir(path)).filter((f) => f.toLowerCase().endsWith('.xml')).sort();
  if (files.length === 0) throw new CliInputError(`${path} holds no *.xml files (SOAP request envelopes)`);
  return {
    kind: 'soap',
    path,
    fingerprint: `soap:${files.length}:${createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 16)}`,
    total: files.length,
    async *units(from) {
      for (let unit = from; unit < files.length; unit++) {
        const file = files[unit] as string;
        yield fromEnvelope(unit, file, await readFile(join(path, file)), clientId);
      }
    },
  };
}

/** An envelope as the REST item that does the same, translated here as POST /v1/migration/translate does. */
export function fromEnvelope(unit: number, file: string, raw: Buffer, clientId: string): Unit {
  const at = { file };
  try {
    const soap = soapAsRest(raw);
    if (soap.operation === 'status') {
      throw validationFailed([
        {
          field: 'IlmoituksenTila',
          code: 'INVALID_VALUE',
          message: 'is a status query, not a notification to register',
        },
      ]);
    }
    const errors = [...soap.errors];
    if (soap.clientId !== undefined && soap.clientId !== clientId) {
      errors.push({
        field: 'Header/client',
        code: 'INVALID_VALUE',
        message: `names another client than --client ${clientId}`,
      });
    }
    if (errors.length > 0) throw validationFailed(errors);
    return { unit, at, item: { type: soap.operation, notification: soap.command } };
  } catch (err) {
    if (!isDomainError(err)) throw err;
    return { unit, at, refusal: refusal(err) };
  }
}

function refusal(err: DomainError): Refusal {
  // Every refusal made here is of the message's form: 400, as the gateway answers those.
  const status = 400;
  return {
    status,
    code: err.code,
    problem: {
      type: `/problems/${err.code}`,
      title: ERROR_CATALOGUE[err.code].title,
      status,
      detail: err.message,
      code: err.code,
      ...(err.fieldErrors.length > 0 ? { errors: [...err.fieldErrors] } : {}),
    },
  };
}
