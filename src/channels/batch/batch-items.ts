import { DomainError, type FieldError, validationFailed } from '../../core/errors';
import { schemaValidator, structuralCheck } from '../../http/openapi';
import { PROBLEMS, problemBody } from '../../http/problems';
import type { DecodedRequest, Handled, Identified, RequestInfo } from '../../pipeline/codec';
import { notificationResult } from '../rest/render';
import { restStatus } from '../rest/rest-codec';

/**
 * One item of a batch request, `{"type": "birth"|"death", "notification": {…}}`,
 * where the notification is the body POST /v1/births or POST /v1/deaths takes:
 * decoded into the request that single submission would be, and its end
 * encoded as that submission would have been answered (status, and the
 * notification's result or the RFC 9457 problem) — so a batch is the REST
 * interface's own semantics, item by item.
 */
export type ItemType = 'birth' | 'death';
const TYPES: readonly ItemType[] = ['birth', 'death'];
const MEMBERS = new Set(['type', 'notification']);
const validators = { birth: schemaValidator('BirthRequest'), death: schemaValidator('DeathRequest') };

/** Where an item stands in its batch: its position, and for NDJSON its line (from 1). */
export interface ItemPosition {
  index: number;
  line?: number;
}

/** An item's answer: what the single submission would have answered, by status. */
export interface ItemResult extends ItemPosition {
  notificationId?: string;
  type?: ItemType;
  /** The HTTP status the single submission would have had: 201, 202, or the problem's. */
  status: number;
  /** The id was seen before with the same content (`Idempotent-Replayed: true` on a single submission). */
  replayed?: true;
  result?: ReturnType<typeof notificationResult>;
  problem?: ReturnType<typeof problemBody>;
}

export type DecodedItem =
  | { ok: true; type: ItemType; notificationId?: string; request: DecodedRequest }
  | { ok: false; notificationId?: string; type?: ItemType; error: DomainError };

/**
 * An item as the pipeline takes it. The item's own members are checked here
 * (`type`, `notification`, nothing else); the notification's fields, with
 * the paths a single submission's would have, by the pipeline as always.
 */
export function decodeItem(value: unknown): DecodedItem {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      error: validationFailed([
        {
          field: '(item)',
          code: 'INVALID_TYPE',
          message: 'must be an object: {"type": "birth" or "death", "notification": {…}}',
        },
      ]),
    };
  }
  const item = value as Record<string, unknown>;
  const notification = item.notification;
  const notificationId =
    typeof notification === 'object' &&
    notification !== null &&
    typeof (notification as { notificationId?: unknown }).notificationId === 'string'
      ? (notification as { notificationId: string }).notificationId
      : undefined;
  const type = TYPES.find((t) => t === item.type);
  const errors: FieldError[] = [];
  if (item.type === undefined) errors.push({ field: 'type', code: 'REQUIRED', message: 'is required' });
  else if (!type)
    errors.push({ field: 'type', code: 'INVALID_VALUE', message: 'must be one of "birth", "death"' });
  if (notification === undefined) {
    errors.push({ field: 'notification', code: 'REQUIRED', message: 'is required' });
  } else if (typeof notification !== 'object' || notification === null || Array.isArray(notification)) {
    errors.push({ field: 'notification', code: 'INVALID_TYPE', message: 'must be an object' });
  }
  for (const key of Object.keys(item)) {
    if (!MEMBERS.has(key))
      errors.push({ field: key, code: 'UNKNOWN_FIELD', message: 'is not a member of a batch item' });
  }
  if (errors.length > 0 || !type) return { ok: false, notificationId, type, error: validationFailed(errors) };
  return {
    ok: true,
    type,
    notificationId,
    request: {
      operation: type,
      command: notification,
      fieldErrors: structuralCheck(validators[type], notification),
      bulk: true,
    },
  };
}

/** A line of an NDJSON batch: JSON first, then an item. */
export function decodeLine(text: string, line: number): DecodedItem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {
      ok: false,
      error: new DomainError('MALFORMED_REQUEST', { reason: `line ${line} is not valid JSON` }),
    };
  }
  return decodeItem(value);
}

/**
 * How the item ended, as its single submission would have been answered;
 * `minimal` (Prefer: return=minimal) leaves out a registered or accepted
 * notification's result, which its status says enough about.
 */
export function itemResult(
  handled: Handled,
  at: ItemPosition,
  decoded: DecodedItem,
  minimal = false,
): ItemResult {
  const known = {
    ...at,
    ...(decoded.notificationId !== undefined ? { notificationId: decoded.notificationId } : {}),
    ...(decoded.type ? { type: decoded.type } : {}),
  };
  if (!handled.ok) {
    return {
      ...known,
      status: PROBLEMS[handled.error.code].status,
      ...(handled.replayed ? { replayed: true as const } : {}),
      problem: problemBody(handled.error, handled.correlationId),
    };
  }
  const { outcome } = handled;
  if (outcome.operation !== 'birth' && outcome.operation !== 'death') {
    throw new Error('a batch item is a birth or a death');
  }
  return {
    ...known,
    status: outcome.record.status === 'registered' ? 201 : 202,
    ...(outcome.replayed ? { replayed: true as const } : {}),
    ...(minimal ? {} : { result: notificationResult(outcome.record) }),
  };
}

/** Counts of a batch's answered items: by outcome, and its refusals by code. */
export interface BatchSummary {
  registered: number;
  /** Stored, waiting for the register (202): the code comes later, at /v1/notifications/{id}. */
  accepted: number;
  refused: number;
  /** Of all the above, those answered as repeats of an earlier notification. */
  replayed: number;
  refusedByCode: Record<string, number>;
}

export function emptySummary(): BatchSummary {
  return { registered: 0, accepted: 0, refused: 0, replayed: 0, refusedByCode: {} };
}

export function count(summary: BatchSummary, r: Pick<ItemResult, 'status' | 'replayed' | 'problem'>): void {
  if (r.replayed) summary.replayed++;
  if (r.status === 201) summary.registered++;
  else if (r.status === 202) summary.accepted++;
  else {
    summary.refused++;
    const code = r.problem?.code ?? 'INTERNAL';
    summary.refusedByCode[code] = (summary.refusedByCode[code] ?? 0) + 1;
  }
}

/**
 * The request facts of one item: the batch request's, with an audit context
 * of the item's own, so that every item leaves its own row in the audit
 * trail (channel `batch`), answered with the status its single submission
 * would have had.
 */
export function itemInfo(
  info: RequestInfo,
  identified: Identified,
  decoded: DecodedItem,
  xRoad: { id: string | null; userId: string | null } = { id: null, userId: null },
): RequestInfo {
  return {
    method: info.method,
    path: info.path,
    requestId: info.requestId,
    xRoadId: info.xRoadId,
    audit: {
      channel: 'batch',
      operation: decoded.ok ? decoded.request.operation : (decoded.type ?? null),
      claimedClientId: identified.client.id,
      xRoadId: xRoad.id,
      userId: xRoad.userId,
      httpStatus: restStatus,
    },
  };
}
