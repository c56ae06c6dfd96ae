// The embedding example (web/example/) in Chromium: a page of "another
// application" that drives kommo-bulk.js with its own UI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServe, launch, newPage, screenshot, root } from './harness.mjs';

let serve;
let browser;
before(async () => { serve = await startServe(); browser = await launch(); });
after(async () => { await browser?.close(); await serve?.stop(); });

test('the embedding example imports a file through the public API', async () => {
  const page = await newPage(browser);
  await page.goto(serve.url + 'example/');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  await screenshot(page, 'example-ready');
  await page.setInputFiles('#file', path.join(root, 'testdata/demo/companies.csv'));
  await page.waitForSelector('body[data-done="true"]', { timeout: 30000 });
  const log = await page.textContent('#log');
  assert.match(log, /companies\.csv: 5 columns/);
  assert.match(log, /created 3, updated 0, failed 0/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
  assert.equal(download.suggestedFilename(), 'companies.success.csv');
  await screenshot(page, 'example-done');
  // The records are in the emulator behind the proxy.
  const state = await page.evaluate(async () => (await fetch('/emulator/state')).json());
  assert.deepEqual(state.companies.map((c) => c.name).sort(), ['Acme GmbH', 'Globex LLC', 'Initech Inc']);
  assert.deepEqual(page.errors, []);
});

// An import started before anything asked for the account's schema: the
// engine fetches it while starting the job, which must not happen inside
// the call into the wasm module (a JS callback waiting for a fetch never
// returns, and the worker hung there).
test('runImport works before anything loaded the schema', async () => {
  const page = await newPage(browser);
  await page.goto(serve.url + 'example/');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  const result = await page.evaluate(async () => {
    const { load } = await import('/kommo-bulk.js');
    const kb = await load();
    const csv = 'Company\nFirst schema-less Ltd\nSecond schema-less Ltd\n';
    const file = await kb.openFile(new Blob([csv]), 'early.csv');
    const job = kb.runImport(file.id, 'entity: companies\ncolumns:\n  - column: Company\n    field: name\n', { mode: 'create' });
    const hang = new Promise((resolve) => setTimeout(() => resolve('hung'), 30000));
    const r = await Promise.race([job.done, hang]);
    return r === 'hung' ? r : { created: r.created, failed: r.failed };
  });
  assert.deepEqual(result, { created: 2, failed: 0 });
  const state = await page.evaluate(async () => (await fetch('/emulator/state')).json());
  assert.ok(state.companies.some((c) => c.name === 'First schema-less Ltd'));
  assert.deepEqual(page.errors, []);
});
