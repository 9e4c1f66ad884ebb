import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import type { ChannelDecision } from '../core/clients/channel-policy';
import type { Channel } from '../core/clients/client';
import type { ClientService } from '../core/clients/client-service';
import { DomainError, retryAfterSeconds, validationFailed, withCoreFieldErrors } from '../core/errors';
import { type NotificationService, rejectionError } from '../core/notifications/notification-service';
import type { Logger } from '../core/ports';
import { identifyCaller } from '../http/identify';
import type { Metrics } from '../http/metrics';
import { translateError } from '../http/translate-error';
import { PACKAGE_ROOT } from '../infra/package-root';
import { parseEnvelope, type SoapRequest } from './envelope';
import { isOperation, type Operation, soapPath, toCommand } from './fields';
import { type EnvelopeParts, faultEnvelope, responseEnvelope, xmlEscape } from './render';
import type { SoapInterface } from './soap-interface';
import { guardXml } from './xml-guard';

export interface SoapDeps {
  clients: ClientService;
  notifications: NotificationService;
  logger: Logger;
  metrics: Metrics;
  bodyLimitBytes: number;
  tls: { trustedProxyFingerprints: readonly string[] } | undefined;
}

export const WSDL_DIR = path.join(PACKAGE_ROOT, 'wsdl');
const SCHEMAS = ['ilmoitus-types.xsd', 'xroad.xsd', 'identifiers.xsd'];
const KIND = { SyntymaIlmoitus: 'birth', KuolemaIlmoitus: 'death' } as const;

/** One SOAP façade — POST for messages, GET ?wsdl / ?xsd= for the contract — from its data table. */
export function soapRoutes(iface: SoapInterface, deps: SoapDeps): Router {
  const router = Router();
  const wsdl = readFileSync(path.join(WSDL_DIR, iface.wsdlFile), 'utf8');
  const schemas = new Map(SCHEMAS.map((f) => [f, readFileSync(path.join(WSDL_DIR, f), 'utf8')]));

  router.get(iface.path, (req: Request, res: Response) => {
    const base = `${req.protocol}://${req.get('host') ?? 'localhost'}${iface.path}`;
    const xsd = typeof req.query.xsd === 'string' ? schemas.get(req.query.xsd) : undefined;
    if (req.query.wsdl !== undefined) {
      res.type('text/xml').send(withLocations(wsdl, base));
    } else if (xsd) {
      res
        .type('text/xml')
        .send(withLocations(inNamespace(req.query.xsd as string, xsd, iface.namespace), base));
    } else {
      throw new DomainError('NOT_FOUND', `Send SOAP messages with POST; the WSDL is at ${iface.path}?wsdl.`);
    }
  });

  const body = express.raw({ type: () => true, limit: deps.bodyLimitBytes });
  router.post(iface.path, body, async (req: Request, res: Response) => {
    const parts: EnvelopeParts = { namespace: iface.namespace, headerXml: '', headerNamespaces: {} };
    let op: Operation | undefined;
    try {
      const request = parseEnvelope(guardXml(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)));
      Object.assign(parts, { headerXml: request.headerXml, headerNamespaces: request.headerNamespaces });
      op = operationOf(request, iface);
      if (request.clientId === null) {
        throw new DomainError(
          'MISSING_CLIENT_IDENTITY',
          'The X-Road client header must name xRoadInstance, memberClass, memberCode and subsystemCode.',
        );
      }
      const { client, decision } = await identifyCaller(
        deps.clients,
        deps.tls,
        req,
        request.clientId,
        iface.channel,
      );
      deprecationHeaders(res, decision, `${req.protocol}://${req.get('host') ?? 'localhost'}`);

      const { command, errors } = toCommand(op, request.body);
      if (op === 'IlmoituksenTila') {
        const id = (command as { notificationId?: unknown }).notificationId;
        if (typeof id !== 'string')
          throw validationFailed([{ field: 'notificationId', code: 'REQUIRED', message: 'is required' }]);
        return send(res, 200, responseEnvelope(parts, op, await deps.notifications.status(client, id)));
      }
      const kind = KIND[op];
      const operation = op;
      if (errors.length > 0)
        throw withCoreFieldErrors(
          errors,
          () => deps.notifications.validate(client, kind, command),
          (f) => soapPath(operation, f),
        );
      const result = await deps.notifications
        .submit(client, iface.channel, kind, command)
        .catch((e: unknown) => {
          deps.metrics.refused(iface.channel, kind);
          throw e;
        });
      deps.metrics.notification(iface.channel, kind, result);
      if (result.replayed) res.set('Idempotent-Replayed', 'true');
      const rejected = rejectionError(result.record);
      if (rejected) throw rejected;
      send(res, 200, responseEnvelope(parts, op, result.record));
    } catch (err) {
      sendFault(res, parts, err, op, deps.logger, req);
    }
  });

  // Body-parser failures (too large, aborted) still answer as SOAP faults, never an HTML page.
  router.use(iface.path, (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    sendFault(
      res,
      { namespace: iface.namespace, headerXml: '', headerNamespaces: {} },
      err,
      undefined,
      deps.logger,
      req,
    );
  });
  return router;
}

