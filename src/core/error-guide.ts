import type { ErrorCode } from './errors';

/**
 * What each stable error code means and what the caller should do about it,
 * in words for the people who integrate a client system: served at each
 * problem type's URI (`GET /problems/{code}`), the same for every channel.
 */
export const ERROR_GUIDE: Readonly<Record<ErrorCode, { meaning: string; action: string }>> = {
  MISSING_CLIENT_IDENTITY: {
    meaning: 'The request does not say which X-Road client sends it.',
    action:
      'Send the client as the X-Road-Client header (REST: INSTANCE/CLASS/MEMBER/SUBSYSTEM, each part percent-encoded) or as the xrd:client SOAP header.',
  },
  UNKNOWN_CLIENT: {
    meaning: 'The X-Road client named is not registered with the gateway.',
    action: 'Check the identifier for typos; a new client system is registered by DVV’s operators.',
  },
  CLIENT_CERT_MISMATCH: {
    meaning:
      'The TLS client certificate is neither one registered for the client named nor a trusted X-Road security server’s.',
    action: 'Connect with the client’s own certificate, or have DVV’s operators register its fingerprint.',
  },
  CHANNEL_NOT_ALLOWED: {
    meaning: 'This client may not use this interface: clients registered as new use REST only.',
    action: 'Use the REST interface (/v1, described at /v1/openapi.json).',
  },
  CHANNEL_RETIRED: {
    meaning: 'This interface has been retired for this client: its cut-off has passed.',
    action:
      'Move to the successor named in the message (REST: /v1/openapi.json); DVV’s operators can grant a time-limited exception.',
  },
  VALIDATION_FAILED: {
    meaning:
      'Fields of the request are missing or invalid; `errors` lists every one, each with its own code and reason.',
    action: 'Correct the fields named and send the request again; nothing was stored.',
  },
  TEMPORARY_CODE_NOT_ALLOWED: {
    meaning:
      'A temporary personal identity code (individual number 900–999) was sent by a production client; VTJ records only permanent codes.',
    action: 'Send the person’s permanent code. Test persons belong to sandbox clients.',
  },
  STILLBIRTH_NOT_REGISTRABLE: {
    meaning: 'A stillbirth (liveBorn false) is not registered in the Population Information System.',
    action: 'Do not send stillbirths to this interface; they are reported through their own channel.',
  },
  PERSON_NOT_FOUND: {
    meaning:
      'The mother or the deceased is not in the population register (or, for a sandbox client, is not a test person).',
    action:
      'Check the personal identity code; the refusal is stored, so send the corrected notification under a new notificationId.',
  },
  ALREADY_DECEASED: {
    meaning: 'The person is already registered as deceased; a death is registered once.',
    action: 'Nothing to send again. If the registered death is wrong, contact DVV.',
  },
  DEATH_BEFORE_BIRTH: {
    meaning:
      'The dates contradict the register: a death before the person’s birth or before the registered birth of their child, or a birth after the mother’s registered death.',
    action:
      'Check the dates; the refusal is stored, so send the corrected notification under a new notificationId.',
  },
  NOTIFICATION_ID_REUSED: {
    meaning: 'This notificationId was already used by this client for a notification with different content.',
    action:
      'Use a new notificationId for a new notification. Resending the same content under the same id is safe: it answers the first result again.',
  },
  NOTIFICATION_NOT_FOUND: {
    meaning: 'This client has no notification with that id (another client’s notifications are not visible).',
    action: 'Check the notificationId and the client identity of the request.',
  },
  MALFORMED_REQUEST: {
    meaning:
      'The request body could not be parsed: not well-formed JSON or XML, or not the message expected.',
    action: 'Send a body that matches the contract (openapi/openapi.yaml, or the WSDL).',
  },
  DTD_FORBIDDEN: {
    meaning:
      'The SOAP message contains a document type declaration or an entity declaration, which are refused.',
    action: 'Send the envelope without a DOCTYPE; use XML’s own escapes (&amp; &lt; …) instead of entities.',
  },
  PAYLOAD_TOO_LARGE: {
    meaning: 'The request body is larger than the gateway accepts; the message names the limit.',
    action: 'Send a smaller body: one notification per request.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    meaning:
      'The request body has a content type, character set or content coding the interface does not take.',
    action: 'Send UTF-8 JSON with Content-Type: application/json and no Content-Encoding.',
  },
  NOT_FOUND: {
    meaning: 'There is no such resource here: no such path, or no such problem type.',
    action: 'Check the path; the interfaces are listed at / and described at /v1/openapi.json.',
  },
  METHOD_NOT_ALLOWED: {
    meaning:
      'The resource exists but does not support this HTTP method; the Allow header lists those it does.',
    action: 'Use one of the methods in the Allow header.',
  },
  UNAUTHORIZED: {
    meaning: 'Operator credentials are missing or invalid.',
    action:
      'Send Authorization: Bearer <operator token> (the web page also takes HTTP Basic with the token as password).',
  },
  CLIENT_ALREADY_EXISTS: {
    meaning: 'A client with this identifier is already registered.',
    action: 'Change the existing client with PATCH /ops/clients/{id} instead.',
  },
  CLIENT_NOT_FOUND: {
    meaning: 'No client with this identifier is registered.',
    action: 'Check the identifier (percent-encoded as one path segment), or register the client first.',
  },
  EXCEPTION_NOT_FOUND: {
    meaning: 'The client has no exception in force with that id: it never had it, or it was revoked already.',
    action: 'List the client’s exceptions (GET /ops/clients/{id}) and use the id of one in force.',
  },
  REGISTRATION_WITHDRAWN: {
    meaning:
      'The notification was received, but the population register never took it, and DVV’s operators withdrew it: nothing was registered, and nothing will be under this notification id.',
    action: 'Send the notification again under a new notification id, or contact DVV about it.',
  },
  NOT_IN_OUTBOX: {
    meaning: 'An operator asked to retry or withdraw a notification that is not waiting for the register.',
    action: 'Nothing to do: the notification is registered or refused already; its status says which.',
  },
  RATE_LIMITED: {
    meaning:
      'The client (or operator) sent more requests than its budget allows (RATE_LIMIT_PER_MINUTE, RATE_LIMIT_BURST); nothing was done with this one.',
    action:
      'Send it again after Retry-After seconds, and spread the requests out; a notification id already sent answers as a replay.',
  },
  REGISTER_UNAVAILABLE: {
    meaning: 'The population register behind the gateway does not answer, and the request needs its answer.',
    action:
      'Try again shortly. Notifications themselves are never refused for this: they are received (202) and delivered later.',
  },
  IDENTITY_CODES_EXHAUSTED: {
    meaning:
      'Every personal identity code for this birth date and sex has been assigned; the birth is stored as refused.',
    action: 'Contact DVV: the code is assigned by hand.',
  },
  SERVICE_UNAVAILABLE: {
    meaning: 'The gateway cannot serve just now: its database does not answer, or it is starting.',
    action:
      'Wait for the Retry-After seconds and send the same request again; a notification that was stored meanwhile answers as a replay of its first result.',
  },
  INTERNAL: {
    meaning: 'An unexpected error occurred in the gateway.',
    action:
      'Send the request again later; if it persists, report it to DVV quoting the correlation id in `instance`.',
  },
};
