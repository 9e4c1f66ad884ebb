import assert from 'node:assert/strict';
import { createLogger } from '../../src/infra/logger';

/** The pattern a log check uses: a personal identity code glued to anything, letters, digits or `_` included. */
const HETU_GLUED = /\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]/i;

describe('the logger masks personal identity codes wherever they stand', () => {
  it('in values, messages and keys, also glued to letters, digits or _', () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (l: string) => void lines.push(l) });
    logger.warn(
      {
        path: '/v1/notifications/FI170993-2443',
        userId: 'FI131052-308T',
        glued: 'x_131052-308Ty 9150590-302N0 abc010150-123Adef',
        lower: '131052-308t',
        nested: [{ '131052-308T': 'key' }],
      },
      'request for FI170993-2443 failed',
    );
    assert.equal(lines.length, 1);
    assert.doesNotMatch(lines[0] as string, HETU_GLUED, lines[0]);
    assert.match(lines[0] as string, /FI\[hetu\]/);
  });
});
