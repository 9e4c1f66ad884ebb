/**
 * The core's only source of "now". The composition root passes the system
 * clock (src/infra/system-clock.ts); tests pass a fixed one.
 */
export interface Clock {
  now(): Date;
}
