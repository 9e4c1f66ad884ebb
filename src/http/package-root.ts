import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The project's folder, where openapi/ and wsdl/ are: found from this file
 * upwards, so the same code finds them when run from src/ (tsx) and from the
 * bundles in dist/.
 */
export const PACKAGE_ROOT: string = (() => {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'openapi'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no project folder above ${__dirname}`);
  }
})();
