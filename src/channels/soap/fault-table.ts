import type { DomainError, ErrorCode } from '../../core/errors';
import { describeWithPath } from '../../http/channel-names';

/**
 * The SOAP fault table: whose fault each code is (`soap:Client.<CODE>` or
 * `soap:Server.<CODE>`, as X-Road's codes), and where the envelope matters
 * for the fix, a hint added to the faultstring. One table for both SOAP
 * interfaces; a test holds it against the catalogue.
 */
export const SOAP_FAULTS: Readonly<Record<ErrorCode, { faultClass: 'Client' | 'Server'; hint?: string }>> = {
  MISSING_CLIENT_IDENTITY: {
    faultClass: 'Client',
    hint: 'Name it in the xrd:client header: xRoadInstance, memberClass, memberCode and subsystemCode.',
  },
  UNKNOWN_CLIENT: { faultClass: 'Client' },
  CLIENT_CERT_MISMATCH: { faultClass: 'Client' },
  CHANNEL_NOT_ALLOWED: { faultClass: 'Client' },
  CHANNEL_RETIRED: { faultClass: 'Client' },
  VALIDATION_FAILED: { faultClass: 'Client' },
  TEMPORARY_CODE_NOT_ALLOWED: { faultClass: 'Client' },
  STILLBIRTH_NOT_REGISTRABLE: { faultClass: 'Client' },
  PERSON_NOT_FOUND: { faultClass: 'Client' },
  ALREADY_DECEASED: { faultClass: 'Client' },
  DEATH_BEFORE_BIRTH: { faultClass: 'Client' },
  NOTIFICATION_ID_REUSED: { faultClass: 'Client' },
  NOTIFICATION_NOT_FOUND: { faultClass: 'Client' },
  MALFORMED_REQUEST: { faultClass: 'Client' },
  DTD_FORBIDDEN: { faultClass: 'Client' },
  PAYLOAD_TOO_LARGE: { faultClass: 'Client' },
  UNSUPPORTED_MEDIA_TYPE: { faultClass: 'Client' },
  NOT_FOUND: { faultClass: 'Client' },
  METHOD_NOT_ALLOWED: { faultClass: 'Client' },
  UNAUTHORIZED: { faultClass: 'Client' },
  CLIENT_ALREADY_EXISTS: { faultClass: 'Client' },
  CLIENT_NOT_FOUND: { faultClass: 'Client' },
  EXCEPTION_NOT_FOUND: { faultClass: 'Client' },
  REGISTRATION_WITHDRAWN: { faultClass: 'Client' },
  NOT_IN_OUTBOX: { faultClass: 'Client' },
  IDENTITY_CODES_EXHAUSTED: { faultClass: 'Server' },
  REGISTER_UNAVAILABLE: { faultClass: 'Server' },
  // Not the message's fault: the same message is accepted in a moment (HTTP 429 on REST).
  RATE_LIMITED: { faultClass: 'Server' },
  SERVICE_UNAVAILABLE: { faultClass: 'Server' },
  INTERNAL: { faultClass: 'Server' },
};

/** The faultstring: the catalogue's message, interfaces named with their paths, and the hint. */
export function faultString(err: DomainError): string {
  const hint = SOAP_FAULTS[err.code].hint;
  return hint ? `${err.messageWith(describeWithPath)} ${hint}` : err.messageWith(describeWithPath);
}
