import express, { type Request, type Response, Router } from 'express';
import { declaredLengthWithin } from '../../http/body-errors';
import { CHANNEL_PLACES } from '../../http/channel-names';
import { sendProblem } from '../../http/problems';
import { requestInfo } from '../../http/request-log';
import type { Handled, Operation } from '../../pipeline/codec';
import type { RequestPipeline } from '../../pipeline/request-pipeline';
import { soapAsRest } from './soap-request';

const REST = CHANNEL_PLACES.rest.path;
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
  const xml = [
    declaredLengthWithin(deps.bodyLimitBytes),
    express.raw({ type: () => true, limit: deps.bodyLimitBytes }),
  ];
  router.post('/migration/translate', xml, async (req: Request, res: Response) => {
    const soap = soapAsRest(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    const handled = await deps.pipeline.handle(
      res.locals.identified,
      {
        operation: soap.operation,
        command: soap.command,
        fieldErrors: soap.errors,
        fieldName: soap.fieldName,
        // Checked as the caller; an envelope naming another client is refused, not looked up.
        checkOnly: { asClientId: soap.clientId ?? null },
      },
      requestInfo(req, res),
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
