import type fc from 'fast-check';

/**
 * How much the property-based fuzz tests run: FUZZ_RUNS cases per property (a small number by default, so
 * that CI stays quick), from the fixed seed FUZZ_SEED unless one is given. Each property's seed is FUZZ_SEED
 * plus a hash of its name, so a property run alone (mocha -g) meets the same cases as in the whole file; a
 * failure says how to run it again.
 */
const positive = (raw: string | undefined, fallback: number): number => {
  const n = Number(raw);
  return raw !== undefined && raw !== '' && Number.isSafeInteger(n) && n > 0 ? n : fallback;
};

export const FUZZ_RUNS = positive(process.env.FUZZ_RUNS, 40);
export const FUZZ_SEED = Number.isSafeInteger(Number(process.env.FUZZ_SEED ?? 'x'))
  ? Number(process.env.FUZZ_SEED)
  : 20261123;
/** A long run (FUZZ_RUNS set) reports what each property met. */
export const FUZZ_REPORT = process.env.FUZZ_RUNS !== undefined;

/** The property's seed: FUZZ_SEED plus a hash (FNV-1a) of its name. */
export function propertySeed(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return (FUZZ_SEED + hash) | 0;
}

/** fast-check's parameters for the property `name`: its own seed, the run count scaled by `weight`. */
export function fuzzParameters<T>(name: string, weight = 1): fc.Parameters<T> {
  return {
    numRuns: Math.max(1, Math.round(FUZZ_RUNS * weight)),
    seed: propertySeed(name),
    endOnFailure: true,
  };
}

/** How to meet a failing property's cases again. */
export const replayHint = (file: string, name: string): string =>
  `run it again with: FUZZ_SEED=${FUZZ_SEED} FUZZ_RUNS=${FUZZ_RUNS} npx mocha ${file} -g '${name.replace(/'/g, "'\\''")}'`;

/** Counts of what a property's cases were answered with, for the long run's report. */
export class Tally {
  private readonly counts = new Map<string, number>();
  cases = 0;
  add(outcome: string): void {
    this.cases++;
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1);
  }
  toString(): string {
    return [...this.counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  }
}
