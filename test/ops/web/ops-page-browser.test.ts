import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { type Harness, OPS_TOKEN } from '../../helpers/harness';
import { listen } from '../../helpers/listen';
import { SCENARIO, startScenario } from '../../helpers/ops-scenario';

/** Where the screenshots go: kept after the run for a human to look at (ignored by git). */
const ARTIFACTS = path.resolve(__dirname, '../../../test-artifacts');

/** Debian's Chromium, as the machine probe starts it: headless, no sandbox (root), no background traffic. */
function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

describe('operator web page in headless Chromium, without JavaScript', function () {
  this.timeout(60_000);
  let h: Harness;
  let server: { url: string; close: () => Promise<void> };
  let browser: Browser;
  before(async () => {
    h = await startScenario();
    server = await listen(h.gateway.app);
    browser = await launch();
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  /** An operator's browser: logs in through the Basic prompt with the token as password; scripts off. */
  const operatorPage = async () => {
    const context = await browser.newContext({
      javaScriptEnabled: false,
      httpCredentials: { username: 'operator', password: OPS_TOKEN },
      viewport: { width: 1400, height: 1000 },
    });
    return context.newPage();
  };

  it('shows the 401 page to a browser whose operator typed a wrong token', async () => {
    // (Headless Chromium cannot show the login prompt that an operator without credentials gets.)
    const context = await browser.newContext({
      javaScriptEnabled: false,
      httpCredentials: { username: 'operator', password: 'not-the-operator-token' },
    });
    const page = await context.newPage();
    const res = await page.goto(`${server.url}/ops/`);
    assert.equal(res?.status(), 401);
    assert.equal(await page.locator('h1').textContent(), 'Operator credentials are missing or invalid');
    assert.equal(await page.locator('#clients').count(), 0);
    await context.close();
  });

  it('shows the summary, filters by status through the form, and opens a client page', async () => {
    const page = await operatorPage();
    const res = await page.goto(`${server.url}/ops/`);
    assert.equal(res?.status(), 200);
    const count = (status: string) => page.locator(`#summary [data-status="${status}"] .n`).textContent();
    assert.deepEqual(await Promise.all(['all', 'overdue', 'fix-by', 'ok'].map(count)), ['5', '1', '2', '2']);
    // Colour-coded: the overdue badge is drawn in the Suomi.fi alert colour, hsl(3, 59%, 43%).
    const overdueBadge = page.locator(`tr[data-client="${SCENARIO.late}"] .badge.overdue`);
    assert.equal(
      await overdueBadge.evaluate((el) => getComputedStyle(el).backgroundColor),
      'rgb(174, 51, 45)',
    );
    assert.equal(await page.locator('tbody tr').count(), 5);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ops-dashboard.png'), fullPage: true });

    // The filter is an ordinary GET form: it works with scripts off.
    await page.selectOption('select[name="status"]', 'fix-by');
    await Promise.all([page.waitForURL(/status=fix-by/), page.click('button[type="submit"]')]);
    const ids = await page
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-client')));
    assert.deepEqual(ids, [SCENARIO.existing, SCENARIO.extended]);
    assert.equal(await page.locator('select[name="status"]').inputValue(), 'fix-by');

    await Promise.all([page.waitForURL(/\/ops\/clients\//), page.click('a:text("Ensihoito")')]);
    assert.equal(await page.locator('h1').textContent(), 'Ensihoito');
    const soapV2 = page.locator('#usage tr[data-channel="soap-v2"] td.num');
    assert.deepEqual(await soapV2.allTextContents(), ['1', '0']);
    assert.match((await page.locator('#audit').textContent()) ?? '', /exception\.grant[\s\S]*client\.create/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ops-client.png'), fullPage: true });
    await page.context().close();
  });
});
