import type { Command } from 'commander';
import { type GlobalOptions, type Output, operatorName, outputFor } from './session';

/** For repeatable options: `--fingerprint a --fingerprint b`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The program-wide options as one command sees them: its output and the operator the audit log names. */
export function globals(cmd: Command): { out: Output; operator: string } {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const operator = operatorName(opts);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (!/^\S[^\u0000-\u001f\u007f]{0,99}$/.test(operator)) {
    cmd.error('error: --operator must be a name of 1 to 100 characters, not starting with a space');
  }
  return { out: outputFor(opts), operator };
}

/** The command-line option behind each field a core error can name. */
export const OPTION_NAMES: Readonly<Record<string, string>> = {
  id: '<id>',
  name: '--name',
  organisation: '--organisation',
  kind: '--kind',
  sandbox: '--sandbox',
  certificateFingerprints: '--fingerprint',
  channel: '--channel',
  until: '--until',
  reason: '--reason',
  asOf: '--as-of',
  client: '--client',
  from: '--from',
  to: '--to',
  outcome: '--outcome',
  notificationId: '--notification',
  operation: '--operation',
  person: '--person',
  userId: '--user',
  limit: '--limit',
  cursor: '--cursor',
};
