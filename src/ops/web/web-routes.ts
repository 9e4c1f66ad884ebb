import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { CHANNELS } from '../../core/clients/client';
import type { ClientAdmin } from '../../core/clients/client-admin';
import type { MigrationOverview } from '../../core/clients/migration-overview';
import { migrationSummary } from '../../core/clients/migration-summary';
import { ERROR_CATALOGUE, isDomainError, validationFailed } from '../../core/errors';
import { helsinkiDate } from '../../core/time/helsinki';
import { html } from '../../http/html';
import { PROBLEMS, problemDetail } from '../../http/problems';
import { STYLESHEET_HASH } from '../../http/stylesheet';
import { asOfDate, asOfInstant } from '../query';
import { clientPage } from './client-page';
import { dashboardPage, STATUS_FILTERS, type StatusFilter } from './dashboard-page';
import { layout } from './layout';
import { outboxPanel } from './outbox-page';

/** A browser asking for a page (it prefers text/html); API clients and curl get JSON. */
export function wantsHtml(req: Request): boolean {
  return req.accepts(['application/json', 'text/html']) === 'text/html';
}

/**
 * Security headers on every operator page: nothing but the page's own hashed
 * stylesheet may run or load (no scripts at all), no framing, no referrer, no
 * caching of what is operational data.
 */
const helmetHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      styleSrc: [STYLESHEET_HASH],
      imgSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
  },
  referrerPolicy: { policy: 'no-referrer' },
  // The gateway runs plain HTTP on loopback without TLS; HSTS is for the TLS deployment's proxy to set.
  strictTransportSecurity: false,
  xFrameOptions: { action: 'deny' },
});

export function pageHeaders(req: Request, res: Response, next: NextFunction): void {
  res.set('Cache-Control', 'no-store');
  res.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
  res.vary('Accept');
  helmetHeaders(req, res, next);
}

export function dashboardRoute(
  migration: MigrationOverview,
  outbox: () => Promise<Parameters<typeof outboxPanel>[0]>,
): RequestHandler {
  return async (req: Request, res: Response) => {
    const status = statusFilter(req.query.status);
    const asOf = asOfDate(req.query.asOf);
    const search =
      typeof req.query.q === 'string' && req.query.q.trim() !== '' ? req.query.q.trim() : undefined;
    const [overview, box] = await Promise.all([migration.all(asOfInstant(asOf)), outbox()]);
    res.type('html').send(
      dashboardPage({
        outbox: outboxPanel(box),
        operator: res.locals.operator,
        overview,
        summary: migrationSummary(overview, migration.cutoffSettings()),
        today: helsinkiDate(migration.now()),
        asOf,
        status,
        search,
      }),
    );
  };
}

export function clientPageRoute(deps: {
  clients: ClientAdmin;
  migration: MigrationOverview;
}): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (!wantsHtml(req)) {
      next();
      return;
    }
    const id = String(req.params.clientId);
    const asOf = asOfDate(req.query.asOf);
    const overview = await deps.migration.of(id, asOfInstant(asOf)); // CLIENT_NOT_FOUND
    const decisions = Object.fromEntries(
      CHANNELS.map((ch) => [ch, deps.migration.decide(overview.client, ch)]),
    );
    res.type('html').send(
      clientPage({
        operator: res.locals.operator,
        overview,
        decisions: decisions as Parameters<typeof clientPage>[0]['decisions'],
        trail: await deps.clients.trail(id),
        today: helsinkiDate(deps.migration.now()),
        asOf,
      }),
    );
  };
}

/** Coded errors on a page request become a page that says what was wrong, with the right status. */
export function pageErrors(err: unknown, req: Request, res: Response, next: NextFunction): void {
  if (!isDomainError(err) || !wantsHtml(req) || res.headersSent || err.code === 'INTERNAL') {
    next(err);
    return;
  }
  const body = html`<h1>${ERROR_CATALOGUE[err.code].title}</h1>
<section class="panel error" id="error"><p>${problemDetail(err)}</p>
${err.fieldErrors.length > 0 ? html`<ul>${err.fieldErrors.map((f) => html`<li><strong>${f.field}</strong>: ${f.message}</li>`)}</ul>` : ''}
<p><a href="/ops/">Back to all clients</a></p></section>`;
  res
    .status(PROBLEMS[err.code].status)
    .type('html')
    .send(layout({ title: ERROR_CATALOGUE[err.code].title, operator: res.locals.operator ?? '—', body }));
}

function statusFilter(raw: unknown): StatusFilter | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'string' && (STATUS_FILTERS as readonly string[]).includes(raw))
    return raw as StatusFilter;
  throw validationFailed([
    { field: 'status', code: 'INVALID_VALUE', message: `must be one of ${STATUS_FILTERS.join(', ')}` },
  ]);
}
