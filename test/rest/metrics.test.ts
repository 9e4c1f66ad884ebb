import assert from 'node:assert/strict';
import { birth } from '../helpers/builders';
import { asClient, type Harness, PERSONS, seedStandard, startHarness } from '../helpers/harness';

describe('GET /metrics', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await seedStandard(h);
  });

  it('counts notifications by channel, kind and outcome, and never shows a personal identity code', async () => {
    await asClient(h).births(birth()).expect(201);
    await asClient(h).births(birth()).expect(201);
    await asClient(h)
      .births(birth({ mother: { personalIdentityCode: '131052-308U' } }, 'bad'))
      .expect(400);
    const res = await h.http.get('/metrics').expect(200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    const line = (outcome: string) =>
      new RegExp(
        `^vtj_notifications_total\\{channel="rest",kind="birth",outcome="${outcome}"\\} (\\d+)$`,
        'm',
      );
    assert.equal(line('registered').exec(res.text)?.[1], '1');
    assert.equal(line('replayed').exec(res.text)?.[1], '1');
    assert.equal(line('refused').exec(res.text)?.[1], '1');
    assert.match(
      res.text,
      /vtj_http_request_duration_seconds_count\{method="POST",route="\/v1\/births",status="201"\} 2/,
    );
    for (const code of Object.values(PERSONS)) assert.ok(!res.text.includes(code));
    assert.doesNotMatch(res.text, /\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]/);
  });
});
