// make browser-bench: measures, printed and never asserted.
//   - the .wasm's size, raw and compressed with gzip and with Brotli (serve
//     sends the Brotli form to browsers that accept it, gzip otherwise);
//   - opening and validating a 100k-row × 20-column CSV and XLSX in
//     Chromium (the engine in its worker, the file given as a Blob as a
//     dropped File is) against the native engine on the same files
//     (BenchmarkOpenValidate in engine/), as a ratio, with the engine's
//     wasm memory afterwards (a fresh engine per file);
//   - whether a 1M-row workbook opens and validates in a tab (a fresh
//     engine), its time and wasm memory;
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
const br = (await stat(wasm + '.br')).size;
console.log(`wasm size: ${mb(raw)} raw, ${mb(gz)} gzip -9 (${(100 * gz / raw).toFixed(0)}%), ${mb(br)} Brotli q11 (${(100 * br / raw).toFixed(0)}%, what serve sends to a browser that accepts br)`);

// Native: the Go benchmark writes the files and times them.
const dir = await mkdtemp(path.join(tmpdir(), 'kb-bench-'));
const out = execFileSync('go', ['test', './engine', '-run', '^$', '-bench', 'OpenValidate', '-benchtime', '1x', '-count', '1'], {
  cwd: root, env: { ...process.env, KOMMO_BULK_BENCH_DIR: dir, KOMMO_BULK_BENCH_1M: '1' }, encoding: 'utf8', maxBuffer: 1 << 26,
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
  let crashed = false;
  page.on('crash', () => { crashed = true; });
  for (const name of ['contacts.csv', 'contacts.xlsx', 'big.xlsx']) {
    const body = await readFile(path.join(dir, name));
    await page.route(`${serve.url}bench/${name}`, (route) => route.fulfill({ body, contentType: 'application/octet-stream' }));
  }
  await page.goto(serve.url + 'example/');
  const spec = (await readFile(path.join(root, 'engine/bench_test.go'), 'utf8')).match(/const benchSpec = `([^`]*)`/)[1];
  // Each file in a fresh engine, so that its memory is that file's.
  const run = (name) => page.evaluate(async ({ spec, name }) => {
    const { load } = await import('/kommo-bulk.js');
    const kb = await load();
    try {
      await kb.schema(); // fetched once, as the page does before checking
      const blob = await (await fetch(`/bench/${name}`)).blob();
      let events = 0;
      const onProgress = () => { events++; };
      const t = performance.now();
      const f = await kb.openFile(blob, name, {}, { onProgress });
      const v = await kb.validate(f.id, spec, {}, { onProgress });
      const ms = performance.now() - t;
      return { ms, rows: v.rows, bad: v.bad, warned: v.warned, events, memory: await kb.memory() };
    } catch (err) {
      return { error: String(err) };
    } finally {
      kb.terminate();
    }
  }, { spec, name });
  for (const ext of ['csv', 'xlsx']) {
    const b = await run(`contacts.${ext}`);
    const n = native[ext];
    if (b.error) { console.log(`open+validate ${ext.toUpperCase()}: failed in the browser: ${b.error}`); continue; }
    console.log(`open+validate ${b.rows} rows × 20 columns ${ext.toUpperCase()}: browser ${(b.ms / 1000).toFixed(2)} s, native ${(n / 1000).toFixed(2)} s, ratio ${(b.ms / n).toFixed(1)}x (${b.bad} bad rows, ${b.warned} with warnings, ${b.events} progress events); wasm memory ${mb(b.memory)}`);
  }
  const size = (await stat(path.join(dir, 'big.xlsx'))).size;
  const big = await run('big.xlsx').catch((err) => ({ error: String(err) }));
  if (big.error || crashed) {
    console.log(`1M-row workbook (${mb(size)}): did not load${crashed ? ' (the tab crashed)' : ''}: ${big.error || ''}`);
  } else {
    console.log(`1M-row workbook (${mb(size)}, 5 columns): loaded, open+validate ${big.rows} rows in ${(big.ms / 1000).toFixed(1)} s; wasm memory ${mb(big.memory)}`);
  }
} finally {
  await browser.close();
  await serve.stop();
  await rm(dir, { recursive: true, force: true });
}
