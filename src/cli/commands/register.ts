import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadPersons } from '../../core/register/person-loading';
import { checkPersonsBody } from '../../ops/request-checks';
import { CliInputError } from '../errors';
import { globals } from '../options';
import { withGateway } from '../session';
import { serveReferenceRegister } from './register-serve';

export function registerCommand(program: Command): Command {
  const register = program.command('register').description('the embedded population register (test data)');

  register
    .command('load')
    .description(
      'load persons, as POST /ops/register/persons: a JSON array of {"personalIdentityCode", "deathDate"?}; all or none',
    )
    .argument('<file>', 'the JSON file, or - for standard input')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      const body = parseJson(await readInput(file), file);
      checkPersonsBody(body);
      await withGateway(async (gw) => {
        const counts = await loadPersons(gw.store, body);
        if (g.out.json) return g.out.printJson(counts);
        const total = counts.created + counts.updated;
        g.out.print(
          `Loaded ${total} ${total === 1 ? 'person' : 'persons'}: ${counts.created} new, ${counts.updated} updated.`,
        );
      });
    });

  register
    .command('serve')
    .description(
      'run the reference register service (openapi/register.yaml) over its own database (DATABASE_URL, else DATA_DIR); a gateway uses it with REGISTER_URL',
    )
    .option('--port <port>', 'the port to listen on (0: any free one)', '8090')
    .option('--host <host>', 'the address to listen on', '127.0.0.1')
    .action(async (opts: { port: string; host: string }) => serveReferenceRegister(opts));

  return register;
}

async function readInput(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliInputError(
      `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')}`,
    );
  }
}

/**
 * The parser's own message quotes the text around the error — perhaps an
 * identity code — so only the line and column are told.
 */
function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const at = /position (\d+)/.exec(String((err as Error).message));
    const where = at ? ` at ${lineAndColumn(text, Number(at[1]))}` : '';
    throw new CliInputError(`${file === '-' ? 'standard input' : file} is not valid JSON${where}`);
  }
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}
