import type { BenchResults } from './report';

/** The prose under the table; placeholder until the numbers are in. */
export function interpretation(_r: BenchResults): string {
  return '';
}
