import CircuitBreaker from 'opossum';
import { isDomainError } from '../core/errors';
import type { RegisterGuard } from '../core/ports';
import { RegisterRefusedRequest } from './remote-register';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  /** Past this, a call counts as failed and its caller goes on (the HTTP call is aborted by then too). */
  timeoutMs: number | false;
  volumeThreshold: number;
  errorThresholdPercentage: number;
  resetTimeoutMs: number;
}

/** For the embedded register: its calls run in the gateway's own transaction, which must not be left running. */
export const EMBEDDED_BREAKER: BreakerSettings = {
  timeoutMs: false,
  volumeThreshold: 5,
  errorThresholdPercentage: 50,
  resetTimeoutMs: 10_000,
};

/**
 * The circuit breaker around register calls (opossum). The register's
 * business refusals are answers, not failures, and a request it refused as
 * malformed says nothing of its health: neither opens the circuit. While it
 * is open, calls fail at once (no call waits for a register known to be
 * down) and notifications stay pending; after `resetTimeoutMs` one call goes
 * through (half-open), and its outcome closes or reopens the circuit.
 */
export function circuitBreakerGuard(
  settings: BreakerSettings = EMBEDDED_BREAKER,
  /** Failures that are not the register's: the embedded register runs in the gateway's own database. */
  notTheRegisters: (err: unknown) => boolean = () => false,
): RegisterGuard & { breaker: CircuitBreaker; state(): BreakerState } {
  const breaker = new CircuitBreaker((fn: () => Promise<unknown>) => fn(), {
    timeout: settings.timeoutMs,
    errorThresholdPercentage: settings.errorThresholdPercentage,
    volumeThreshold: settings.volumeThreshold,
    resetTimeout: settings.resetTimeoutMs,
    errorFilter: (err: unknown) =>
      isDomainError(err) || err instanceof RegisterRefusedRequest || notTheRegisters(err),
  });
  return {
    breaker,
    run: <T>(fn: () => Promise<T>) => breaker.fire(fn) as Promise<T>,
    state: () => (breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed'),
  };
}
