// Reading progress in Chromium: a 3 MB CSV dropped on the page is read
// from the File in slices by the engine, and "Check all rows" shows the
// bytes read going forward to the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServe, launch, newPage, screenshot } from './harness.mjs';

let serve;
let browser;
let page;
let dir;
before(async () => {
  serve = await startServe();
  browser = await launch();
  page = await newPage(browser);
  dir = await mkdtemp(path.join(tmpdir(), 'kb-progress-'));
});
after(async () => {
  await browser?.close();
  await serve?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('checking a big CSV shows the bytes read going forward', async () => {
  const rows = ['Name,Email,Note'];
  for (let i = 0; i < 40000; i++) rows.push(`Person ${i},p${i}@example.com,${'note '.repeat(10)}`);
  const file = path.join(dir, 'contacts.csv');
  await writeFile(file, rows.join('\n') + '\n');

  await page.goto(serve.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  await page.setInputFiles('#file-input', file);
  await page.waitForSelector('body[data-mapped="true"]');
  await page.click('#accept');
  // Every value the bar takes, and its text, as the page sets them.
  await page.evaluate(() => {
    window.readSeen = [];
    const bar = document.getElementById('read-progress');
    new MutationObserver(() => {
      window.readSeen.push({ value: bar.value, text: document.getElementById('read-text').textContent });
    }).observe(bar, { attributes: true, attributeFilter: ['value'] });
  });
  await page.click('#validate');
  await page.waitForSelector('body[data-checked]', { timeout: 60000 });
  assert.match(await page.textContent('#check-summary'), /40,000 rows/);
  assert.equal(await page.isHidden('#read-box'), true, 'the bar is hidden once the check is done');
  const seen = (await page.evaluate(() => window.readSeen)).filter((s) => s.value > 0);
  assert.ok(seen.length >= 5, `saw ${seen.length} progress values, want several: ${JSON.stringify(seen)}`);
  for (let i = 1; i < seen.length; i++) {
    assert.ok(seen[i].value >= seen[i - 1].value, `progress went back: ${seen[i - 1].value} then ${seen[i].value}`);
  }
  assert.ok(seen[0].value < 0.5, `first progress value ${seen[0].value}, want one early in the file`);
  assert.equal(seen.at(-1).value, 1);
  assert.match(seen.at(-1).text, /Reading rows… 100% \(.* MB of .* MB\)/);
  await screenshot(page, 'progress-checked');
  assert.deepEqual(page.errors, []);
});
