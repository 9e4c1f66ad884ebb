import CircuitBreaker from 'opossum';
import { isDomainError } from '../core/errors';
import type { RegisterGuard } from '../core/ports';

/**
 * The circuit breaker around register calls (opossum). The register's
 * business rejections are answers, not failures, so they never open it; when
 * it is open, calls fail at once and notifications are stored as pending.
 * No opossum timeout: a timed-out call would go on using its transaction.
 */
export function circuitBreakerGuard(): RegisterGuard & { breaker: CircuitBreaker } {
  const breaker = new CircuitBreaker((fn: () => Promise<unknown>) => fn(), {
    timeout: false,
    errorThresholdPercentage: 50,
    volumeThreshold: 5,
    resetTimeout: 10_000,
    errorFilter: (err: unknown) => isDomainError(err),
  });
  return {
    breaker,
    run: <T>(fn: () => Promise<T>) => breaker.fire(fn) as Promise<T>,
  };
}
