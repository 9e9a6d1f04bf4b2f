// Drives the sbomcat console in Debian's Chromium with playwright-core, as a person would:
// signs in, reads every view, pages, filters, goes back and forward, watches live updates,
// validates files (chosen and dropped) and checks that hostile file names stay text.
//
// Run by console/console_test.go (TestBrowser), which starts sbomd, makes the data with the AWS SDK for Go
// and passes a JSON configuration as the only argument. The script prints "STEP ..." lines,
// asks the test for what only it can do with "ASK <action>" (answered "ok" on stdin), and
// prints "PASS" at the end; any failed check exits non-zero with the reason.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

const cfg = JSON.parse(process.argv[2]);
const { chromium } = require(cfg.playwright);

const HOSTILE = '<img src=x onerror=alert(1)>.json';
const C = cfg.base + '/console/';
const rl = readline.createInterface({ input: process.stdin });
const replies = rl[Symbol.asyncIterator]();

async function ask(action) {
  console.log('ASK ' + action);
  const r = await replies.next();
  if (r.done || r.value !== 'ok') throw new Error('the test did not ' + action);
}
const step = (s) => console.log('STEP ' + s);
const shot = (page, name) => page.screenshot({ path: path.join(cfg.screenshots, 'console-' + name + '.png') });

// rows returns the text of every cell of a table's body rows, keyed by the header's titles.
async function rows(page, table) {
  return page.$$eval(table, (ts) => {
    const t = ts[0];
    if (!t) return [];
    const head = [...t.querySelectorAll('thead th')].map((th) => th.textContent.trim());
    return [...t.querySelectorAll('tbody tr')].map((tr) => {
      const o = {};
      [...tr.children].forEach((td, i) => { o[head[i]] = td.textContent.trim(); });
      return o;
    });
  });
}

// Waits are generous (15 s) because a shared CI machine is slow; the live-update check after a
// new association keeps the 10 s.
const rowCount = (page, table, n, timeout = 15000) =>
  page.waitForFunction(([t, n]) => document.querySelectorAll(t + ' tbody tr').length === n, [table, n], { timeout });

const textIs = (page, sel, want, timeout = 15000) =>
  page.waitForFunction(([s, w]) => { const e = document.querySelector(s); return e && e.textContent.trim() === w; }, [sel, want], { timeout })
    .catch(async (e) => { throw new Error(`${sel}: want ${JSON.stringify(want)}, have ${JSON.stringify(await page.textContent(sel).catch(() => null))}: ${e.message}`); });

const textHas = (page, sel, want, timeout = 15000) =>
  page.waitForFunction(([s, w]) => { const e = document.querySelector(s); return e && e.textContent.includes(w); }, [sel, want], { timeout })
    .catch(async (e) => { throw new Error(`${sel}: want it to hold ${JSON.stringify(want)}, have ${JSON.stringify(await page.textContent(sel).catch(() => null))}: ${e.message}`); });

