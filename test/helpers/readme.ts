import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The README's examples, exactly as printed, marked with `<!-- example: name -->`. */
export function readmeExamples(): Map<string, string> {
  const text = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const out = new Map<string, string>();
  for (const m of text.matchAll(/<!-- example: ([\w-]+) -->\n```sh\n([\s\S]*?)```/g)) {
    out.set(m[1] as string, m[2] as string);
  }
  return out;
}
