import type { ServerResponse } from 'node:http';

/**
 * The headers of every answer: no content sniffing; none kept by a cache
 * (they carry personal data, codes among them); and while the process shuts
 * down, no connection kept.
 */
export function everyAnswer(res: ServerResponse, lifecycle: { draining: boolean }): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  if (lifecycle.draining) res.setHeader('Connection', 'close');
}
