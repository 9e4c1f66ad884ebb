import assert from 'node:assert/strict';
import { SeriesView, SeriesViewSession } from '../../src/infra/pg/series-view';

const at = (number: number) => ({ signIndex: 0, number });

describe('the view of code series a registering transaction speculates on', () => {
  it('gives the position last set, and forgets what a failed transaction set', () => {
    const view = new SeriesView();
    new SeriesViewSession(view, true).set('d/permanent/0', at(2));
    const failing = new SeriesViewSession(view, true);
    failing.set('d/permanent/0', at(4));
    assert.deepEqual(view.speculate('d/permanent/0'), at(4));
    failing.failed(false);
    assert.equal(view.speculate('d/permanent/0'), undefined);
  });

  it('after a stale speculation, gives nothing for the next transactions touching that series', () => {
    const view = new SeriesView(3);
    const stale = new SeriesViewSession(view, true);
    stale.set('s', at(2));
    stale.failed(true);
    new SeriesViewSession(view, false).set('s', at(6));
    assert.deepEqual(
      [1, 2, 3, 4].map(() => view.speculate('s')),
      [undefined, undefined, undefined, at(6)],
    );
  });

  it('keeps a bounded number of series, the least recently set going first', () => {
    const view = new SeriesView();
    const session = new SeriesViewSession(view, true);
    for (let i = 0; i < 5000; i++) session.set(`s${i}`, at(i));
    assert.equal(view.size, 4096);
    assert.equal(view.speculate('s0'), undefined);
    assert.deepEqual(view.speculate('s4999'), at(4999));
  });
});