function operationOf(request: SoapRequest, iface: SoapInterface): Operation {
  if (!isOperation(request.operation) || request.namespace !== iface.namespace) {
    throw new DomainError(
      'MALFORMED_REQUEST',
      `The SOAP Body must hold SyntymaIlmoitus, KuolemaIlmoitus or IlmoituksenTila in namespace ${iface.namespace}.`,
    );
  }
  return request.operation;
}

/** RFC 9745 Deprecation, RFC 8594 Sunset (the client's effective cut-off) and the successor's link. */
function deprecationHeaders(res: Response, d: Extract<ChannelDecision, { allowed: true }>, origin: string) {
  if (d.deprecation) res.set('Deprecation', `@${Math.floor(d.deprecation.getTime() / 1000)}`);
  if (d.sunset) res.set('Sunset', d.sunset.toUTCString());
  if (d.successor) res.set('Link', `<${origin}${successorUrl(d.successor)}>; rel="successor-version"`);
}

export function successorUrl(channel: Channel): string {
  return channel === 'rest'
    ? '/v1/openapi.json'
    : channel === 'soap-v2'
      ? '/soap/v2?wsdl'
      : '/soap/legacy?wsdl';
}

function sendFault(
  res: Response,
  parts: EnvelopeParts,
  err: unknown,
  op: Operation | undefined,
  logger: Logger,
  req: Request,
) {
  const coded = translateError(err);
  const correlationId = randomUUID();
  if (coded.code === 'INTERNAL' || coded.code === 'SERVICE_UNAVAILABLE') {
    logger.error(
      { correlationId, method: req.method, path: req.path, err: String(err) },
      'SOAP request failed',
    );
  }
  // Element paths for the field errors: REST names from the core become SOAP element paths.
  const mapped = op
    ? coded.fieldErrors.map((f) => ({ ...f, field: f.field.includes('/') ? f.field : soapPath(op, f.field) }))
    : coded.fieldErrors;
  const fault = new DomainError(coded.code, coded.message, mapped, coded.details);
  const retryAfter = retryAfterSeconds(coded.code);
  if (retryAfter !== undefined) res.set('Retry-After', String(retryAfter));
  send(res, 500, faultEnvelope(parts, fault, correlationId, undefined));
}

function send(res: Response, status: number, xml: string): void {
  res.status(status).type('text/xml; charset=utf-8').send(xml);
}

/**
 * The shared body schema has no namespace of its own (a "chameleon" included into each WSDL's
 * namespace). Served per endpoint, it states that namespace: WSDL-driven clients such as
 * strong-soap do not resolve a chameleon include and would send unqualified elements.
 */
function inNamespace(file: string, xsd: string, namespace: string): string {
  if (file !== 'ilmoitus-types.xsd') return xsd;
  const ns = xmlEscape(namespace);
  return xsd.replace(/<xs:schema\b/, `<xs:schema targetNamespace="${ns}" xmlns="${ns}"`);
}

/** Points the WSDL's endpoint and schema locations at the host the client used. */
function withLocations(doc: string, base: string): string {
  return doc
    .replace(/(<soap:address\s+location=")[^"]*(")/g, `$1${xmlEscape(base)}$2`)
    .replace(
      /schemaLocation="([\w.-]+\.xsd)"/g,
      (_m, file: string) => `schemaLocation="${xmlEscape(`${base}?xsd=${file}`)}"`,
    );
}
