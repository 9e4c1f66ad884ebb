import assert from 'node:assert/strict';
import { type NdjsonLine, ndjsonLines } from '../../src/channels/batch/ndjson-lines';

async function lines(chunks: (string | Buffer)[], max = 16): Promise<NdjsonLine[]> {
  const out: NdjsonLine[] = [];
  async function* source() {
    yield* chunks;
  }
  for await (const l of ndjsonLines(source(), max)) out.push(l);
  return out;
}

/** Every way of cutting `text` into two chunks, and byte by byte. */
function cuts(text: Buffer): Buffer[][] {
  const ways = [[text], [...text].map((b) => Buffer.from([b]))];
  for (let i = 1; i < text.length; i++) ways.push([text.subarray(0, i), text.subarray(i)]);
  return ways;
}

describe('NDJSON lines, as a body streams in', () => {
  it('reads the same lines however the body is cut into chunks', async () => {
    const body = Buffer.concat([
      Buffer.from('{"a":1}\r\n\n  \nä€\n'),
      Buffer.from('x'.repeat(20)),
      Buffer.from('\n\u0000\n'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\nlast'),
    ]);
    const expected = [
      { line: 1, text: '{"a":1}' },
      { line: 4, text: 'ä€' },
      { line: 5, problem: 'too-long' },
      { line: 6, problem: 'nul' },
      { line: 7, problem: 'not-utf8' },
      { line: 8, text: 'last' },
    ];
    for (const chunks of cuts(body)) assert.deepEqual(await lines(chunks), expected);
  });

  it('takes a line of exactly the limit, and no trailing line after a final newline', async () => {
    assert.deepEqual(await lines(['1234567890123456\n'], 16), [{ line: 1, text: '1234567890123456' }]);
    assert.deepEqual(await lines(['12345678901234567\n'], 16), [{ line: 1, problem: 'too-long' }]);
    assert.deepEqual(await lines([]), []);
  });
});
