import type { Channel } from './clients/client';

/**
 * The one catalogue of stable error codes (contract §5): each code's title,
 * and the template of its message, whose `{params}` the throw site fills in.
 * Channels map a code to their wire form (HTTP status, SOAP fault class, CLI
 * exit code) each in a table of their own; one test holds every table
 * against this catalogue. Codes are never renamed or reused for another
 * meaning.
 */
export const ERROR_CATALOGUE = {
  MISSING_CLIENT_IDENTITY: {
    title: 'The request does not name its X-Road client',
    message: 'The request does not name its X-Road client.',
  },
  UNKNOWN_CLIENT: {
    title: 'The X-Road client is not registered with the gateway',
    message: 'The X-Road client is not registered with the gateway; ask DVV to register it.',
  },
  CLIENT_CERT_MISMATCH: {
    title: 'The TLS client certificate does not belong to the client',
    message: 'The TLS client certificate is not registered for this client.',
  },
  CHANNEL_NOT_ALLOWED: {
    title: 'This client may not use this interface',
    message:
      'The {channel} is only for clients that used the old interface before the renewal; new clients use the {successor}.',
  },
  CHANNEL_RETIRED: {
    title: 'This interface has been retired for this client',
    message: 'The {channel} was retired for this client at {cutoff}; use the {successor} instead.',
  },
  VALIDATION_FAILED: { title: 'The request has invalid fields', message: '{summary}' },
  TEMPORARY_CODE_NOT_ALLOWED: {
    title: 'Temporary personal identity codes (900–999) are not accepted from production clients',
    message:
      'A temporary personal identity code (individual number 900–999) was given; VTJ records only permanent codes.',
  },
  STILLBIRTH_NOT_REGISTRABLE: {
    title: 'Stillbirths are not registered in VTJ',
    message:
      'A stillborn child is not registered in VTJ and gets no personal identity code; report it to Statistics Finland and THL instead.',
  },
  PERSON_NOT_FOUND: {
    title: 'The person is not in the population register',
    message: 'The {role} is not in the population register.',
  },
  ALREADY_DECEASED: {
    title: 'The person is already registered as deceased',
    message: 'The person is already registered as deceased; a death is registered once.',
  },
  DEATH_BEFORE_BIRTH: {
    title: 'The dates contradict the register: a death before a birth',
    message: 'The dates contradict the register: {reason}.',
  },
  NOTIFICATION_ID_REUSED: {
    title: 'The notification id was already used for a notification with different content',
    message:
      'The notification id was already used on {receivedAt} for a notification with different content; use a new id for a new notification.',
  },
  NOTIFICATION_NOT_FOUND: {
    title: 'No notification of this client has that id',
    message: 'This client has no notification with that id.',
  },
  MALFORMED_REQUEST: {
    title: 'The request body could not be parsed',
    message: 'The request could not be read: {reason}.',
  },
  DTD_FORBIDDEN: {
    title: 'Document type declarations are not allowed in SOAP messages',
    message: 'SOAP messages may not {reason}.',
  },
  PAYLOAD_TOO_LARGE: {
    title: 'The request body is too large',
    message: 'The request body is larger than the gateway accepts: {limit}.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    title: 'The request body has an unsupported content type',
    message: 'The request body must be {expected}.',
  },
  NOT_FOUND: { title: 'No such resource', message: 'There is no {what} here; {where}.' },
  METHOD_NOT_ALLOWED: {
    title: 'The resource does not support this method',
    message: '{method} is not supported here; use {allowed}.',
  },
  UNAUTHORIZED: {
    title: 'Operator credentials are missing or invalid',
    message: 'Send the operator token as Authorization: Bearer <token> (or, in a browser, as the password).',
  },
  CLIENT_ALREADY_EXISTS: {
    title: 'A client with this identifier is already registered',
    message: 'A client with this identifier is already registered.',
  },
  CLIENT_NOT_FOUND: {
    title: 'No client with this identifier is registered',
    message: 'No client with this identifier is registered.',
  },
  EXCEPTION_NOT_FOUND: {
    title: 'The client has no exception in force with that id',
    message: 'This client has no exception in force with that id.',
  },
  REGISTRATION_WITHDRAWN: {
    title: 'The notification was not registered: DVV withdrew it from the register',
    message:
      'The population register could not take this notification, and DVV withdrew it unregistered; send it again under a new notification id, or contact DVV.',
  },
  NOT_IN_OUTBOX: {
    title: 'The notification is not waiting for the register',
    message: 'This notification is {status}, not waiting for the register; there is nothing to {action}.',
  },
  IDENTITY_CODES_EXHAUSTED: {
    title: 'No personal identity code is left for this birth date and sex',
    message:
      'Every {pool} personal identity code for this birth date and sex has been assigned; DVV must assign one by hand.',
  },
  SERVICE_UNAVAILABLE: {
    title: 'The service is temporarily unavailable',
    message:
      'The gateway cannot reach its database just now. Try again shortly: a notification sent again with the same notificationId is answered with its first result if it was stored.',
    /** How long a caller should wait before trying again (Retry-After). */
    retryAfterSeconds: 5,
  },
  RATE_LIMITED: {
    title: 'Too many requests from this client',
    message: 'This client has sent more requests than its budget allows just now; send again in a moment.',
    retryAfterSeconds: 1,
  },
  REGISTER_UNAVAILABLE: {
    title: 'The population register does not answer',
    message:
      'The population register does not answer just now, and this needs its answer; try again shortly.',
    retryAfterSeconds: 5,
  },
  INTERNAL: {
    title: 'Internal error',
    message: 'An unexpected error occurred; quote the correlation id when reporting it.',
  },
} as const satisfies Record<string, { title: string; message: string; retryAfterSeconds?: number }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

