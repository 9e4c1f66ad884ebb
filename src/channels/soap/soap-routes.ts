import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { DomainError, retryAfterSeconds } from '../../core/errors';
import { bodyParserError, declaredLengthWithin } from '../../http/body-errors';
import { callerOf } from '../../http/caller';
import { CHANNEL_PLACES } from '../../http/channel-names';
import { closeAfterRefusedBody } from '../../http/problems';
import { noteXRoadId, requestInfo } from '../../http/request-log';
import type { AllowedDecision, AuditContext, DecodedRequest, Handled } from '../../pipeline/codec';
import type { RequestPipeline } from '../../pipeline/request-pipeline';
import { parseEnvelope, type SoapRequest } from './envelope';
import { isOperation, type Operation, soapPath, toCommand } from './fields';
import type { SoapInterface } from './interfaces';
import { type EnvelopeParts, faultEnvelope, responseEnvelope, xmlEscape } from './render';
import { serviceDescription, WSDL_DIR } from './wsdl';
import { guardXml } from './xml-guard';

export interface SoapDeps {
  pipeline: RequestPipeline;
  bodyLimitBytes: number;
  tls: { trustedProxyFingerprints: readonly string[] } | undefined;
  /** The base of every absolute link written (PUBLIC_BASE_URL, else the listening address); never the Host header. */
  links: { base: string };
}

const SCHEMAS = ['ilmoitus-types.xsd', 'xroad.xsd', 'identifiers.xsd'];
const OPERATION_OF: Record<Operation, DecodedRequest['operation']> = {
  SyntymaIlmoitus: 'birth',
  KuolemaIlmoitus: 'death',
  IlmoituksenTila: 'status',
};

/**
 * One SOAP interface from its row of data: its codec (envelope in, envelope or
 * fault out) over the request pipeline, and its contract (GET ?wsdl, ?xsd=).
 */
export function soapRoutes(iface: SoapInterface, deps: SoapDeps): Router {
  const router = Router();
  const wsdl = serviceDescription(iface);
  const schemas = new Map(SCHEMAS.map((f) => [f, readFileSync(path.join(WSDL_DIR, f), 'utf8')]));

  router.get(iface.path, (req: Request, res: Response) => {
    const base = `${deps.links.base}${iface.path}`;
    const xsd = typeof req.query.xsd === 'string' ? schemas.get(req.query.xsd) : undefined;
    if (req.query.wsdl !== undefined) {
      res.type('text/xml').send(withLocations(wsdl, base));
    } else if (xsd) {
      res
        .type('text/xml')
        .send(withLocations(inNamespace(req.query.xsd as string, xsd, iface.namespace), base));
    } else {
      res.set('Allow', 'POST');
      throw new DomainError('METHOD_NOT_ALLOWED', {
        method: 'GET',
        allowed: `POST for SOAP messages (the WSDL is at ${iface.path}?wsdl)`,
      });
    }
  });

  const body = [
    declaredLengthWithin(deps.bodyLimitBytes),
    express.raw({ type: () => true, limit: deps.bodyLimitBytes }),
  ];
  // Every POST is a notification request for the audit trail, marked before its body is read: one refused
  // as too large, or unreadable, is audited too (its operation unknown).
  const markAudited = (_req: Request, res: Response, next: NextFunction) => {
    const audit: AuditContext = {
      channel: iface.channel,
      operation: null,
      claimedClientId: null,
      xRoadId: null,
      userId: null,
      httpStatus: (h) => (h.ok ? 200 : 500),
    };
    res.locals.audit = audit;
    next();
  };
  router.post(iface.path, markAudited, body, async (req: Request, res: Response) => {
    const parts: EnvelopeParts = { namespace: iface.namespace, headerXml: '', headerNamespaces: {} };
    const info = requestInfo(req, res);
    let op: Operation | undefined;
    let handled: Handled;
    try {
      const request = parseEnvelope(guardXml(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)));
      Object.assign(parts, { headerXml: request.headerXml, headerNamespaces: request.headerNamespaces });
      noteXRoadId(res, request.messageId);
      Object.assign(res.locals.audit as AuditContext, {
        claimedClientId: request.clientId ?? null,
        xRoadId: request.messageId ?? null,
        userId: request.userId ?? null,
      });
      const operation = operationOf(request, iface);
      op = operation;
      (res.locals.audit as AuditContext).operation = OPERATION_OF[operation];
      const { command, errors } = toCommand(operation, request.body);
      handled = await deps.pipeline.run(
        iface.channel,
        callerOf(req, request.clientId ?? null, deps.tls),
        {
          operation: OPERATION_OF[operation],
          command,
          fieldErrors: errors,
          fieldName: (f) => soapPath(operation, f),
        },
        info,
      );
    } catch (err) {
      handled = deps.pipeline.failed(err, info);
    }
    encode(res, handled, parts, op, deps.links.base);
  });

  // Body-parser failures (too large, aborted) still answer as SOAP faults, never an HTML page.
  router.use(iface.path, (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const handled = deps.pipeline.failed(bodyParserError(err) ?? err, requestInfo(req, res));
    encode(
      res,
      handled,
      { namespace: iface.namespace, headerXml: '', headerNamespaces: {} },
      undefined,
      deps.links.base,
    );
  });
  return router;
}

/** The answer: a response envelope, or a fault (HTTP 500) naming each bad field by its element path. */
function encode(
  res: Response,
  handled: Handled,
  parts: EnvelopeParts,
  op: Operation | undefined,
  at: string,
) {
  if (handled.identified) deprecationHeaders(res, handled.identified.decision, at);
  if (!handled.ok) {
    if (handled.replayed) res.set('Idempotent-Replayed', 'true');
    const err = handled.error;
    // Element paths for the field errors: REST names from the core become SOAP element paths.
    const mapped = op
      ? err.withFieldErrors(
          err.fieldErrors.map((f) => ({
            ...f,
            field: f.field.includes('/') ? f.field : soapPath(op, f.field),
          })),
        )
      : err;
    const retryAfter = retryAfterSeconds(err.code);
    if (retryAfter !== undefined) res.set('Retry-After', String(retryAfter));
    closeAfterRefusedBody(res, err);
    send(res, 500, faultEnvelope(parts, mapped, handled.correlationId, undefined));
    return;
  }
  const { outcome } = handled;
  if (outcome.operation === 'checked' || op === undefined)
    throw new Error('a SOAP request is never only checked');
  if (outcome.operation !== 'status' && outcome.replayed) res.set('Idempotent-Replayed', 'true');
  send(res, 200, responseEnvelope(parts, op, outcome.record));
}

function operationOf(request: SoapRequest, iface: SoapInterface): Operation {
  if (!isOperation(request.operation) || request.namespace !== iface.namespace) {
    throw new DomainError('MALFORMED_REQUEST', {
      reason: `the SOAP Body must hold SyntymaIlmoitus, KuolemaIlmoitus or IlmoituksenTila in namespace ${iface.namespace}`,
    });
  }
  return request.operation;
}

/** RFC 9745 Deprecation, RFC 8594 Sunset (the client's effective cut-off) and the successor's link. */
function deprecationHeaders(res: Response, d: AllowedDecision, at: string) {
  if (d.deprecation) res.set('Deprecation', `@${Math.floor(d.deprecation.getTime() / 1000)}`);
  if (d.sunset) res.set('Sunset', d.sunset.toUTCString());
  if (d.successor) res.set('Link', `<${at}${CHANNEL_PLACES[d.successor].contract}>; rel="successor-version"`);
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
