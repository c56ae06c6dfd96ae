// The Migrate tab end to end in Chromium, against "kommo-bulk serve
// --emulator": drop the HubSpot exports, see them recognised (and
// override a kind), check, resolve the owner and stages that match
// nothing in the table, migrate a sample and then the rest, check the
// account, and download the report (Markdown, JSON, HTML) and a result
// file. Every step leaves a screenshot in test-artifacts/browser/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
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
const state = async () => {
  const s = await page.evaluate(async () => (await fetch('/emulator/state')).json());
  for (const k of ['contacts', 'companies', 'leads', 'tasks', 'links', 'users', 'pipelines']) s[k] = s[k] || [];
  return s;
};
const counts = (s) => [s.companies.length, s.contacts.length, s.leads.length, s.tasks.length];

async function download(click) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click(click)]);
  return { name: d.suggestedFilename(), bytes: await readFile(await d.path()) };
}

// The value of a record's custom field, by field name.
const field = (rec, name) => {
  const f = (rec.custom_fields_values || []).find((x) => x.field_name === name);
  return f ? f.values.map((v) => String(v.value)) : [];
};

test('migrate: the files are recognised, per file, with a confidence', async () => {
  await page.goto(serve.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  await page.click('#tab-migrate');
  assert.equal(await page.isVisible('#panel-migrate'), true);
  await page.setInputFiles('#mig-input', ['deals', 'contacts', 'tasks', 'companies'].map(hubspot));
  await page.waitForSelector('body[data-mig-detected="4"]');
  assert.match(await text('#mig-source-note'), /HubSpot exports/);
  const kinds = {};
  for (const row of await page.locator('#mig-files tbody tr').all()) {
    const name = await row.getAttribute('data-file');
    assert.equal(await row.locator('select.mig-source').inputValue(), 'hubspot', name);
    kinds[name.replace(/^hubspot-crm-exports-all-|-2024-03-15\.csv$/g, '')] = await row.locator('select.mig-kind').inputValue();
    assert.match(await row.locator('td').nth(2).textContent(), /\d+%/, `${name} has no confidence`);
  }
  assert.deepEqual(kinds, { deals: 'leads', contacts: 'contacts', tasks: 'tasks', companies: 'companies' });
  // The column no preset knows is shown as not migrated.
  assert.match(await text('#mig-files tbody tr[data-file$="contacts-2024-03-15.csv"]'), /Favourite colour/);
  await screenshot(page, 'migrate-detected');

  // A kind can be overridden (and set back).
  const dealsKind = page.locator('#mig-files tbody tr[data-file$="deals-2024-03-15.csv"] select.mig-kind');
  await dealsKind.selectOption('contacts');
  assert.match(await text('#mig-files tbody tr[data-file$="deals-2024-03-15.csv"]'), /chosen by you/);
  await page.locator('#mig-files tbody tr[data-file$="deals-2024-03-15.csv"] select.mig-kind').selectOption('leads');
  assert.match(await text('#mig-files tbody tr[data-file$="deals-2024-03-15.csv"]'), /\d+%/);
});

test('migrate: the check stops on values that match nothing; the table resolves them', async () => {
  await page.fill('#mig-sample', '1');
  await page.press('#mig-sample', 'Tab');
  await page.click('#mig-check');
  await page.waitForSelector('body[data-mig-status="unmatched"]');
  assert.match(await text('#mig-check-summary'), /4 source values match nothing/);
  const owner = page.locator('#mig-unmatched input[data-kind="user"][data-value="Jane Roe"]');
  assert.equal(await owner.inputValue(), '', 'an unmatched owner was filled in with a guess');
  // The pipeline's closest name is offered, one click away.
  await page.click('#mig-unmatched tr[data-kind="pipeline"][data-value="Sales Pipeline"] button.chip');
  assert.equal(await page.inputValue('#mig-unmatched input[data-kind="pipeline"][data-value="Sales Pipeline"]'), 'Sales');
  await screenshot(page, 'migrate-unmatched');
  assert.deepEqual(counts(await state()), [0, 0, 0, 0], 'the check wrote records');

  // The owner first: checked again, it is gone and the stages are left.
  await owner.fill('Ana Admin');
  await page.click('#mig-recheck');
  await page.waitForSelector('body[data-mig-status="unmatched"]');
  assert.equal(await page.locator('#mig-unmatched input[data-kind="user"]').count(), 0);
  assert.deepEqual(await page.locator('#mig-unmatched tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.value).sort()),
    ['Appointment scheduled', 'Contract sent']);
  await page.fill('#mig-unmatched input[data-value="Appointment scheduled"]', 'Qualified');
  await page.fill('#mig-unmatched input[data-value="Contract sent"]', 'Sales/Proposal');
  await page.press('#mig-unmatched input[data-value="Contract sent"]', 'Enter'); // Enter checks again
  await page.waitForSelector('body[data-mig-status="done"]');
  assert.match(await text('#mig-check-summary'), /ready to migrate/);
  assert.equal(await page.isVisible('#mig-unmatched-box'), false);
  // What would happen, per file (companies first).
  const dry = await page.locator('#mig-dry tbody tr').evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
  // Kind, rows, created; then landed and with warnings: the contact whose
  // phone is "not a phone" lands without it.
  assert.deepEqual(dry.map((r) => [...r.slice(1, 4), ...r.slice(8, 10)]),
    [['companies', '3', '3', '3', '0'], ['contacts', '6', '5', '6', '1'], ['leads', '4', '4', '4', '0'], ['tasks', '2', '2', '2', '0']]);
  await screenshot(page, 'migrate-checked');
  assert.deepEqual(counts(await state()), [0, 0, 0, 0], 'the check wrote records');
});

test('migrate: a sample, then the rest, into the emulator', async () => {
  assert.match(await text('#mig-run-sample'), /sample of 1 deal\b/);
  await page.click('#mig-run-sample');
  await page.waitForSelector('body[data-mig-run="sample:done"]', { timeout: 60000 });
  assert.match(await text('#mig-report-heading'), /Sample of 1 migrated/);
  assert.deepEqual(counts(await state()), [1, 1, 1, 1]);
  assert.match(await text('#mig-report'), /Sample records/);
  await screenshot(page, 'migrate-sample');

  await page.click('#mig-run-all');
  await page.waitForSelector('body[data-mig-run="all:done"]', { timeout: 60000 });
  assert.match(await text('#mig-progress-text'), /done in/);
  assert.equal(await text('#mig-report-heading'), 'Migration finished');
  await screenshot(page, 'migrate-done');

  // The account: every record once (the sample updated, not duplicated),
  // owners and stages from the table, linked across files.
  const s = await state();
  assert.deepEqual(counts(s), [3, 5, 4, 2]);
  const users = Object.fromEntries(s.users.map((u) => [u.id, u.name]));
  const maria = s.contacts.find((c) => c.name === 'Мария Иванова');
  assert.ok(maria, 'Мария Иванова was not migrated');
  assert.equal(users[maria.responsible_user_id], 'Ana Admin', 'Jane Roe is not Ana Admin');
  assert.deepEqual(field(maria, 'External ID'), ['106']);
  const stages = {};
  for (const p of s.pipelines) for (const st of p.statuses) stages[`${p.id}/${st.id}`] = `${p.name}/${st.name}`;
  const stageOf = (name) => { const l = s.leads.find((x) => x.name === name); return stages[`${l.pipeline_id}/${l.status_id}`]; };
  assert.equal(stageOf('Acme rollout'), 'Sales/Qualified');
  assert.equal(stageOf('Acme expansion'), 'Sales/Proposal');
  assert.equal(stageOf('Globex renewal'), 'Sales/Closed - won');
  // Deal 5004 names two contacts: both are linked.
  const expansion = s.leads.find((l) => l.name === 'Acme expansion');
  const linked = s.links.filter((l) => (l.entity_type === 'leads' && l.entity_id === expansion.id && l.to_entity_type === 'contacts'))
    .map((l) => s.contacts.find((c) => c.id === l.to_entity_id).name).sort();
  assert.deepEqual(linked, ['Ada Lovelace', 'Мария Иванова']);
  // Ada's duplicate row was folded into her record, not created.
  assert.equal(s.contacts.filter((c) => c.name.startsWith('Ada')).length, 1);
});

test('migrate: the report, rendered and downloaded, and the result files', async () => {
  assert.match(await text('#mig-report'), /Duplicates merged/);
  assert.match(await text('#mig-report-warnings'), /contacts-2024-03-15\.csv: Phone Number: 1 row left out \(no digits in it\)/);
  const md = await download('#mig-report-md');
  assert.match(md.name, /-report\.md$/);
  assert.match(md.bytes.toString(), /^# Migration report\n/);
  assert.match(md.bytes.toString(), /\| Jane Roe \| Ana Admin \| table \|/);
  const json = JSON.parse((await download('#mig-report-json')).bytes.toString());
  assert.deepEqual(json.files.map((f) => [f.entity, f.created, f.failed, f.warned]), [['companies', 2, 0, 0], ['contacts', 4, 0, 1], ['leads', 3, 0, 0], ['tasks', 1, 0, 0]]);
  assert.equal(json.merges.length, 1);
  const html = await download('#mig-report-html');
  assert.match(html.name, /-report\.html$/);
  assert.match(html.bytes.toString(), /<title>Migration report<\/title>/);
  assert.match(html.bytes.toString(), /<td>Jane Roe<\/td><td>Ana Admin<\/td><td>table<\/td>/);
  assert.doesNotMatch(html.bytes.toString(), /<script|https?:\/\//);

  const names = await page.locator('#mig-result-files button').evaluateAll((bs) => bs.map((b) => b.dataset.name));
  assert.deepEqual(names, [
    'hubspot-crm-exports-all-companies-2024-03-15.success.csv',
    'hubspot-crm-exports-all-contacts-2024-03-15.success.csv',
    'hubspot-crm-exports-all-deals-2024-03-15.success.csv',
    'hubspot-crm-exports-all-tasks-2024-03-15.success.csv',
  ]);
  const contacts = await download('#mig-result-files button[data-name$="contacts-2024-03-15.success.csv"]');
  assert.match(contacts.bytes.toString(), /105,Bad,Phone,[^\n]*Phone Number: phone_left_out: left out: invalid phone number: not a phone number/);
  await screenshot(page, 'migrate-report');
  assert.deepEqual(page.errors, []);
});