/**
 * Codes once published and since taken out of use: clients may have coded
 * against them, so none is ever given another meaning or brought back.
 * (test/contracts/published-codes.txt lists every code ever published.)
 */
export const RETIRED_CODES: readonly string[] = [];

/** Field-level reasons inside VALIDATION_FAILED (and in rejections that point at a field). */
export const FIELD_ERROR_CODES = [
  'REQUIRED',
  'UNKNOWN_FIELD',
  'INVALID_TYPE',
  'INVALID_FORMAT',
  'INVALID_VALUE',
  'INVALID_CHECK_CHARACTER',
  'INVALID_DATE',
  'FUTURE_DATE',
  'OUT_OF_RANGE',
] as const;
export type FieldErrorCode = (typeof FIELD_ERROR_CODES)[number] | ErrorCode;

/** A field path uses the core's (REST) names, dot-separated: `mother.personalIdentityCode`. */
export interface FieldError {
  field: string;
  code: FieldErrorCode;
  message: string;
}

/** The values a message template is filled with; `channel` and `successor` name interfaces (Channel ids). */
export type ErrorParams = Readonly<Record<string, string>>;

/** How an interface is named in a message: the core's plain names; a channel table adds where each is. */
export type ChannelDescriber = (channel: Channel) => string;

const CHANNEL_NAMES: Readonly<Record<Channel, string>> = {
  rest: 'REST interface',
  'soap-v2': 'new SOAP interface',
  'legacy-soap': 'old SOAP interface',
};
export const plainChannelName: ChannelDescriber = (channel) => CHANNEL_NAMES[channel];
const CHANNEL_PARAMS = new Set(['channel', 'successor']);

function render(code: ErrorCode, params: ErrorParams, describe: ChannelDescriber): string {
  return ERROR_CATALOGUE[code].message.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) return `{${name}}`;
    return CHANNEL_PARAMS.has(name) && value in CHANNEL_NAMES ? describe(value as Channel) : value;
  });
}

export class DomainError extends Error {
  override readonly name = 'DomainError';
  /** The message as it was stored with a refusal, when this error was restored from the store. */
  private readonly fixed: string | undefined;

