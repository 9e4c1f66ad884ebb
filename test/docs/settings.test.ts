import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS } from '../../src/config';

describe('README settings table', () => {
  it('lists every setting the config module reads, with its default', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const rows = readme.split('\n').filter((l) => l.startsWith('| `'));
    for (const [name, value] of Object.entries(DEFAULTS)) {
      const row = rows.find((r) => r.split('|')[1]?.includes(`\`${name}\``));
      assert.ok(row, `${name} is in the settings table`);
      const defaults = row.split('|')[2] ?? '';
      assert.ok(defaults.includes(`\`${value}\``), `${name}'s default ${value} is in its row: ${row}`);
    }
  });
});
