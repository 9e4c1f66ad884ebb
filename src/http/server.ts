import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { HttpLimits, TlsConfig } from '../config';

/**
 * Plain HTTP (loopback only, enforced by the config) or HTTPS that demands a
 * client certificate chaining to the configured CA.
 */
export function createServer(
  app: http.RequestListener,
  tls: TlsConfig | undefined,
  limits?: HttpLimits,
): http.Server {
  // Node checks the request and header timeouts this often (by default every 30 s): a bound is kept to
  // within a second of what it says.
  const timing = limits
    ? { connectionsCheckingInterval: 500, requestTimeout: limits.requestMs, headersTimeout: limits.headersMs }
    : {};
  const server = tls
    ? https.createServer(
        {
          ...timing,
          cert: readFileSync(tls.certFile),
          key: readFileSync(tls.keyFile),
          ca: readFileSync(tls.caFile),
          requestCert: true,
          rejectUnauthorized: true,
          minVersion: 'TLSv1.2',
        },
        app,
      )
    : http.createServer(timing, app);
  if (limits) {
    // A slow client holds a connection no longer than these: headers, the whole request, idle between requests.
    server.keepAliveTimeout = limits.keepAliveMs;
    server.maxConnections = limits.maxConnections;
  }
  return server;
}

/** SHA-256 fingerprint (lower-case hex) of the TLS client certificate, if the connection has one. */
export function peerFingerprint(req: IncomingMessage): string | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  const fp = cert?.fingerprint256;
  return fp ? fp.replace(/:/g, '').toLowerCase() : undefined;
}
