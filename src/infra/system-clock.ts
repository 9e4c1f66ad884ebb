import type { Clock } from '../core/time/clock';

export const systemClock: Clock = { now: () => new Date() };
