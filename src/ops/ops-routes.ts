import express, { type Request, type Response, Router } from 'express';
import { CHANNELS, type Client } from '../core/clients/client';
import type { ClientService } from '../core/clients/client-service';
import { validationFailed } from '../core/errors';
import type { Store } from '../core/ports';
import { loadPersons } from '../core/register/person-loading';
import { helsinkiEndOfDay, isCalendarDate } from '../core/time/helsinki';
import { requireJson } from '../http/require-json';
import {
  inlineValidator,
  openApiDocument,
  schemaValidator,
  structuralErrors,
} from '../rest/openapi-document';
import { bearerAuth } from './bearer-auth';

export interface OpsDeps {
  clients: ClientService;
  store: Store;
  opsToken: string;
  bodyLimitBytes: number;
}

const clientInput = schemaValidator('ClientInput');
const personsBody = inlineValidator(
  (
    openApiDocument.paths['/ops/register/persons'] as {
      post: { requestBody: { content: Record<string, { schema: object }> } };
    }
  ).post.requestBody.content['application/json']?.schema ?? {},
);

/** The operator API under /ops (contract §6). */
export function opsRoutes(deps: OpsDeps): Router {
  const router = Router();
  router.use(bearerAuth(deps.opsToken));
  const json = express.json({ limit: deps.bodyLimitBytes, strict: true, type: () => true });

  router.get('/clients', async (req: Request, res: Response) => {
    const overview = await deps.clients.overview(asOf(req.query.asOf));
    res.json({
      clients: overview.map((o) => ({
        ...clientView(deps.clients, o.client),
        migration: { ...o.status, cutoffs: o.cutoffs },
        usage: o.usage.map((u) => ({
          channel: u.channel,
          accepted30d: u.accepted,
          refused30d: u.refused,
          firstSeen: u.firstSeen.toISOString(),
          lastSeen: u.lastSeen.toISOString(),
        })),
      })),
    });
  });

  router.post('/clients', requireJson, json, async (req: Request, res: Response) => {
    const errors = structuralErrors(clientInput(req.body) ? [] : clientInput.errors);
    if (errors.length > 0) throw validationFailed(errors);
    const client = await deps.clients.create(req.body);
    res
      .status(201)
      .location(`/ops/clients/${encodeURIComponent(client.id)}`)
      .json(clientView(deps.clients, client));
  });

  router.get('/clients/:clientId', async (req: Request, res: Response) => {
    const client = await deps.clients.get(String(req.params.clientId));
    res.json(clientView(deps.clients, client));
  });

  router.post('/register/persons', requireJson, json, async (req: Request, res: Response) => {
    const errors = structuralErrors(personsBody(req.body) ? [] : personsBody.errors);
    if (errors.length > 0) throw validationFailed(errors);
    res.json(await loadPersons(deps.store, req.body));
  });
  return router;
}

/** `?asOf=YYYY-MM-DD`: the status at the end of that Helsinki day, for "who will be overdue then?". */
function asOf(raw: unknown): Date | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !isCalendarDate(raw)) {
    throw validationFailed([{ field: 'asOf', code: 'INVALID_DATE', message: 'must be a date YYYY-MM-DD' }]);
  }
  return helsinkiEndOfDay(raw);
}

function clientView(service: ClientService, c: Client) {
  const channels = Object.fromEntries(
    CHANNELS.map((ch) => {
      const d = service.decide(c, ch);
      return [
        ch,
        d.allowed
          ? { allowed: true, cutoff: d.sunset?.toISOString() ?? null, successor: d.successor }
          : { allowed: false, code: d.code, cutoff: d.cutoff?.toISOString() ?? null, successor: d.successor },
      ];
    }),
  );
  return {
    id: c.id,
    name: c.name,
    organisation: c.organisation,
    kind: c.kind,
    sandbox: c.sandbox,
    certificateFingerprints: c.certificateFingerprints,
    exceptions: c.exceptions.map((e) => ({
      ...e,
      grantedAt: e.grantedAt.toISOString(),
      revokedAt: e.revokedAt?.toISOString() ?? null,
    })),
    channels,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
