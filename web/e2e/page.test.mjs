// The page end to end in Chromium, against "kommo-bulk serve --emulator":
// upload the demo files, accept the proposed mapping, see a value that
// lands with a warning, make its column strict, fix the bad cell, dry
// run, import, check the records in the emulator, download the result
// file and an export. Every step leaves a screenshot in test-artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { startServe, launch, newPage, screenshot, root } from './harness.mjs';

let serve;
let browser;
let page;
before(async () => {
  serve = await startServe();
  browser = await launch();
  page = await newPage(browser);
});
after(async () => { await browser?.close(); await serve?.stop(); });

const demo = (name) => path.join(root, 'testdata/demo', name);
const text = async (sel) => (await page.textContent(sel)).trim();
const state = async () => {
  const s = await page.evaluate(async () => (await fetch('/emulator/state')).json());
  for (const k of ['contacts', 'companies', 'leads', 'links']) s[k] = s[k] || [];
  return s;
};

async function download(click) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click(click)]);
  return { name: d.suggestedFilename(), bytes: await readFile(await d.path()) };
}

async function upload(file) {
  await page.evaluate(() => { delete document.body.dataset.mapped; });
  await page.setInputFiles('#file-input', demo(file));
  await page.waitForSelector('body[data-mapped="true"]');
}

