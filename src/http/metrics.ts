import type { NextFunction, Request, Response } from 'express';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Channel } from '../core/clients/client';
import type { StoredNotification } from '../core/notifications/notification';

/**
 * Prometheus metrics (prom-client). Labels are closed sets — channel, kind,
 * outcome, route template, status — so no personal identity code, client
 * input or notification id can ever end up in a metric.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vtj_' });
  const notifications = new Counter({
    name: 'vtj_notifications_total',
    help: 'Notifications answered, by channel, kind and outcome (registered, pending, rejected, replayed, refused).',
    labelNames: ['channel', 'kind', 'outcome'] as const,
    registers: [registry],
  });
  const requests = new Histogram({
    name: 'vtj_http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  return {
    registry,
    notification(channel: Channel, kind: string, result: { record: StoredNotification; replayed: boolean }) {
      notifications.inc({ channel, kind, outcome: result.replayed ? 'replayed' : result.record.status });
    },
    refused(channel: Channel, kind: string) {
      notifications.inc({ channel, kind, outcome: 'refused' });
    },
    /** Times a request answered before express's routes (the REST fast lane), under its route template. */
    timer(method: string): (route: string, status: number) => void {
      const end = requests.startTimer();
      return (route, status) => end({ method, route, status: String(status) });
    },
    /** Express middleware timing every request; the route is the matched template, never the raw path. */
    timing(req: Request, res: Response, next: NextFunction) {
      const end = requests.startTimer();
      res.on('finish', () => {
        const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
        end({ method: req.method, route, status: String(res.statusCode) });
      });
      next();
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
