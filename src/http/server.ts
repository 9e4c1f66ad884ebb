import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Request } from 'express';
import type { TlsConfig } from '../config';

/**
 * Plain HTTP (loopback only, enforced by the config) or HTTPS that demands a
 * client certificate chaining to the configured CA.
 */
export function createServer(app: http.RequestListener, tls: TlsConfig | undefined): http.Server {
  if (!tls) return http.createServer(app);
  return https.createServer(
    {
      cert: readFileSync(tls.certFile),
      key: readFileSync(tls.keyFile),
      ca: readFileSync(tls.caFile),
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
    app,
  );
}

/** SHA-256 fingerprint (lower-case hex) of the TLS client certificate, if the connection has one. */
export function peerFingerprint(req: Request): string | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  const fp = cert?.fingerprint256;
  return fp ? fp.replace(/:/g, '').toLowerCase() : undefined;
}
