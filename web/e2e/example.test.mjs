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
