// The page's journal in Chromium, against "kommo-bulk serve --emulator":
// an import whose page is closed (and, separately, whose renderer crashes
// or whose browser process is killed) at random points continues when the
// page is opened again,
// and every row exists exactly once in the emulator; Undo from the
// history restores what an import changed; a journal downloaded from the
// page resumes and undoes with the CLI, and a CLI journal opens in the
// page's history.
//
// The imports have 2,000 rows, not the 20,000 of a real file: on the
// 2-core machine these tests run on, 20,000 rows take minutes per run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { startServe, launch, screenshot, bin, chromiumPath } from './harness.mjs';

const run = promisify(execFile);

let serve;
let browser;
let dir;
before(async () => {
  serve = await startServe();
  browser = await launch();
  dir = await mkdtemp(path.join(tmpdir(), 'kb-journal-'));
});
after(async () => {
  await browser?.close();
  await serve?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// A seeded random number generator (mulberry32): the points a test stops
// at change from run to run only with the seed, which a failure prints.
const seed = Number(process.env.JOURNAL_SEED || Date.now() % 100000);
function rng(s) {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(seed);
const between = (lo, hi) => Math.floor(lo + random() * (hi - lo));

// people writes a CSV of n contacts whose names and emails carry tag.
async function people(tag, n, name = `${tag}.csv`) {
  const rows = ['Name,Email'];
  for (let i = 0; i < n; i++) rows.push(`${tag} ${i},${tag}${i}@example.com`);
  const file = path.join(dir, name);
  await writeFile(file, rows.join('\n') + '\n');
  return file;
}

async function emulatorState(page) {
  const s = await page.evaluate(async () => (await fetch('/emulator/state')).json());
  s.contacts = s.contacts || [];
  return s;
}

// contactsOf counts the emulator's contacts whose name starts with tag,
// by name.
async function contactsOf(page, tag) {
  const names = new Map();
  for (const c of (await emulatorState(page)).contacts) {
    if (c.name.startsWith(tag + ' ')) names.set(c.name, (names.get(c.name) || 0) + 1);
  }
  return names;
}

function assertOnce(names, tag, n) {
  const twice = [...names].filter(([, k]) => k !== 1);
  assert.deepEqual(twice, [], `${tag}: written more than once (seed ${seed})`);
  assert.equal(names.size, n, `${tag}: ${names.size} of ${n} rows in the emulator (seed ${seed})`);
}

async function open(context) {
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('dialog', (d) => d.accept());
  await page.goto(serve.url);
  await page.waitForSelector('body[data-ready="true"][data-jobs]', { timeout: 60000 });
  return page;
}

// startImport takes file through the page's steps and starts the import.
async function startImport(page, file, mode = 'create') {
  await page.evaluate(() => { for (const k of ['mapped', 'checked', 'imported']) delete document.body.dataset[k]; });
  await page.setInputFiles('#file-input', file);
  await page.waitForSelector('body[data-mapped="true"]');
  await page.click('#accept');
  await page.selectOption('#mode', mode);
  await page.click('#validate');
  await page.waitForSelector('body[data-checked="0"]', { timeout: 60000 });
  await page.click('#run');
}

// rowsDone waits until the import's progress bar has passed rows.
function rowsDone(page, rows) {
  return page.waitForFunction((r) => {
    const bar = document.getElementById('progress');
    return bar && bar.getAttribute('value') !== null && bar.value >= r && !document.getElementById('progress-box').hidden;
  }, rows, { timeout: 120000, polling: 50 });
}

// resume continues the page's one unfinished job with file.
async function resume(page, file) {
  await page.waitForSelector('body[data-unfinished="1"]');
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('#resume-list button.resume')]);
  await chooser.setFiles(file);
  await page.waitForSelector('body[data-resuming]');
}

test('a page closed at random points of an import continues, every row once', async () => {
  const n = 2000;
  const tag = 'closed';
  const file = await people(tag, n);
  const context = await browser.newContext({ acceptDownloads: true });
  try {
    let page = await open(context);
    await startImport(page, file);
    let at = between(50, n / 3);
    await rowsDone(page, at);
    await page.close({ runBeforeUnload: false });
    for (const upTo of [(2 * n) / 3, n - 50]) {
      page = await open(context);
      assert.equal(await page.isVisible('#resume-box'), true, 'the unfinished job is offered');
      await screenshot(page, 'journal-unfinished');
      await resume(page, file);
      at = between(at + 20, upTo);
      await rowsDone(page, at);
      await page.close({ runBeforeUnload: false });
    }
    page = await open(context);
    await resume(page, file);
    await page.waitForSelector(`body[data-imported="${n}"]`, { timeout: 120000 });
    await page.waitForSelector('body[data-unfinished="0"]');
    assertOnce(await contactsOf(page, tag), tag, n);
    // The history has the job, finished, with its result file.
    await page.click('#tab-history');
    const row = page.locator('#history tbody tr[data-finished="true"]');
    assert.equal(await row.count(), 1);
    assert.equal(await row.locator('button.job-file').count(), 1);
    await screenshot(page, 'journal-history');
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

test('a crashed renderer mid-import continues, every row once', async () => {
  const n = 2000;
  const tag = 'crashed';
  const file = await people(tag, n);
  const context = await browser.newContext();
  try {
    let page = await open(context);
    await startImport(page, file);
    await rowsDone(page, between(100, n - 100));
    const crashed = new Promise((resolve) => page.once('crash', resolve));
    page.goto('chrome://crash').catch(() => {}); // the tab's renderer, and its worker, die
    await crashed;
    await page.close().catch(() => {});
    page = await open(context);
    await resume(page, file);
    await page.waitForSelector(`body[data-imported="${n}"]`, { timeout: 120000 });
    assertOnce(await contactsOf(page, tag), tag, n);
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

test('leaving the page mid-import asks first', async () => {
  const file = await people('leave', 600);
  const context = await browser.newContext();
  try {
    const page = await open(context);
    await startImport(page, file);
    await rowsDone(page, 10);
    page.removeAllListeners('dialog');
    const asked = new Promise((resolve) => page.once('dialog', (d) => { resolve(d.type()); d.accept(); }));
    const closed = new Promise((resolve) => page.once('close', resolve));
    await page.close({ runBeforeUnload: true });
    assert.equal(await asked, 'beforeunload');
    await closed;
  } finally {
    await context.close();
  }
});

// ownChromium runs Chromium with a profile directory, reached over the
// DevTools protocol, so that the test can kill its processes.
async function ownChromium(profile) {
  const proc = spawn(chromiumPath, ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync',
    '--disable-background-networking', '--disable-component-update', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'],
  { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const ws = await new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start:\n${err}`)), 30000);
    proc.stderr.on('data', (d) => {
      err += d;
      const m = err.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
  const cdp = await chromium.connectOverCDP(ws);
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  return {
    context: cdp.contexts()[0],
    kill: async () => { process.kill(-proc.pid, 'SIGKILL'); await exited; },
    close: async () => { await cdp.close().catch(() => {}); try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* gone */ } await exited; },
  };
}

test('a browser killed twice mid-import continues from its profile, every row once', async () => {
  const n = 2000;
  const tag = 'killed';
  const file = await people(tag, n);
  const profile = path.join(dir, 'profile');
  let chrome = await ownChromium(profile);
  try {
    let page = await open(chrome.context);
    await startImport(page, file);
    let at = between(100, n / 2);
    await rowsDone(page, at);
    await chrome.kill();
    chrome = await ownChromium(profile);
    page = await open(chrome.context);
    await resume(page, file);
    await rowsDone(page, between(at + 20, n - 100));
    await chrome.kill();
    chrome = await ownChromium(profile);
    page = await open(chrome.context);
    await resume(page, file);
    await page.waitForSelector(`body[data-imported="${n}"]`, { timeout: 120000 });
    assertOnce(await contactsOf(page, tag), tag, n);
    assert.deepEqual(page.errors, []);
  } finally {
    await chrome.close();
  }
});

test('Undo in the history restores what an import changed', async () => {
  const n = 30;
  const before = await people('undo', n, 'undo-before.csv');
  // The same emails, the names changed: an upsert updates every record.
  const rows = ['Name,Email'];
  for (let i = 0; i < n; i++) rows.push(`undo ${i} changed,undo${i}@example.com`);
  const changed = path.join(dir, 'undo-changed.csv');
  await writeFile(changed, rows.join('\n') + '\n');
  const context = await browser.newContext();
  try {
    const page = await open(context);
    await startImport(page, before);
    await page.waitForSelector(`body[data-imported="${n}"]`);
    await startImport(page, changed, 'upsert');
    await page.waitForSelector(`body[data-imported="${n}"]`);
    assert.match(await page.textContent('#result-counts'), new RegExp(`${n} updated`));
    let names = [...(await contactsOf(page, 'undo')).keys()];
    assert.equal(names.filter((x) => x.endsWith(' changed')).length, n);

    await page.click('#tab-history');
    await page.waitForSelector('body[data-jobs="2"]');
    const row = page.locator('#history tbody tr').first(); // newest first: the upsert
    await row.locator('button.job-undo').click();
    await page.waitForSelector('body[data-undone]');
    names = [...(await contactsOf(page, 'undo')).keys()].sort();
    assert.deepEqual(names, Array.from({ length: n }, (_, i) => `undo ${i}`).sort());
    assert.equal(await page.locator('#history tbody tr[data-undone="true"]').count(), 1);
    await screenshot(page, 'journal-undone');
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

test('a page journal resumes and undoes with the CLI; a CLI journal opens in the history', async () => {
  const n = 1000;
  const tag = 'cli';
  const file = await people(tag, n);
  const context = await browser.newContext({ acceptDownloads: true });
  const cli = (cmd, ...args) => run(bin, [cmd, '--base-url', new URL('kommo', serve.url).href, '--token', 'unused-behind-the-proxy', ...args], { cwd: dir });
  try {
    let page = await open(context);
    await startImport(page, file);
    await rowsDone(page, between(50, n - 100));
    await page.close({ runBeforeUnload: false });

    // The stopped job's journal, downloaded from the history.
    page = await open(context);
    await page.click('#tab-history');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#history tbody tr button.job-journal')]);
    assert.match(dl.suggestedFilename(), /^cli-.*\.journal$/);
    const journal = path.join(dir, dl.suggestedFilename());
    await dl.saveAs(journal);

    // The CLI continues it (the journal holds the page's mapping) and
    // undoes it.
    await cli('import', '--resume', journal, file);
    assertOnce(await contactsOf(page, tag), tag, n);
    await cli('undo', journal);
    const id = path.basename(journal, '.journal');
    const tagged = (await emulatorState(page)).contacts.filter((c) => c.name.startsWith(tag + ' ') && (c.tags || []).some((t) => t.name === `kommo-bulk undo ${id}`));
    assert.equal(tagged.length, n, 'every record the job created is tagged by the undo');

    // A CLI journal (the one the CLI just finished) opens in the history.
    const cliJournal = path.join(dir, 'cli-copy.journal');
    await writeFile(cliJournal, await readFile(journal));
    await page.setInputFiles('#journal-input', cliJournal);
    await page.waitForSelector('#history tbody tr[data-journal="cli-copy.journal"]');
    const row = page.locator('#history tbody tr[data-journal="cli-copy.journal"]');
    assert.equal(await row.getAttribute('data-finished'), 'true');
    assert.equal(await row.getAttribute('data-undone'), 'true');
    assert.match(await row.textContent(), /1,000 created/);
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

test('a second tab cannot continue the import another tab is running', async () => {
  const n = 1500;
  const tag = 'tabs';
  const file = await people(tag, n);
  const context = await browser.newContext();
  try {
    const a = await open(context);
    await startImport(a, file);
    await rowsDone(a, 20);
    await a.click('#pause'); // the job stays running, its journal held
    // The second tab sees the job unfinished (it is not its own) and
    // offers it; the Web Lock of the first tab refuses it.
    const b = await open(context);
    await b.waitForSelector('body[data-unfinished="1"]');
    const [chooser] = await Promise.all([b.waitForEvent('filechooser'), b.click('#resume-list button.resume')]);
    await chooser.setFiles(file);
    await b.waitForFunction(() => !document.getElementById('toast').hidden && /another tab/.test(document.getElementById('toast').textContent), null, { timeout: 60000 });
    await a.click('#pause'); // resume
    await a.waitForSelector(`body[data-imported="${n}"]`, { timeout: 120000 });
    assertOnce(await contactsOf(a, tag), tag, n);
    assert.deepEqual([...a.errors, ...b.errors], []);
  } finally {
    await context.close();
  }
});
