// make browser-bench: measures, printed and never asserted.
//   - the .wasm's size, raw and gzip-compressed (as serve sends it);
//   - opening and validating a 100k-row CSV and XLSX in Chromium (the
//     engine in its worker) against the native engine on the same files
//     (BenchmarkOpenValidate in wasm/), as a ratio;
//   - page load to ready (engine started), in a fresh browser context.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServe, launch, root } from './harness.mjs';

const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const wasm = path.join(root, 'web/dist/kommo-bulk.wasm');
const raw = (await stat(wasm)).size;
const gz = (await stat(wasm + '.gz')).size;
console.log(`wasm size: ${mb(raw)} raw, ${mb(gz)} gzip -9 (${(100 * gz / raw).toFixed(0)}%)`);

// Native: the Go benchmark writes the files and times them.
const dir = await mkdtemp(path.join(tmpdir(), 'kb-bench-'));
const out = execFileSync('go', ['test', './wasm', '-run', '^$', '-bench', 'OpenValidate', '-benchtime', '1x', '-count', '1'], {
  cwd: root, env: { ...process.env, KOMMO_BULK_BENCH_DIR: dir }, encoding: 'utf8',
});
const native = {};
for (const m of out.matchAll(/BenchmarkOpenValidate\/(\w+)\S*\s+\d+\s+(\d+) ns\/op/g)) native[m[1]] = Number(m[2]) / 1e6;

const serve = await startServe();
const browser = await launch();
try {
  // Page load to ready, each in a new context (no cache).
  const loads = [];
  for (let i = 0; i < 3; i++) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(serve.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60000 });
    loads.push(await page.evaluate(() => performance.now()));
    await ctx.close();
  }
  console.log(`page load to ready: median ${median(loads).toFixed(0)} ms (runs: ${loads.map((x) => x.toFixed(0)).join(', ')} ms)`);

  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  for (const ext of ['csv', 'xlsx']) {
    const body = await readFile(path.join(dir, `contacts.${ext}`));
    await page.route(`${serve.url}bench/contacts.${ext}`, (route) => route.fulfill({ body, contentType: 'application/octet-stream' }));
  }
  await page.goto(serve.url + 'example/');
  const spec = (await readFile(path.join(root, 'wasm/bench_test.go'), 'utf8')).match(/const benchSpec = `([^`]*)`/)[1];
  const browserMs = await page.evaluate(async (spec) => {
    const { load } = await import('/kommo-bulk.js');
    const kb = await load();
    await kb.schema(); // fetched once, as the page does before checking
    const out = {};
    for (const ext of ['csv', 'xlsx']) {
      const bytes = new Uint8Array(await (await fetch(`/bench/contacts.${ext}`)).arrayBuffer());
      const t = performance.now();
      const f = await kb.openFile(bytes, `contacts.${ext}`);
      const v = await kb.validate(f.id, spec);
      out[ext] = { ms: performance.now() - t, rows: v.rows, bad: v.bad };
      await kb.closeFile(f.id);
    }
    kb.terminate();
    return out;
  }, spec);
  for (const ext of ['csv', 'xlsx']) {
    const b = browserMs[ext];
    const n = native[ext];
    console.log(`open+validate ${b.rows} rows ${ext.toUpperCase()}: browser ${(b.ms / 1000).toFixed(2)} s, native ${(n / 1000).toFixed(2)} s, ratio ${(b.ms / n).toFixed(1)}x (${b.bad} bad rows)`);
  }
} finally {
  await browser.close();
  await serve.stop();
  await rm(dir, { recursive: true, force: true });
}