  constructor(
    readonly code: ErrorCode,
    readonly params: ErrorParams = {},
    readonly fieldErrors: readonly FieldError[] = [],
    /** Extra machine-readable facts for the client (never personal data). */
    readonly details: Readonly<Record<string, string>> = {},
    fixedMessage?: string,
  ) {
    super(fixedMessage ?? render(code, params, plainChannelName));
    this.fixed = fixedMessage;
  }

  /** A refusal as it was stored: its message stays what it was when it was first answered. */
  static restored(code: ErrorCode, message: string, fieldErrors: readonly FieldError[]): DomainError {
    return new DomainError(code, {}, fieldErrors, {}, message);
  }

  /** The message for a client, with the interfaces named by `describe` (a channel adds where each is). */
  messageWith(describe: ChannelDescriber): string {
    return this.fixed ?? render(this.code, this.params, describe);
  }

  /** The same error with other field errors (the channel's names for the fields). */
  withFieldErrors(fieldErrors: readonly FieldError[]): DomainError {
    return new DomainError(this.code, this.params, fieldErrors, this.details, this.fixed);
  }
}

/** Seconds a caller should wait before sending the same request again, for codes that say "try later". */
export function retryAfterSeconds(code: ErrorCode): number | undefined {
  const entry = ERROR_CATALOGUE[code];
  return 'retryAfterSeconds' in entry ? entry.retryAfterSeconds : undefined;
}

/** An answer never grows past its request: at most this many field errors, each field path this long. */
export const MAX_FIELD_ERRORS = 100;
export const MAX_FIELD_PATH = 200;
const SUMMARY_FIELDS = 10;

function bounded(field: string): string {
  return field.length > MAX_FIELD_PATH ? `${field.slice(0, MAX_FIELD_PATH - 1)}…` : field;
}

/**
 * Every bad field in one answer — up to MAX_FIELD_ERRORS of them, each path
 * cut at MAX_FIELD_PATH characters — so that a request with a million unknown
 * keys, or one enormous one, gets a small answer, not a larger copy of itself.
 */
export function validationFailed(errors: readonly FieldError[]): DomainError {
  const listed = errors.slice(0, MAX_FIELD_ERRORS).map((e) => ({ ...e, field: bounded(e.field) }));
  if (errors.length > MAX_FIELD_ERRORS) {
    listed.push({
      field: '(body)',
      code: 'OUT_OF_RANGE',
      message: `${errors.length - MAX_FIELD_ERRORS} more invalid fields are not listed`,
    });
  }
  const first = listed[0];
  const names = listed.slice(0, SUMMARY_FIELDS).map((e) => e.field);
  const summary =
    errors.length === 1 && first
      ? `${first.field}: ${first.message}`
      : `${errors.length} fields are invalid: ${names.join(', ')}${errors.length > SUMMARY_FIELDS ? ', …' : ''}`;
  return new DomainError('VALIDATION_FAILED', { summary }, listed);
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;

/**
 * Every bad field in one answer: the field errors a channel found in the wire
 * form (`early`), together with the core's own findings (`validate` is the
 * core's validation of the same input), as one VALIDATION_FAILED. For a field
 * both name, the early error stands. `field` maps the core's field names to
 * the channel's (SOAP element paths). Any other refusal of the core waits
 * until the fields are right.
 */
export function withCoreFieldErrors(
  early: readonly FieldError[],
  validate: () => unknown,
  field: (coreField: string) => string = (f) => f,
): DomainError {
  let core: FieldError[] = [];
  try {
    validate();
  } catch (e) {
    if (!isDomainError(e)) throw e;
    if (e.code === 'VALIDATION_FAILED') core = e.fieldErrors.map((f) => ({ ...f, field: field(f.field) }));
  }
  return validationFailed([...early, ...core.filter((c) => !early.some((x) => x.field === c.field))]);
}