test('the page loads the engine without errors', async () => {
  // The engine comes Brotli-compressed (Chromium asks for br even over
  // plain http to 127.0.0.1), and what it decodes to runs.
  const wasm = page.waitForResponse((r) => r.url().endsWith('/dist/kommo-bulk.wasm'));
  await page.goto(serve.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  const resp = await wasm;
  assert.equal(resp.status(), 200);
  assert.equal(resp.headers()['content-encoding'], 'br');
  const sizes = await resp.request().sizes();
  const raw = (await stat(path.join(root, 'web/dist/kommo-bulk.wasm'))).size;
  assert.ok(sizes.responseBodySize > 0 && sizes.responseBodySize < raw / 3, `${sizes.responseBodySize} bytes on the wire for a ${raw}-byte engine`);
  assert.match(await text('#engine'), /^Engine .* ready$/);
  assert.match(await text('#account'), /emulator/);
  await screenshot(page, 'page-ready');
});

test('companies: propose, check, import', async () => {
  await upload('companies.csv');
  assert.equal(await page.inputValue('#entity'), 'companies');
  assert.equal(await page.locator('#mapping tbody tr').count(), 5);
  // The suggestion is shown with its confidence, and accepted as is.
  assert.match(await text('#mapping tbody tr[data-column="Phone"] td:last-child'), /100%/);
  await page.click('#accept');
  await screenshot(page, 'companies-mapping');
  await page.click('#validate');
  await page.waitForSelector('body[data-checked="0"]');
  assert.match(await text('#check-summary'), /All 3 rows are ready/);
  await page.click('#run');
  await page.waitForSelector('body[data-imported="3"]');
  assert.deepEqual(await page.locator('#result-counts li').allTextContents(), ['3 created', '0 updated', '0 skipped', '0 with errors']);
  await screenshot(page, 'companies-imported');
  const s = await state();
  assert.deepEqual(s.companies.map((c) => c.name).sort(), ['Acme GmbH', 'Globex LLC', 'Initech Inc']);
});

test('contacts: accept the proposal, set the value options, see a warning, pick a strict policy, fix a bad cell, dry run, import', async () => {
  await upload('contacts.csv');
  assert.equal(await page.inputValue('#entity'), 'contacts');
  await page.click('#accept');
  // The file's phones lack country codes and its dates are dd.mm.yyyy;
  // an IANA zone needs the tzdata the module embeds.
  await page.fill('#opt-region', 'US');
  await page.press('#opt-region', 'Tab');
  await page.selectOption('#opt-date', 'dd.mm.yyyy');
  await page.fill('#opt-tz', 'Europe/Berlin');
  await page.press('#opt-tz', 'Tab');
  await screenshot(page, 'contacts-mapping');

  // By default Edsger's "not a phone" is left out and his row lands: an
  // amber cell, apart from errors, and a summary by cause.
  await page.click('#validate');
  await page.waitForSelector('body[data-checked="0"][data-warned="1"]');
  assert.match(await text('#check-summary'), /All 6 rows are ready to import\. 1 of the ready rows lands with warnings\./);
  assert.deepEqual(await page.locator('#check-causes li').allTextContents(), [
    'Phone: 1 row left out (no digits in it)',
    'Phones without a country code were read as US (the mapping’s region): 1 row.',
  ]);
  const warnCell = page.locator('#warn-grid td.warn');
  assert.equal(await warnCell.count(), 1);
  assert.equal(await warnCell.getAttribute('data-code'), 'phone_left_out');
  assert.equal(await warnCell.locator('input').getAttribute('data-row'), '6');
  assert.match(await warnCell.textContent(), /left out: invalid phone number: not a phone number/);
  assert.equal(await page.locator('#bad-grid td.bad').count(), 0);
  assert.equal(await page.isVisible('#bad'), false);
  const background = (loc) => loc.evaluate((td) => getComputedStyle(td).backgroundColor);
  const amber = await background(warnCell);
  await screenshot(page, 'contacts-warning-cell');

  // The strict policy, picked for the Phone column, goes into the spec and
  // fails the row: a red cell to fix.
  const policy = page.locator('#mapping select.policy[data-column="Phone"]');
  assert.deepEqual(await policy.locator('option').evaluateAll((os) => os.map((o) => o.value)), ['', 'error', 'keep', 'drop']);
  assert.deepEqual(await page.locator('#mapping select.policy[data-column="Birthday"] option').evaluateAll((os) => os.map((o) => o.value)), ['', 'error', 'drop']);
  await policy.selectOption('error');
  await page.click('#validate');
  await page.waitForSelector('body[data-checked="1"]');
  assert.match(await text('#check-summary'), /6 rows: 5 ready, 1 with errors \(Phone: 1\)/);
  assert.equal(await page.isVisible('#warn'), false);
  const red = await background(page.locator('#bad-grid td.bad'));
  assert.notEqual(amber, red, `the warning cell (${amber}) looks like an error cell (${red})`);
  assert.equal(amber, 'rgb(255, 244, 214)');
  assert.equal(red, 'rgb(253, 236, 234)');
  const bad = page.locator('#bad-grid input.fix');
  assert.equal(await bad.count(), 1);
  assert.equal(await bad.getAttribute('data-row'), '6');
  assert.equal(await bad.inputValue(), 'not a phone');
  assert.equal(await bad.getAttribute('aria-invalid'), 'true');
  await screenshot(page, 'contacts-bad-cell');
  const errorsFile = await download('#errors-file');
  assert.equal(errorsFile.name, 'contacts.errors.csv');
  assert.match(errorsFile.bytes.toString(), /Edsger;Dijkstra;.*not a phone/);

  // Fix the cell inline (Enter applies) and check again.
  await bad.fill('+31 20 555 0100');
  await bad.press('Enter');
  await page.waitForSelector('body[data-checked="0"]');
  assert.match(await text('#check-summary'), /All 6 rows are ready/);
  await screenshot(page, 'contacts-fixed');

  await page.selectOption('#mode', 'upsert');
  const before = (await state()).contacts.length;
  await page.click('#dry-run');
  await page.waitForSelector('body[data-dry-run="done"]');
  // Barbara's company C-9 is in no file: she would land without it.
  assert.deepEqual(await page.locator('#dry-counts li').allTextContents(), ['6 to be created', '0 to be updated', '0 to be skipped', '0 with errors', '1 with warnings']);
  assert.match(await text('#dry-details'), /Company ID: not linked: no company "C-9"/);
  assert.match(await text('#dry-causes'), /Company ID: 1 row landed without its link/);
  assert.equal((await state()).contacts.length, before, 'a dry run wrote contacts');
  await screenshot(page, 'contacts-dry-run');

  await page.click('#run');
  await page.waitForSelector('body[data-imported="6"]');
  assert.match(await text('#progress-text'), /6 of 6 rows/);
  assert.deepEqual(await page.locator('#result-counts li').allTextContents(), ['6 created', '0 updated', '0 skipped', '0 with errors', '1 with warnings']);
  assert.equal(await page.isVisible('#result-errors-file'), false);
  await screenshot(page, 'contacts-imported');

  // The records are in the emulator, linked to the companies imported
  // before, with the fixed phone.
  const s = await state();
  const names = s.contacts.map((c) => c.name).sort();
  assert.deepEqual(names, ['Ada Lovelace', 'Alan Turing', 'Barbara Liskov', 'Edsger Dijkstra', 'Grace Hopper', 'Katherine Johnson']);
  const edsger = JSON.stringify(s.contacts.find((c) => c.name === 'Edsger Dijkstra'));
  assert.match(edsger, /\+31205550100/);
  const acme = s.companies.find((c) => c.name === 'Acme GmbH');
  const ada = s.contacts.find((c) => c.name === 'Ada Lovelace');
  assert.ok(JSON.stringify(s.links).includes(String(ada.id)) && JSON.stringify(s.links).includes(String(acme.id)), 'Ada is not linked to Acme');

  const success = await download('#success-file');
  assert.equal(success.name, 'contacts.success.csv');
  assert.match(success.bytes.toString(), /Edsger;Dijkstra;[^\n]*\+31 20 555 0100[^\n]*;create;\d+/);
  assert.match(success.bytes.toString(), /Barbara;Liskov;[^\n]*;create;\d+[^\n]*Company ID: ref_not_found: not linked: no company ""C-9""/);
});

test('saved mappings: remembered per header, downloaded, loaded back', async () => {
  const saved = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('kommo-bulk:mapping:contacts:')));
  assert.equal(saved.length, 1);
  const yaml = await download('#save-mapping');
  assert.equal(yaml.name, 'contacts.mapping.yaml');
  assert.match(yaml.bytes.toString(), /region: US/);
  assert.match(yaml.bytes.toString(), /column: Phone\n(    .*\n)*    on_invalid: error/);
  await upload('contacts.csv');
  assert.match(await text('#map-note'), /Using the mapping you saved/);
  assert.equal(await page.inputValue('#opt-region'), 'US');
  await page.setInputFiles('#load-mapping', demo('contacts.yaml'));
  await page.waitForFunction(() => document.getElementById('map-note').textContent.includes('contacts.yaml'));
  assert.equal(await page.inputValue('#opt-date'), 'dd.mm.yyyy');
});

test('export: contacts to XLSX and CSV with a filter', async () => {
  await page.click('#tab-export');
  await page.selectOption('#export-entity', 'contacts');
  await page.click('#export-run');
  await page.waitForSelector('body[data-exported="6"]');
  const xlsx = await download('#export-save');
  assert.match(xlsx.name, /^kommo-contacts-.*\.xlsx$/);
  assert.equal(xlsx.bytes.subarray(0, 2).toString(), 'PK');
  await screenshot(page, 'export-xlsx');

  await page.fill('#export-query', 'Lovelace');
  await page.check('input[name=export-format][value=csv]');
  await page.click('#export-run');
  await page.waitForSelector('body[data-exported="1"]');
  const csv = await download('#export-save');
  assert.match(csv.name, /\.csv$/);
  assert.match(csv.bytes.toString(), /Lovelace/);
  assert.doesNotMatch(csv.bytes.toString(), /Turing/);
  await screenshot(page, 'export-csv');
});

test('keyboard: the tabs move with the arrow keys', async () => {
  await page.focus('#tab-export');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-import');
  assert.equal(await page.isVisible('#panel-import'), true);
  assert.equal(await page.isVisible('#panel-export'), false);
  assert.deepEqual(page.errors, []);
});