// hasValidateLink also checks that nothing absent was printed as text.
async function hasValidateLink(page) {
  assert.doesNotMatch(await page.textContent('main'), /\bnull\b|\bundefined\b|NaN|\[object /, 'stray text on ' + page.url());
  assert.equal(await page.locator('header nav a', { hasText: 'Validate' }).count(), 1, 'a Validate link on ' + page.url());
}

async function run(browser) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 820 } });
  const page = await ctx.newPage();
  const dialogs = [], pageErrors = [], outside = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  ctx.on('request', (r) => { if (!r.url().startsWith(cfg.base) && !r.url().startsWith('data:')) outside.push(r.url()); });

  step('sign-in: refused without a token, or with a wrong one');
  let res = await page.goto(C + '#/package/gateway-fw');
  assert.equal(res.status(), 401);
  const refused = await page.textContent('body');
  assert.match(refused, /Not signed in/);
  assert.doesNotMatch(refused, /gateway-fw/);
  assert.equal((await page.request.get(C + 'api/packages')).status(), 401);
  assert.equal((await page.request.get(C + 'app.js')).status(), 401);
  res = await page.goto(C + '?token=not-the-token');
  assert.equal(res.status(), 403);

  step('sign-in: the token sets an HttpOnly, SameSite=Strict cookie and leaves the address bar');
  res = await page.goto(C + '?token=' + encodeURIComponent(cfg.token) + '#/');
  assert.equal(res.status(), 200);
  assert.equal(page.url(), C + '#/');
  const cookie = (await ctx.cookies()).find((c) => c.name === 'sbomcat_console');
  assert.ok(cookie && cookie.httpOnly, 'HttpOnly session cookie');
  assert.equal(cookie.sameSite, 'Strict');
  assert.equal(await page.evaluate(() => document.cookie), '', 'the page script cannot read the session');
  assert.match(res.headers()['content-security-policy'], /default-src 'self'/);

  // From here on the browser must log no error: a CSP violation, a failed request or a script
  // error would show up here.
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });

  step('packages: 121 packages, paged by 100');
  await rowCount(page, '#packages', 100);
  await textIs(page, '#package-count', '121 packages');
  let list = await rows(page, '#packages');
  assert.deepEqual(list[0], { Name: 'gateway-fw', Description: 'Gateway firmware for the field fleet', 'Default version': '1.1.0', Versions: '4', 'Last change': list[0]['Last change'] });
  assert.match(list[0]['Last change'], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  await hasValidateLink(page);
  await shot(page, 'packages');
  await page.click('a[rel=next]');
  await rowCount(page, '#packages', 21);
  assert.match(page.url(), /page=2/);
  assert.equal((await rows(page, '#packages'))[0].Name, 'module-099');
  await page.goBack();
  await rowCount(page, '#packages', 100);
  await page.goForward();
  await rowCount(page, '#packages', 21);

  step('packages: the filter box');
  await page.fill('#filter', 'GATEWAY');
  await rowCount(page, '#packages', 1);
  await textIs(page, '#package-count', '1 package matches “GATEWAY”');
  assert.match(page.url(), /q=gateway/i);
  await page.fill('#filter', 'module-11');
  await rowCount(page, '#packages', 10);

  step('package: versions, lifecycle, SBOM location, statuses as text, counts, chart');
  await page.goto(C + '#/');
  await rowCount(page, '#packages', 100);
  await page.click('#packages >> text=gateway-fw');
  await rowCount(page, '#versions', 4);
  const versions = await rows(page, '#versions');
  const pick = (r) => [r.Version, r.Lifecycle, r['SBOM location'].replace(/version .*/, ''), r.Validation.replace(/^\W+/, ''), r['Succeeded files'], r['Failed files']];
  assert.deepEqual(versions.map(pick), [
    ['1.0.0', 'PUBLISHED', 's3://sboms/gateway-fw/1.0.0/sboms.zip', 'FAILED', '2', '1'],
    ['1.1.0', 'PUBLISHED', 's3://sboms/gateway-fw/1.1.0/sboms.zip', 'SUCCEEDED', '2', '0'],
    ['2.0.0', 'DRAFT', 's3://sboms/gateway-fw/2.0.0/sboms.zip', 'IN_PROGRESS', '', ''],
    ['3.0.0', 'DRAFT', 's3://sboms/gateway-fw/3.0.0/sboms.zip', 'FAILED', '135', '15'],
  ]);
  const bars = await page.$$eval('#chart svg g', (gs) => gs.map((g) => g.querySelector('title').textContent));
  assert.deepEqual(bars, ['1.0.0: 2 succeeded, 1 failed', '1.1.0: 2 succeeded, 0 failed', '2.0.0: validation in progress', '3.0.0: 135 succeeded, 15 failed']);
  await hasValidateLink(page);
  await shot(page, 'package');

  step('version: IN_PROGRESS updates by itself when the worker finishes');
  await page.click('#versions >> text=2.0.0');
  await textHas(page, '#validation-status', 'IN_PROGRESS');
  await page.evaluate(() => { window.noReload = true; });
  const inProgressURL = page.url();
  await ask('start-worker');
  await textHas(page, '#validation-status', 'FAILED', 30000);
  await rowCount(page, '#results', 2);
  assert.ok(await page.evaluate(() => window.noReload === true), 'no reload');
  assert.equal(page.url(), inProgressURL);

  step('version: every file, hostile names as text, filter by result, back and forward');
  await page.goto(C + '#/package/gateway-fw/version/1.0.0');
  await rowCount(page, '#results', 3);
  const files = await rows(page, '#results');
  assert.deepEqual(files.map((r) => [r.File, r.Result.replace(/^\W+/, ''), r['Error code']]), [
    [HOSTILE, 'SUCCEEDED', ''], ['radio.cdx.json', 'FAILED', 'INCOMPATIBLE_FORMAT'], ['zlib.cdx.json', 'SUCCEEDED', ''],
  ]);
  assert.equal(files[1].Message, 'CycloneDX 1.5 JSON: schema violation at /components/0/purl (line 1, column 111): expected string, got number');
  assert.equal(await page.locator('main img').count(), 0, 'no element made from a file name');
  await textIs(page, '#file-counts', '3 files: 2 succeeded, 1 failed');
  await hasValidateLink(page);
  await shot(page, 'version');
  await page.click('text=FAILED (1)');
  await rowCount(page, '#results', 1);
  assert.match(page.url(), /result=FAILED/);
  await page.goBack();
  await rowCount(page, '#results', 3);
  await page.goForward();
  await rowCount(page, '#results', 1);

  step('version: a bookmarked view opens as it was');
  const bookmark = await ctx.newPage();
  await bookmark.goto(C + '#/package/gateway-fw/version/1.0.0?result=FAILED');
  await rowCount(bookmark, '#results', 1);
  await bookmark.close();

  step('version: 150 files, paged by 100');
  await page.goto(C + '#/package/gateway-fw/version/3.0.0');
  await rowCount(page, '#results', 100);
  await textIs(page, '.pager span:not(.off)', 'Page 1 of 2');
  await page.click('a[rel=next]');
  await rowCount(page, '#results', 50);
  assert.equal((await rows(page, '#results'))[0].File, 'parts/part-0100.cdx.json');
  await page.click('text=FAILED (15)');
  await rowCount(page, '#results', 15);

  step('version: final results replaced by a new association show within 10 s, no reload');
  await page.goto(C + '#/package/gateway-fw/version/1.1.0');
  await rowCount(page, '#results', 2);
  await textHas(page, '#validation-status', 'SUCCEEDED');
  await page.evaluate(() => { window.noReload = true; });
  const finalURL = page.url();
  await ask('replace-1.1.0');
  await textHas(page, '#validation-status', 'FAILED', 10000);
  await rowCount(page, '#results', 3, 10000);
  assert.deepEqual((await rows(page, '#results')).map((r) => r.File), ['new.spdx.json', 'radio.cdx.json', 'zlib.cdx.json']);
  assert.ok(await page.evaluate(() => window.noReload === true), 'no reload');
  assert.equal(page.url(), finalURL);

  step('validate: chosen files, the same verdicts and messages as sbomctl validate');
  await page.click('header nav >> text=Validate');
  await page.waitForSelector('input[type=file][multiple]#files');
  await page.setInputFiles('#files', ['valid.cdx.json', 'broken.cdx.json', 'bundle.zip'].map((f) => path.join(cfg.uploadDir, f)));
  await textIs(page, '#validate-summary', '4 files: 2 succeeded, 2 failed', 20000);
  await hasValidateLink(page);
  const verdicts = await rows(page, '#validation');
  assert.deepEqual(verdicts.map((r) => ({ source: r.Uploaded, fileName: r.File, result: r.Result.replace(/^\W+/, ''), errorCode: r['Error code'], message: r.Message })), cfg.expected);
  assert.equal(await page.locator('main img').count(), 0);
  await shot(page, 'validate');
  assert.equal(await page.isEnabled('#validate-button'), true);
  await page.click('#validate-button');
  await textIs(page, '#validate-summary', '4 files: 2 succeeded, 2 failed', 20000);

  step('validate: files dropped on any page');
  await page.goto(C + '#/');
  await rowCount(page, '#packages', 100);
  const broken = fs.readFileSync(path.join(cfg.uploadDir, 'broken.cdx.json'), 'utf8');
  await page.evaluate(([name, text]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], name, { type: 'application/json' }));
    for (const type of ['dragenter', 'dragover', 'drop']) document.body.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
  }, ['dropped<b>' + HOSTILE, broken]);
  await page.waitForFunction(() => location.hash === '#/validate');
  await textIs(page, '#validate-summary', '1 file: 0 succeeded, 1 failed', 20000);
  assert.equal((await rows(page, '#validation'))[0].File, 'dropped<b>' + HOSTILE);

  step('signed out: a bookmarked view shows no data without the session');
  const stranger = await browser.newContext();
  const sp = await stranger.newPage();
  res = await sp.goto(C + '#/package/gateway-fw/version/1.0.0');
  assert.equal(res.status(), 401);
  assert.doesNotMatch(await sp.textContent('body'), /radio|gateway/);
  await stranger.close();

  assert.deepEqual(dialogs, [], 'no dialog opened: nothing from a file ran');
  assert.deepEqual(pageErrors, [], 'no script errors');
  assert.deepEqual(consoleErrors, [], 'no errors in the browser console');
  assert.deepEqual(outside, [], 'nothing fetched from elsewhere');
  await ctx.close();
}

(async () => {
  const browser = await chromium.launch({
    executablePath: cfg.chromium,
    headless: true,
    // Playwright gives every launch a fresh, temporary profile (--user-data-dir).
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    await run(browser);
  } finally {
    await browser.close();
  }
  console.log('PASS');
  rl.close();
  process.exit(0);
})().catch((e) => {
  console.error((e && e.stack) || e);
  process.exit(1);
});
