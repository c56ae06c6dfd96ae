// The Migrate tab takes history files like the others: HubSpot's notes
// and calls exports dropped with its cards are recognised as notes, the
// check counts them, and the migration lands each note on its record in
// the emulator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
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

const hubspot = (name) => path.join(root, 'testdata/migrate/hubspot', `hubspot-crm-exports-all-${name}-2024-03-15.csv`);
const text = async (sel) => (await page.textContent(sel)).trim();

test('migrate: history files are recognised as notes and land on their records', async () => {
  await page.goto(serve.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  await page.click('#tab-migrate');
  await page.setInputFiles('#mig-input', ['companies', 'contacts', 'deals', 'notes', 'calls'].map(hubspot));
  await page.waitForSelector('body[data-mig-detected="5"]');
  const kinds = {};
  for (const row of await page.locator('#mig-files tbody tr').all()) {
    const name = (await row.getAttribute('data-file')).replace(/^hubspot-crm-exports-all-|-2024-03-15\.csv$/g, '');
    kinds[name] = await row.locator('select.mig-kind').inputValue();
  }
  assert.deepEqual(kinds, { companies: 'companies', contacts: 'contacts', deals: 'leads', notes: 'notes', calls: 'notes' });
  // The kinds offered name notes once.
  const options = await page.locator('#mig-files tbody tr[data-file$="notes-2024-03-15.csv"] select.mig-kind option').evaluateAll((os) => os.map((o) => o.value));
  assert.equal(options.filter((v) => v === 'notes').length, 1);

  // Overdue open tasks stay open unless the consultant chooses.
  assert.equal(await page.inputValue('#mig-overdue'), 'open');
  assert.deepEqual(await page.locator('#mig-overdue option').evaluateAll((os) => os.map((o) => o.value)), ['open', 'done', 'skip']);
  await page.click('#mig-check');
  await page.waitForSelector('body[data-mig-status="unmatched"]');
  await page.fill('#mig-unmatched input[data-kind="user"][data-value="Jane Roe"]', 'Ana Admin');
  await page.fill('#mig-unmatched input[data-kind="pipeline"][data-value="Sales Pipeline"]', 'Sales');
  await page.click('#mig-recheck');
  await page.waitForSelector('body[data-mig-status="unmatched"]');
  await page.fill('#mig-unmatched input[data-value="Appointment scheduled"]', 'Qualified');
  await page.fill('#mig-unmatched input[data-value="Contract sent"]', 'Sales/Proposal');
  await page.press('#mig-unmatched input[data-value="Contract sent"]', 'Enter');
  await page.waitForSelector('body[data-mig-status="done"]');
  // The check counts the notes it would write (in the created column).
  const dry = await page.locator('#mig-dry tbody tr').evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
  assert.deepEqual(dry.filter((r) => r[1] === 'notes').map((r) => r.slice(2, 4)), [['3', '3'], ['2', '2']]);
  await screenshot(page, 'migrate-history-checked');

  await page.click('#mig-run-all');
  await page.waitForSelector('body[data-mig-run="all:done"]', { timeout: 60000 });
  assert.equal(await text('#mig-report-heading'), 'Migration finished');
  const s = await page.evaluate(async () => (await fetch('/emulator/state')).json());
  const notes = s.notes || [];
  assert.equal(notes.length, 5);
  assert.equal(notes.filter((n) => n.note_type === 'call_in' || n.note_type === 'call_out').length, 2);
  const rollout = s.leads.find((l) => l.name === 'Acme rollout');
  const first = notes.find((n) => n.note_type === 'common' && n.entity_type === 'leads' && n.entity_id === rollout.id);
  assert.match(first.params.text, /^Boris Manager, 2024-03-10 14:02, from HubSpot\nAda asked for the rollout plan/);
  // The report on the page counts the notes and names the attachment.
  const report = await text('#mig-report');
  assert.match(report, /Notes/);
  assert.match(report, /rollout-plan\.pdf/);
  await screenshot(page, 'migrate-history-done');
  assert.deepEqual(page.errors, []);
});
