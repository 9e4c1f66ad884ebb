/**
 * The one catalogue of stable error codes (contract §5). Façades map a code to
 * their wire form (HTTP status + problem type, SOAP faultcode) in their own
 * table; tests fail when a code is left unmapped or undocumented.
 * Codes are never renamed or reused for another meaning.
 */
export const ERROR_CATALOGUE = {
  MISSING_CLIENT_IDENTITY: { fault: 'Client', title: 'The request does not name its X-Road client' },
  UNKNOWN_CLIENT: { fault: 'Client', title: 'The X-Road client is not registered with the gateway' },
  CLIENT_CERT_MISMATCH: {
    fault: 'Client',
    title: 'The TLS client certificate does not belong to the client',
  },
  CHANNEL_NOT_ALLOWED: { fault: 'Client', title: 'This client may not use this interface' },
  CHANNEL_RETIRED: { fault: 'Client', title: 'This interface has been retired for this client' },
  VALIDATION_FAILED: { fault: 'Client', title: 'The request has invalid fields' },
  TEMPORARY_CODE_NOT_ALLOWED: {
    fault: 'Client',
    title: 'Temporary personal identity codes (900–999) are not accepted from production clients',
  },
  STILLBIRTH_NOT_REGISTRABLE: { fault: 'Client', title: 'Stillbirths are not registered in VTJ' },
  PERSON_NOT_FOUND: { fault: 'Client', title: 'The person is not in the population register' },
  ALREADY_DECEASED: { fault: 'Client', title: 'The person is already registered as deceased' },
  DEATH_BEFORE_BIRTH: { fault: 'Client', title: 'The dates contradict the register: a death before a birth' },
  NOTIFICATION_ID_REUSED: {
    fault: 'Client',
    title: 'The notification id was already used for a notification with different content',
  },
  NOTIFICATION_NOT_FOUND: { fault: 'Client', title: 'No notification of this client has that id' },
  MALFORMED_REQUEST: { fault: 'Client', title: 'The request body could not be parsed' },
  DTD_FORBIDDEN: { fault: 'Client', title: 'Document type declarations are not allowed in SOAP messages' },
  PAYLOAD_TOO_LARGE: { fault: 'Client', title: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { fault: 'Client', title: 'The request body has an unsupported content type' },
  NOT_FOUND: { fault: 'Client', title: 'No such resource' },
  METHOD_NOT_ALLOWED: { fault: 'Client', title: 'The resource does not support this method' },
  UNAUTHORIZED: { fault: 'Client', title: 'Operator credentials are missing or invalid' },
  CLIENT_ALREADY_EXISTS: { fault: 'Client', title: 'A client with this identifier is already registered' },
  CLIENT_NOT_FOUND: { fault: 'Client', title: 'No client with this identifier is registered' },
  IDENTITY_CODES_EXHAUSTED: {
    fault: 'Server',
    title: 'No personal identity code is left for this birth date and sex',
  },
  SERVICE_UNAVAILABLE: {
    fault: 'Server',
    title: 'The service is temporarily unavailable',
    /** How long a caller should wait before trying again (Retry-After). */
    retryAfterSeconds: 5,
  },
  INTERNAL: { fault: 'Server', title: 'Internal error' },
} as const satisfies Record<
  string,
  { fault: 'Client' | 'Server'; title: string; retryAfterSeconds?: number }
>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

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

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_CATALOGUE[code].title,
    readonly fieldErrors: readonly FieldError[] = [],
    /** Extra machine-readable facts for the client (never personal data). */
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** Seconds a caller should wait before sending the same request again, for codes that say "try later". */
export function retryAfterSeconds(code: ErrorCode): number | undefined {
  const entry = ERROR_CATALOGUE[code];
  return 'retryAfterSeconds' in entry ? entry.retryAfterSeconds : undefined;
}

export function validationFailed(errors: readonly FieldError[]): DomainError {
  const first = errors[0];
  const summary =
    errors.length === 1 && first
      ? `${first.field}: ${first.message}`
      : `${errors.length} fields are invalid: ${errors.map((e) => e.field).join(', ')}`;
  return new DomainError('VALIDATION_FAILED', summary, errors);
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
