import express, { type Request, type Response, Router } from 'express';
import type { ClientService } from '../core/clients/client-service';
import { DomainError, type FieldError, validationFailed } from '../core/errors';
import type { NotificationService } from '../core/notifications/notification-service';
import { parseEnvelope } from '../soap/envelope';
import { isOperation, soapPath, toCommand } from '../soap/fields';
import { guardXml } from '../soap/xml-guard';

const ROUTES = {
  SyntymaIlmoitus: { method: 'POST', path: () => '/v1/births', kind: 'birth' },
  KuolemaIlmoitus: { method: 'POST', path: () => '/v1/deaths', kind: 'death' },
  IlmoituksenTila: {
    method: 'GET',
    path: (id: string) => `/v1/notifications/${encodeURIComponent(id)}`,
    kind: undefined,
  },
} as const;

/**
 * POST /v1/migration/translate: a client developer sends a SOAP request
 * envelope (either SOAP interface) and gets the equivalent REST request —
 * method, path, headers, JSON body — or the field errors that would stop it,
 * named by SOAP element path. Nothing is registered.
 */
export function translateRoute(deps: {
  clients: ClientService;
  notifications: NotificationService;
  bodyLimitBytes: number;
}) {
  const router = Router();
  const xml = express.raw({ type: () => true, limit: deps.bodyLimitBytes });
  router.post('/migration/translate', xml, async (req: Request, res: Response) => {
    const request = parseEnvelope(guardXml(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)));
    const op = request.operation;
    if (!isOperation(op)) {
      throw new DomainError(
        'MALFORMED_REQUEST',
        'The SOAP Body must hold SyntymaIlmoitus, KuolemaIlmoitus or IlmoituksenTila.',
      );
    }
    const route = ROUTES[op];
    const { command, errors } = toCommand(op, request.body);
    // The sandbox rules of the client named in the envelope (or the caller) decide what is valid.
    const named = request.clientId ? await deps.clients.find(request.clientId) : undefined;
    const client = named ?? res.locals.identified.client;
    const found: FieldError[] = [...errors];
    if (route.kind) {
      try {
        deps.notifications.validate(client, route.kind, command);
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        for (const f of e.fieldErrors.length > 0
          ? e.fieldErrors
          : [{ field: '', code: e.code, message: e.message }]) {
          const field = soapPath(op, f.field);
          if (!found.some((x) => x.field === field)) found.push({ ...f, field });
        }
      }
    } else if (typeof (command as { notificationId?: unknown }).notificationId !== 'string') {
      found.push({ field: 'IlmoitusTunnus', code: 'REQUIRED', message: 'is required' });
    }
    if (found.length > 0) throw validationFailed(found);
    const clientId = request.clientId ?? client.id;
    res.json({
      method: route.method,
      path: route.path(String((command as { notificationId?: unknown }).notificationId)),
      headers: {
        'X-Road-Client': clientId.split('/').map(encodeURIComponent).join('/'),
        ...(route.kind ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(route.kind ? { body: command } : {}),
    });
  });
  return router;
}
