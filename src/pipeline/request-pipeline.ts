import { randomUUID } from 'node:crypto';
import type { Channel } from '../core/clients/client';
import type { CallerIdentification } from '../core/clients/identification';
import { DomainError, isDomainError, validationFailed, withCoreFieldErrors } from '../core/errors';
import { type NotificationService, rejectionError } from '../core/notifications/notification-service';
import type { Logger } from '../core/ports';
import type { Caller, DecodedRequest, Handled, Identified, PipelineMetrics, RequestInfo } from './codec';

/**
 * The one request flow every channel goes through, whatever its wire format:
 * identify the caller and ask the channel policy, then validate (the wire
 * form's field errors together with the core's), submit or look up, count,
 * and turn a stored refusal into its error. Failures of any kind become one
 * coded error with a correlation id here, and server-side ones are logged
 * here, with their cause. A channel's codec only decodes the wire into a
 * DecodedRequest and encodes a Handled.
 */
export class RequestPipeline {
  constructor(
    private readonly deps: {
      identification: CallerIdentification;
      notifications: NotificationService;
      metrics: PipelineMetrics;
      logger: Logger;
    },
  ) {}

  /** Who calls, and may they use this channel now? Throws the coded refusal. */
  identify(channel: Channel, caller: Caller): Promise<Identified> {
    return this.deps.identification
      .identify(caller.clientId ?? undefined, channel, caller.certificateFingerprint, caller.trustedProxy)
      .then(({ client, decision }) => ({ channel, client, decision }));
  }

  /** Identifies, then handles: for channels whose caller is named inside the message (SOAP). */
  async run(channel: Channel, caller: Caller, decoded: DecodedRequest, info: RequestInfo): Promise<Handled> {
    let identified: Identified;
    try {
      identified = await this.identify(channel, caller);
    } catch (err) {
      return this.failed(err, info);
    }
    return this.handle(identified, decoded, info);
  }

  /** The request of an identified caller, to its end. Never throws. */
  async handle(identified: Identified, decoded: DecodedRequest, info: RequestInfo): Promise<Handled> {
    const { channel, client } = identified;
    const { notifications, metrics } = this.deps;
    const name = decoded.fieldName ?? ((f: string) => f);
    const kind = decoded.operation;
    try {
      if (decoded.checkOnly) {
        const as = decoded.checkOnly.asClientId;
        const rules = (as ? await this.deps.identification.find(as) : undefined) ?? client;
        this.check(decoded, () => kind !== 'status' && notifications.validate(rules, kind, decoded.command));
        const clientId = as ?? client.id;
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
        result = await notifications.submit(client, channel, kind, decoded.command);
      } catch (err) {
        metrics.refused(channel, kind);
        throw err;
      }
      metrics.notification(channel, kind, result);
      const rejected = rejectionError(result.record);
      if (rejected) return { ...this.failed(rejected, info, identified), replayed: result.replayed };
      return {
        ok: true,
        identified,
        outcome: { operation: kind, record: result.record, replayed: result.replayed },
      };
    } catch (err) {
      return this.failed(err, info, identified);
    }
  }

  /**
   * Anything thrown, as the coded error the caller is answered with: domain
   * errors as they are, anything else INTERNAL; a server-side failure is
   * logged with its cause under the answer's correlation id.
   */
  failed(err: unknown, info: RequestInfo, identified?: Identified): Extract<Handled, { ok: false }> {
    const error = isDomainError(err) ? err : new DomainError('INTERNAL');
    const correlationId = randomUUID();
    if (error.code === 'INTERNAL' || error.code === 'SERVICE_UNAVAILABLE') {
      this.deps.logger.error(
        { correlationId, method: info.method, path: info.path, code: error.code, err: errorForLog(err) },
        'request failed',
      );
    }
    return { ok: false, identified, error, correlationId };
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
