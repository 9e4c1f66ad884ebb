import type { ChannelDecision } from '../core/clients/channel-policy';
import type { Channel, Client } from '../core/clients/client';
import type { DomainError, FieldError } from '../core/errors';
import type { StoredNotification } from '../core/notifications/notification';

export type Operation = 'birth' | 'death' | 'status';
export type AllowedDecision = Extract<ChannelDecision, { allowed: true }>;

/** Who calls, as the transport knows it: the X-Road client named, and the TLS certificate if any. */
export interface Caller {
  /** The decoded X-Road client identifier; null when the request names none (or names it badly). */
  clientId: string | null;
  /** SHA-256 of the TLS client certificate, when TLS client authentication is on. */
  certificateFingerprint?: string;
  /** The certificate is a trusted X-Road security server's, which may speak for any client. */
  trustedProxy?: boolean;
}

/** A caller the channel policy has let in. */
export interface Identified {
  channel: Channel;
  client: Client;
  decision: AllowedDecision;
}

/** What a codec reads from the wire, beyond who calls: the operation, its command, and what the wire form found wrong. */
export interface DecodedRequest {
  operation: Operation;
  /** The notification in the core's command shape; for a status query `{ notificationId }`. */
  command: unknown;
  /** Field errors of the wire form (schema, XML elements), by the channel's field names. */
  fieldErrors: readonly FieldError[];
  /** The channel's name for one of the core's field paths (SOAP element paths); identity if absent. */
  fieldName?: (coreField: string) => string;
  /**
   * Check only, register nothing (the SOAP→REST translation): validated as this client
   * would be (null: as the caller).
   */
  checkOnly?: { asClientId: string | null };
  /** An item of a batch request: registered in the core's bulk lane, with the other batch items. */
  bulk?: boolean;
}

export type Outcome =
  | { operation: 'birth' | 'death'; record: StoredNotification; replayed: boolean }
  | { operation: 'status'; record: StoredNotification }
  | { operation: 'checked'; kind: Operation; command: unknown; clientId: string };

/** How a request ended: what a codec encodes. Refusals carry what the answer still says (headers, replay). */
export type Handled =
  | { ok: true; identified: Identified; outcome: Outcome }
  | {
      ok: false;
      identified?: Identified;
      error: DomainError;
      /** The correlation id of this answer (logged with the cause of a server-side failure). */
      correlationId: string;
      /** A refusal answered again for a repeat of a notification refused earlier. */
      replayed?: boolean;
    };

/** Request facts for the log line of a failure: never the body. */
export interface RequestInfo {
  method: string;
  path: string;
  /** The request's id (X-Request-Id): the correlation id of an error answer, when there is one. */
  requestId?: string;
  /** The X-Road message id (the X-Road-Id header, or the SOAP xrd:id once the envelope is read). */
  readonly xRoadId?: string;
  /** Set by a channel for a notification request (birth, death, status): its end is audited, once. */
  audit?: AuditContext;
}

/**
 * What a channel knows of a notification request before the pipeline has
 * judged it, for its audit row: set when the request arrives (so that a
 * refusal before the body is read is audited too) and filled in as the
 * channel reads the message. One context per audited request: the pipeline
 * records it once, whichever path ends the request.
 */
export interface AuditContext {
  /** The channel; `batch` for an item of a batch request (REST's rules, a row per item). */
  channel: Channel | 'batch';
  /** Null until the channel knows it (SOAP: once the envelope is read). */
  operation: Operation | null;
  /** The X-Road client the request names, decoded; null when it names none or names it badly. */
  claimedClientId: string | null;
  /** The X-Road message id and userId, as sent (the trail masks and hashes them). */
  xRoadId: string | null;
  userId: string | null;
  /** The HTTP status this channel answers a Handled with. */
  httpStatus(handled: Handled): number;
  /** Set by the pipeline once the row is recorded. */
  recorded?: boolean;
}

/** Counts notifications by channel, kind and outcome (Prometheus in production). */
export interface PipelineMetrics {
  notification(
    channel: Channel,
    kind: string,
    result: { record: StoredNotification; replayed: boolean },
  ): void;
  refused(channel: Channel, kind: string): void;
}
