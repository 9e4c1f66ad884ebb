import assert from 'node:assert/strict';
import type { Harness } from '../../helpers/harness';
import { OPS_TOKEN } from '../../helpers/harness';
import { MARKUP_NAME, SCENARIO, startScenario } from '../../helpers/ops-scenario';

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('operator web page: served HTML', () => {
  let h: Harness;
  before(async () => {
    h = await startScenario();
  });
  const page = (path: string) => h.ops('get', path).set('Accept', HTML);
  /** The rows of the client table, as [client id, status] pairs. */
  const rows = (text: string) =>
    [...text.matchAll(/<tr class="status-[a-z-]+" data-client="([^"]+)" data-status="([^"]+)"/g)].map((m) => [
      m[1],
      m[2],
    ]);

  it('refuses a request without credentials with a 401 page that invites a browser login', async () => {
    const res = await h.http.get('/ops/').set('Accept', HTML).expect(401);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(String(res.headers['www-authenticate']), /Basic realm="vtj-gateway-ops"/);
    assert.match(res.text, /<h1>Operator credentials are missing or invalid<\/h1>/);
    assert.doesNotMatch(res.text, /data-client=/);
    await h.http.get('/ops/').auth('someone', 'not-the-token-at-all').expect(401);
  });

  it('accepts the token as bearer or as the Basic password, and names the operator', async () => {
    const bearer = await page('/ops/').expect(200);
    assert.match(bearer.text, /Operator: <strong>operator<\/strong>/);
    const basic = await h.http.get('/ops/').auth('any-user-name', OPS_TOKEN).expect(200);
    assert.equal(basic.text, bearer.text);
  });

  it('sends security headers: no script may run, no framing, no caching, no referrer', async () => {
    const res = await page('/ops/').expect(200);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /style-src 'sha256-[A-Za-z0-9+/=]+'/);
    assert.doesNotMatch(csp, /script-src|unsafe-inline/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.doesNotMatch(res.text, /<script/i);
  });

  it('summarises counts per status and lists every client, most pressing first', async () => {
    const res = await page('/ops/').expect(200);
    const tile = (status: string) =>
      Number(new RegExp(`data-status="${status}">\\s*<span class="n">(\\d+)</span>`).exec(res.text)?.[1]);
    assert.deepEqual(['all', 'overdue', 'fix-by', 'ok'].map(tile), [5, 1, 2, 2]);
    assert.match(res.text, /1 urgent, 1 warning/);
    assert.deepEqual(rows(res.text), [
      [SCENARIO.late, 'overdue'],
      [SCENARIO.existing, 'fix-by'],
      [SCENARIO.extended, 'fix-by'],
      [SCENARIO.sandbox, 'ok'],
      [SCENARIO.rest, 'ok'],
    ]);
    // Days to the cut-off, the last SOAP call and open exceptions are in the row.
    assert.match(res.text, /2026-12-15<\/span><span class="reason">22 days left/);
    assert.match(res.text, /until 2027-05-31/);
    assert.match(res.text, /legacy-soap, today/);
    assert.match(res.text, /<td><span class="muted">never<\/span><\/td>/);
  });

  it('escapes what operators typed: a client name that is markup shows as text', async () => {
    const res = await page('/ops/').expect(200);
    assert.ok(!res.text.includes(MARKUP_NAME));
    assert.ok(res.text.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Testi'));
  });

  it('filters by status and by a search text, and keeps the filter in the form', async () => {
    const overdue = await page('/ops/?status=overdue').expect(200);
    assert.deepEqual(rows(overdue.text), [[SCENARIO.late, 'overdue']]);
    assert.match(overdue.text, /<option value="overdue" selected>/);
    const search = await page('/ops/?q=ensihoito').expect(200);
    assert.deepEqual(rows(search.text), [[SCENARIO.extended, 'fix-by']]);
    const none = await page('/ops/?status=ok&q=ensihoito').expect(200);
    assert.match(none.text, /No clients match these filters/);
  });

  it('shows a what-if date: after the SOAP v2 cut-off the urgent client is overdue', async () => {
    const res = await page('/ops/?asOf=2026-12-16').expect(200);
    assert.match(res.text, /What-if for <strong>2026-12-16<\/strong>/);
    const overdue = rows(res.text).filter(([, s]) => s === 'overdue');
    assert.deepEqual(overdue.map(([id]) => id).sort(), [SCENARIO.existing, SCENARIO.late].sort());
  });

  it('answers a bad filter with a 400 page that names the field', async () => {
    const res = await page('/ops/?status=late').expect(400);
    assert.match(res.text, /<strong>status<\/strong>: must be one of ok, fix-by, overdue/);
    const date = await page('/ops/?asOf=2026-02-30').expect(400);
    assert.match(date.text, /<strong>asOf<\/strong>: must be a date/);
  });

  it('shows a client page with usage by channel, exceptions and the audit trail', async () => {
    const res = await page(`/ops/clients/${encodeURIComponent(SCENARIO.extended)}`).expect(200);
    assert.match(res.text, /<h1>Ensihoito<\/h1>/);
    assert.match(res.text, /Fix by 2027-05-31 · warning/);
    const usage = /<tr data-channel="soap-v2">([\s\S]*?)<\/tr>/.exec(res.text)?.[1] ?? '';
    assert.match(usage, /<td class="num">1<\/td>\s*<td class="num">0<\/td>/);
    assert.match(res.text, /Vendor release in May/);
    const audit = /<table id="audit"[\s\S]*?<\/table>/.exec(res.text)?.[0] ?? '';
    assert.match(audit, /exception\.grant/);
    assert.match(audit, /client\.create/);
    assert.match(audit, /<td>operator<\/td>/);
  });

  it('still answers JSON on the same client URL for API clients', async () => {
    const res = await h.ops('get', `/ops/clients/${encodeURIComponent(SCENARIO.extended)}`).expect(200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.body.id, SCENARIO.extended);
    assert.equal(res.body.lastSoapCall.channel, 'soap-v2');
  });

  it('answers an unknown client with a 404 page', async () => {
    const res = await page(`/ops/clients/${encodeURIComponent('FI/GOV/0000000-0/none')}`).expect(404);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.text, /No client with this identifier is registered/);
  });
});
