import { randomUUID } from 'node:crypto';
import { personsNamed } from '../core/audit/audit-record';
import type { AuditTrail } from '../core/audit/audit-trail';
import type { Channel } from '../core/clients/client';
import type { CallerIdentification } from '../core/clients/identification';
import type { RateLimiter } from '../core/clients/rate-limit';
import { DomainError, isDomainError, validationFailed, withCoreFieldErrors } from '../core/errors';
import { isPersonalIdentityCodeShaped } from '../core/hetu/hetu';
import type { StoredNotification } from '../core/notifications/notification';
import { type NotificationService, rejectionError } from '../core/notifications/notification-service';
import type { Logger } from '../core/ports';
import type { Caller, DecodedRequest, Handled, Identified, PipelineMetrics, RequestInfo } from './codec';

/** Audit rows that may wait unwritten before a batch waits for them (two batches' worth of items). */
const AUDIT_BACKLOG = 2_000;

/**
 * The one request flow every channel goes through, whatever its wire format:
 * identify the caller and ask the channel policy, then validate (the wire
 * form's field errors together with the core's), submit or look up, count,
 * and turn a stored refusal into its error. Failures of any kind become one
 * coded error with a correlation id here, and server-side ones are logged
 * here, with their cause. A channel's codec only decodes the wire into a
 * DecodedRequest and encodes a Handled. Every notification request a
 * channel marks for auditing (RequestInfo.audit) leaves one row in the audit
 * trail when it ends here, answered or refused.
 */
export class RequestPipeline {
  constructor(
    private readonly deps: {
      identification: CallerIdentification;
      notifications: NotificationService;
      metrics: PipelineMetrics;
      logger: Logger;
      /** Each client's request budget; a client past it is refused RATE_LIMITED before anything else is done. */
      limiter?: RateLimiter;
      /** The audit trail of notification requests; unset: nothing is audited. */
      audit?: AuditTrail;
    },
  ) {}

  /** Who calls, and may they use this channel now? Throws the coded refusal. */
  identify(channel: Channel, caller: Caller): Promise<Identified> {
    return this.deps.identification
      .identify(caller.clientId ?? undefined, channel, caller.certificateFingerprint, caller.trustedProxy)
      .then(({ client, decision }) => {
        this.deps.limiter?.take(client.id);
        return { channel, client, decision };
      });
  }

  /**
   * The caller of work acknowledged earlier (an NDJSON batch decided in the
   * background), identified again by the channel policy of now: no budget
   * taken and no call counted, both were when the work arrived.
   */
  async resume(channel: Channel, clientId: string): Promise<Identified> {
    const { client, decision } = await this.deps.identification.again(clientId, channel);
    return { channel, client, decision };
  }

  /**
   * Resolves when the audit trail's unwritten rows are below AUDIT_BACKLOG,
   * writing them first if need be: a batch channel awaits it before each
   * batch, so that items decided faster than their audit rows are written
   * wait for the trail instead of growing its backlog (and memory) until rows
   * are dropped.
   */
  auditCaughtUp(): Promise<void> {
    return this.deps.audit?.caughtUp(AUDIT_BACKLOG) ?? Promise.resolve();
  }

  /** Identifies, then handles: for channels whose caller is named inside the message (SOAP). */
  async run(channel: Channel, caller: Caller, decoded: DecodedRequest, info: RequestInfo): Promise<Handled> {
    let identified: Identified;
    try {
      identified = await this.identify(channel, caller);
    } catch (err) {
      return this.audited(this.fail(err, info), info, decoded);
    }
    return this.handle(identified, decoded, info);
  }

  /** The request of an identified caller, to its end. Never throws. */
  async handle(identified: Identified, decoded: DecodedRequest, info: RequestInfo): Promise<Handled> {
    return this.audited(await this.judge(identified, decoded, info), info, decoded);
  }

  private async judge(identified: Identified, decoded: DecodedRequest, info: RequestInfo): Promise<Handled> {
    const { channel, client } = identified;
    const { notifications, metrics } = this.deps;
    const name = decoded.fieldName ?? ((f: string) => f);
    const kind = decoded.operation;
    try {
      if (decoded.checkOnly) {
        // Checked as the caller, whom the pipeline identified: never by the rules of a client the message
        // merely names, which would tell anyone whether that client exists and whether it is a sandbox.
        const as = decoded.checkOnly.asClientId;
        if (as !== null && as !== client.id) {
          throw validationFailed([
            {
              field: 'Header/client',
              code: 'INVALID_VALUE',
              message:
                'names another client than the caller; a request is checked as the client that sends it',
            },
          ]);
        }
        this.check(decoded, () => kind !== 'status' && notifications.validate(client, kind, decoded.command));
        const clientId = client.id;
        return {
          ok: true,
          identified,
          outcome: { operation: 'checked', kind, command: decoded.command, clientId },
        };
      }
      if (kind === 'status') {
        this.check(decoded, () => undefined);
        const id = (decoded.command as { notificationId: string }).notificationId;
        return {
          ok: true,
          identified,
          outcome: { operation: 'status', record: await notifications.status(client, id) },
        };
      }
      let result: Awaited<ReturnType<NotificationService['submit']>>;
      try {
        if (decoded.fieldErrors.length > 0) {
          throw withCoreFieldErrors(
            decoded.fieldErrors,
            () => notifications.validate(client, kind, decoded.command),
            name,
          );
        }
        result = await notifications.submit(
          client,
          channel,
          kind,
          decoded.command,
          decoded.bulk ? { bulk: true } : undefined,
        );
      } catch (err) {
        metrics.refused(channel, kind);
        throw err;
      }
      metrics.notification(channel, kind, result);
      const rejected = rejectionError(result.record);
      if (rejected) return { ...this.fail(rejected, info, identified), replayed: result.replayed };
      return {
        ok: true,
        identified,
        outcome: { operation: kind, record: result.record, replayed: result.replayed },
      };
    } catch (err) {
      return this.fail(err, info, identified);
    }
  }

