import express, { type Request, type Response, Router } from 'express';
import { DomainError } from '../../core/errors';
import { CHANNEL_PLACES } from '../../http/channel-names';
import { sendProblem } from '../../http/problems';
import type { Handled, Operation } from '../../pipeline/codec';
import type { RequestPipeline } from '../../pipeline/request-pipeline';
import { parseEnvelope } from '../soap/envelope';
import { isOperation, type Operation as SoapOperation, soapPath, toCommand } from '../soap/fields';
import { guardXml } from '../soap/xml-guard';

const REST = CHANNEL_PLACES.rest.path;
const OPERATION_OF: Record<SoapOperation, Operation> = {
  SyntymaIlmoitus: 'birth',
  KuolemaIlmoitus: 'death',
  IlmoituksenTila: 'status',
};
const REQUEST_OF: Record<Operation, { method: string; path: (notificationId: string) => string }> = {
  birth: { method: 'POST', path: () => `${REST}/births` },
  death: { method: 'POST', path: () => `${REST}/deaths` },
  status: { method: 'GET', path: (id) => `${REST}/notifications/${encodeURIComponent(id)}` },
};

/**
 * POST /v1/migration/translate: a client developer sends a SOAP request
 * envelope (either SOAP interface) and gets the equivalent REST request —
 * method, path, headers, JSON body — or the field errors that would stop it,
 * named by SOAP element path. A codec like the others: the SOAP reader in,
 * the pipeline checks (registers nothing), a REST request out.
 */
export function translateRoute(deps: { pipeline: RequestPipeline; bodyLimitBytes: number }) {
  const router = Router();
  const xml = express.raw({ type: () => true, limit: deps.bodyLimitBytes });
  router.post('/migration/translate', xml, async (req: Request, res: Response) => {
    const request = parseEnvelope(guardXml(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)));
    const op = request.operation;
    if (!isOperation(op)) {
      throw new DomainError('MALFORMED_REQUEST', {
        reason: 'the SOAP Body must hold SyntymaIlmoitus, KuolemaIlmoitus or IlmoituksenTila',
      });
    }
    const { command, errors } = toCommand(op, request.body);
    const handled = await deps.pipeline.handle(
      res.locals.identified,
      {
        operation: OPERATION_OF[op],
        command,
        fieldErrors: errors,
        fieldName: (f) => soapPath(op, f),
        // The sandbox rules of the client named in the envelope (or the caller) decide what is valid.
        checkOnly: { asClientId: request.clientId ?? null },
      },
      { method: req.method, path: req.path },
    );
    encode(res, handled);
  });
  return router;
}

function encode(res: Response, handled: Handled): void {
  if (!handled.ok) {
    sendProblem(res, handled.error, handled.correlationId);
    return;
  }
  const { outcome } = handled;
  if (outcome.operation !== 'checked') throw new Error('the translation only checks');
  const rest = REQUEST_OF[outcome.kind];
  const notification = outcome.kind !== 'status';
  res.json({
    method: rest.method,
    path: rest.path(String((outcome.command as { notificationId?: unknown }).notificationId)),
    headers: {
      'X-Road-Client': outcome.clientId.split('/').map(encodeURIComponent).join('/'),
      ...(notification ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(notification ? { body: outcome.command } : {}),
  });
}
