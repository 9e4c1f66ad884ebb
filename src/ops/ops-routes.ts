import express, { type Request, type Response, Router } from 'express';
import type { AuditTrail } from '../core/audit/audit-trail';
import type { ClientAdmin } from '../core/clients/client-admin';
import type { MigrationOverview } from '../core/clients/migration-overview';
import { migrationSummary } from '../core/clients/migration-summary';
import type { RateLimiter } from '../core/clients/rate-limit';
import { validationFailed } from '../core/errors';
import type { OutboxAdmin } from '../core/notifications/outbox-admin';
import type { Store } from '../core/ports';
import { loadPersons } from '../core/register/person-loading';
import { declaredLengthWithin } from '../http/body-errors';
import { requireJson } from '../http/require-json';
import { auditPage } from './audit-query';
import { bearerAuth } from './bearer-auth';
import { asOfInstant } from './query';
import { checkClientInput, checkPersonsBody } from './request-checks';
import { auditView, clientView, exceptionView, outboxEntryView, overviewView } from './views';
import { outboxPage } from './web/outbox-page';
import { clientPageRoute, dashboardRoute, pageErrors, pageHeaders, wantsHtml } from './web/web-routes';

export interface OpsDeps {
  clients: ClientAdmin;
  migration: MigrationOverview;
  store: Store;
  outbox: OutboxAdmin;
  /** The audit trail of notification requests. */
  audit: AuditTrail;
  /** Each operator's request budget, apart from the clients'. */
  opsLimiter: RateLimiter;
  /** Where the register is, and the state of the breaker in front of it. */
  register: { kind: 'embedded' | 'remote'; breakerState(): string };
  operators: readonly { name: string; token: string }[];
  bodyLimitBytes: number;
}

/** The register's state and how many notifications wait, as the dashboard shows them: counts only. */
async function outboxSummary(deps: Pick<OpsDeps, 'outbox' | 'register'>) {
  return {
    register: { kind: deps.register.kind, breaker: deps.register.breakerState() },
    counts: await deps.outbox.counts(),
  };
}

/** … and the oldest of each kind, as /ops/outbox shows them. */
async function outboxOverview(deps: Pick<OpsDeps, 'outbox' | 'register'>) {
  const [summary, attention, pending] = await Promise.all([
    outboxSummary(deps),
    deps.outbox.list(true),
    deps.outbox.list(false),
  ]);
  return {
    ...summary,
    needsAttention: attention.map(outboxEntryView),
    pending: pending.map(outboxEntryView),
  };
}

/** The operator API under /ops (contract §6). */
export function opsRoutes(deps: OpsDeps): Router {
  const router = Router();
  // The operator pages (a browser asking for text/html) get their security headers even on a 401.
  router.use((req, res, next) => (req.path === '/' || wantsHtml(req) ? pageHeaders(req, res, next) : next()));
  router.use(bearerAuth(deps.operators));
  router.use((_req, res, next) => {
    deps.opsLimiter.take(`operator:${res.locals.operator}`);
    next();
  });
  router.get(
    '/',
    dashboardRoute(deps.migration, () => outboxSummary(deps)),
  );
  router.get('/clients/:clientId', clientPageRoute(deps));
  const json = [
    declaredLengthWithin(deps.bodyLimitBytes),
    express.json({ limit: deps.bodyLimitBytes, strict: true, type: () => true }),
  ];

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

  router.get('/outbox', async (req: Request, res: Response) => {
    const view = await outboxOverview(deps);
    if (wantsHtml(req)) res.type('html').send(outboxPage({ operator: res.locals.operator, ...view }));
    else res.json(view);
  });

  // After an outage: every notification needing attention (?clientId=: of one client) due at once.
  router.post('/outbox/retry', async (req: Request, res: Response) => {
    const clientId = req.query.clientId;
    if (clientId !== undefined && (typeof clientId !== 'string' || clientId === '')) {
      throw validationFailed([
        { field: 'clientId', code: 'INVALID_VALUE', message: 'must be one client identifier' },
      ]);
    }
    res.json({ retried: await deps.outbox.retryAll(clientId, res.locals.operator) });
  });

  for (const action of ['retry', 'withdraw'] as const) {
    router.post(`/outbox/:clientId/:notificationId/${action}`, async (req: Request, res: Response) => {
      const key = {
        clientId: String(req.params.clientId),
        notificationId: String(req.params.notificationId),
      };
      const n = await deps.outbox[action](key, res.locals.operator);
      res.json(outboxEntryView(n));
    });
  }

  router.get('/audit', async (req: Request, res: Response) => {
    res.json(await auditPage(deps.audit, req.query));
  });

  router.post('/register/persons', requireJson, json, async (req: Request, res: Response) => {
    checkPersonsBody(req.body);
    res.json(await loadPersons(deps.store, req.body));
  });
  router.use(pageErrors);
  return router;
}