  /**
   * Anything thrown, as the coded error the caller is answered with: domain
   * errors as they are, anything else INTERNAL; a server-side failure is
   * logged with its cause under the answer's correlation id. The end of the
   * request: audited when the channel marked it for auditing.
   */
  failed(err: unknown, info: RequestInfo, identified?: Identified): Extract<Handled, { ok: false }> {
    return this.audited(this.fail(err, info, identified), info);
  }

  private fail(err: unknown, info: RequestInfo, identified?: Identified): Extract<Handled, { ok: false }> {
    const error = isDomainError(err) ? err : new DomainError('INTERNAL');
    const correlationId = info.requestId ?? newRequestId();
    if (error.code === 'INTERNAL' || error.code === 'SERVICE_UNAVAILABLE') {
      this.deps.logger.error(
        {
          requestId: correlationId,
          xRoadId: info.xRoadId,
          method: info.method,
          path: info.path,
          code: error.code,
          err: errorForLog(err),
        },
        'request failed',
      );
    }
    return { ok: false, identified, error, correlationId };
  }

  /**
   * The request's row in the audit trail, once per request (a channel that
   * marked it may still reach the error handler after the pipeline answered).
   * A check-only run (the translation) registers and discloses nothing: not audited.
   */
  private audited<H extends Handled>(handled: H, info: RequestInfo, decoded?: DecodedRequest): H {
    const ctx = info.audit;
    const trail = this.deps.audit;
    if (!ctx || !trail || ctx.recorded || decoded?.checkOnly) return handled;
    ctx.recorded = true;
    const outcome = handled.ok ? handled.outcome : undefined;
    const record: StoredNotification | undefined =
      outcome && 'record' in outcome ? outcome.record : undefined;
    const command = decoded?.command as { notificationId?: unknown } | undefined;
    const notificationId = record?.notificationId ?? command?.notificationId;
    trail.record({
      channel: ctx.channel,
      operation: decoded?.operation ?? ctx.operation,
      clientId: handled.identified?.client.id ?? ctx.claimedClientId,
      clientIdentified: handled.identified !== undefined,
      xRoadId: ctx.xRoadId,
      userId: ctx.userId,
      notificationId: typeof notificationId === 'string' ? notificationId : null,
      outcome: handled.ok ? (record?.status.toUpperCase() ?? 'OK') : handled.error.code,
      replayed: outcome
        ? 'replayed' in outcome && outcome.replayed
        : !handled.ok && handled.replayed === true,
      httpStatus: ctx.httpStatus(handled),
      persons: record
        ? [...personsNamed(record.content), ...(record.childCode ? [record.childCode] : [])]
        : personsNamed(decoded?.command),
    });
    return handled;
  }

  /**
   * A status query needs its id. A check answers with every field error that
   * would stop the notification: the wire form's, the core's, and any other
   * refusal of the core as a field error too.
   */
  private check(decoded: DecodedRequest, validate: () => unknown): void {
    const name = decoded.fieldName ?? ((f: string) => f);
    const found = decoded.checkOnly ? [...decoded.fieldErrors] : [];
    if (decoded.operation === 'status') {
      const id = (decoded.command as { notificationId?: unknown } | null)?.notificationId;
      const field = name('notificationId');
      if (typeof id !== 'string' && !found.some((f) => f.field === field)) {
        found.push({ field, code: 'REQUIRED', message: 'is required' });
      }
      if (found.length > 0) throw validationFailed(found);
      return;
    }
    found.push(...decoded.fieldErrors.filter((f) => !found.includes(f)));
    try {
      validate();
    } catch (e) {
      if (!isDomainError(e)) throw e;
      const errors =
        e.fieldErrors.length > 0 ? e.fieldErrors : [{ field: '', code: e.code, message: e.message }];
      for (const f of errors) {
        const field = name(f.field);
        if (!found.some((x) => x.field === field)) found.push({ ...f, field });
      }
    }
    if (found.length > 0) throw validationFailed(found);
  }
}

/**
 * A new request id: a random UUID, drawn again in the rare case (about one
 * in forty) that it contains something shaped like a personal identity code
 * (`123456-7890` across its first dash, or a run with a letter A–F in the
 * last group), which the logger would mask, and the id would then no longer
 * find its log lines.
 */
export function newRequestId(): string {
  for (;;) {
    const id = randomUUID();
    if (!isPersonalIdentityCodeShaped(id)) return id;
  }
}

function errorForLog(err: unknown) {
  if (!(err instanceof Error)) return { value: String(err) };
  const cause = (err as { cause?: unknown }).cause;
  const reason = (err as { reason?: unknown }).reason;
  return {
    name: err.name,
    message: err.message,
    ...(typeof reason === 'string' ? { reason } : {}),
    stack: err.stack,
    ...(cause instanceof Error ? { cause: { name: cause.name, message: cause.message } } : {}),
  };
}
