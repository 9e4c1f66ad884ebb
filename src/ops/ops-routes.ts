import express, { type Request, type Response, Router } from 'express';
import type { ClientAdmin } from '../core/clients/client-admin';
import type { MigrationOverview } from '../core/clients/migration-overview';
import { migrationSummary } from '../core/clients/migration-summary';
import type { Store } from '../core/ports';
import { loadPersons } from '../core/register/person-loading';
import { requireJson } from '../http/require-json';
import { bearerAuth } from './bearer-auth';
import { asOfInstant } from './query';
import { checkClientInput, checkPersonsBody } from './request-checks';
import { auditView, clientView, exceptionView, overviewView } from './views';
import { clientPageRoute, dashboardRoute, pageErrors, pageHeaders, wantsHtml } from './web/web-routes';

export interface OpsDeps {
  clients: ClientAdmin;
  migration: MigrationOverview;
  store: Store;
  operators: readonly { name: string; token: string }[];
  bodyLimitBytes: number;
}

/** The operator API under /ops (contract §6). */
export function opsRoutes(deps: OpsDeps): Router {
  const router = Router();
  // The operator pages (a browser asking for text/html) get their security headers even on a 401.
  router.use((req, res, next) => (req.path === '/' || wantsHtml(req) ? pageHeaders(req, res, next) : next()));
  router.use(bearerAuth(deps.operators));
  router.get('/', dashboardRoute(deps.migration));
  router.get('/clients/:clientId', clientPageRoute(deps));
  const json = express.json({ limit: deps.bodyLimitBytes, strict: true, type: () => true });

  router.get('/clients', async (req: Request, res: Response) => {
    const overview = await deps.migration.all(asOfInstant(req.query.asOf));
    res.json({ clients: overview.map((o) => overviewView(deps.migration, o)) });
  });

  router.post('/clients', requireJson, json, async (req: Request, res: Response) => {
    checkClientInput(req.body);
    const client = await deps.clients.create(req.body, res.locals.operator);
    res
      .status(201)
      .location(`/ops/clients/${encodeURIComponent(client.id)}`)
      .json(clientView(deps.migration, client));
  });

  router.get('/clients/:clientId', async (req: Request, res: Response) => {
    const id = String(req.params.clientId);
    const o = await deps.migration.of(id, asOfInstant(req.query.asOf)); // CLIENT_NOT_FOUND
    const trail = await deps.clients.trail(id);
    res.json({ ...overviewView(deps.migration, o), audit: trail.map(auditView) });
  });

  router.patch('/clients/:clientId', requireJson, json, async (req: Request, res: Response) => {
    const client = await deps.clients.update(String(req.params.clientId), req.body, res.locals.operator);
    res.json(clientView(deps.migration, client));
  });

  router.post('/clients/:clientId/exceptions', requireJson, json, async (req: Request, res: Response) => {
    const ex = await deps.clients.grantException(String(req.params.clientId), req.body, res.locals.operator);
    res.status(201).json(exceptionView(ex));
  });

  router.delete('/clients/:clientId/exceptions/:exceptionId', async (req: Request, res: Response) => {
    const ex = await deps.clients.revokeException(
      String(req.params.clientId),
      String(req.params.exceptionId),
      res.locals.operator,
    );
    res.json(exceptionView(ex));
  });

  router.get('/migration', async (req: Request, res: Response) => {
    res.json(
      migrationSummary(
        await deps.migration.all(asOfInstant(req.query.asOf)),
        deps.migration.cutoffSettings(),
      ),
    );
  });

  router.post('/register/persons', requireJson, json, async (req: Request, res: Response) => {
    checkPersonsBody(req.body);
    res.json(await loadPersons(deps.store, req.body));
  });
  router.use(pageErrors);
  return router;
}
