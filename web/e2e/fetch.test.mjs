// The engine's fetch transport (wasm/fetch_js.go's fetchTransport) in
// Chromium: error statuses of the emulator reach the module's API as the
// client's errors, cancelling a job aborts the fetches on the wire, and a
// token given to the module travels in the Authorization header only,
// never in a URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startServe, launch, newPage, root } from './harness.mjs';

const token = 'SECRET-fetch-token-7f3a';

let serve;
let browser;
let page;
const requests = []; // every request the page and its worker make: {method, url, auth}
before(async () => {
  serve = await startServe();
  browser = await launch();
  page = await newPage(browser);
  page.on('request', (r) => requests.push({ method: r.method(), url: r.url(), auth: r.headers().authorization }));
  await page.goto(serve.url + 'example/');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  // An engine of our own, with a token (behind serve's proxy it is
  // replaced by the server's: here it only has to stay out of URLs).
  await page.evaluate(async (token) => {
    const { load } = await import('/kommo-bulk.js');
    window.kb = await load({ token, rate: -1 });
  }, token);
});
after(async () => {
  await browser?.close();
  await serve?.stop();
});

/**
 * Runs fn(arg) in the page (the engine is window.kb) and resolves with
 * {value} or {error: the rejection's message}.
 */
function inPage(fn, arg) {
  return page.evaluate(fn, arg).then((value) => ({ value }), (e) => ({ error: e.message }));
}

test('an error status of the emulator is the error of the module call', async () => {
  // The proxy forwards /kommo/api/v4/… to the emulator, which has no
  // /api/v4/nowhere/api/v4/account: it answers 404 with Kommo's
  // "Cannot GET <path>" page.
  const origin = new URL(serve.url).origin;
  const r = await inPage(async ([base, token]) => {
    await window.kb.configure({ baseURL: base, token, rate: -1 });
    return window.kb.schema();
  }, [origin + '/kommo/api/v4/nowhere', token]);
  assert.match(r.error ?? '', /read the account's schema: kommo: [a-z ]+: GET \/kommo\/api\/v4\/nowhere\/api\/v4\/[a-z/]+: 404 Not Found: .*Cannot GET \/api\/v4\/nowhere\/api\/v4\/[a-z/]+/);
  assert.ok(!r.error.includes(token), `the error names the token: ${r.error}`);

  // A 401 (as for a revoked token; the proxy always sends its own, so
  // the browser answers it here) is the client's unauthorized error,
  // with the problem's detail.
  await page.route('**/kommo/api/v4/account*', (route) => route.fulfill({
    status: 401,
    contentType: 'application/problem+json',
    body: JSON.stringify({ title: 'Unauthorized', status: 401, detail: 'Unauthorized: invalid or expired access token' }),
  }));
  try {
    const r = await inPage(async ([base, token]) => {
      await window.kb.configure({ baseURL: base, token, rate: -1 });
      return window.kb.schema();
    }, [origin + '/kommo', token]);
    assert.match(r.error ?? '', /GET \/kommo\/api\/v4\/account: 401 Unauthorized: Unauthorized: invalid or expired access token/);
    assert.ok(!r.error.includes(token), `the error names the token: ${r.error}`);
  } finally {
    await page.unroute('**/kommo/api/v4/account*');
  }
  // The same engine, configured again, reads the schema.
  const ok = await inPage(async ([base, token]) => {
    await window.kb.configure({ baseURL: base, token, rate: -1 });
    const s = await window.kb.schema();
    return s.pipelines.length;
  }, [origin + '/kommo', token]);
  assert.ok(ok.value > 0, `schema after the errors: ${JSON.stringify(ok)}`);
});

test("the emulator's 429s reach the client, which waits and retries", async () => {
  // A second serve whose emulator allows 3 requests a second after a
  // burst of 7; neither the proxy nor the engine is limited, so reading
  // the schema four times at once meets 429s.
  const slow = await startServe(['--emulator', '--emulator-rate', '3', '--rate', '0']);
  const p = await newPage(browser);
  const statuses = [];
  p.on('response', (r) => { if (r.url().includes('/kommo/api/v4/')) statuses.push(r.status()); });
  try {
    await p.goto(slow.url + 'example/');
    await p.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
    const r = await p.evaluate(async () => {
      const { load } = await import('/kommo-bulk.js');
      const kb = await load({ rate: -1 });
      const all = await Promise.all([1, 2, 3, 4].map(async () => {
        await kb.configure({ baseURL: location.origin + '/kommo', rate: -1 }); // drops the cached schema
        return (await kb.schema()).pipelines.length;
      }));
      return Math.min(...all);
    });
    assert.ok(r > 0);
    assert.ok(statuses.includes(429), `statuses ${statuses}: want a 429 from the emulator`);
    assert.ok(statuses.filter((s) => s === 200).length >= 3, `statuses ${statuses}`);
  } finally {
    await p.close();
    await slow.stop();
  }
});

test('cancelling an import aborts its requests in flight', async () => {
  const csv = await readFile(path.join(root, 'testdata/demo/companies.csv'), 'utf8');
  // Writes of companies are held (never answered) until the page gives up on them.
  const held = [];
  const failed = [];
  const onFailed = (r) => { if (r.url().includes('/kommo/api/v4/companies')) failed.push(r.failure()?.errorText); };
  page.on('requestfailed', onFailed);
  await page.route('**/kommo/api/v4/companies', (route) => {
    if (route.request().method() === 'POST') held.push(route);
    else route.continue();
  });
  try {
    const origin = new URL(serve.url).origin;
    const started = await inPage(async ([base, token, csv]) => {
      const kb = window.kb;
      await kb.configure({ baseURL: base, token, rate: -1 });
      const file = await kb.openFile(new Blob([csv]), 'companies.csv');
      const { spec } = await kb.propose(file.id, 'companies');
      window.job = kb.runImport(file.id, spec, { mode: 'create', batchSize: 1, workers: 3 });
      return true;
    }, [origin + '/kommo', token, csv]);
    assert.deepEqual(started, { value: true });
    const deadline = Date.now() + 20000;
    while (held.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(held.length, 3, 'three batches of one company in flight');

    const t0 = Date.now();
    const res = await page.evaluate(async () => {
      await window.job.cancel();
      const r = await window.job.done;
      return { canceled: r.canceled, created: r.created, failed: r.failed, pending: r.pending };
    });
    const took = Date.now() - t0;
    assert.equal(res.canceled, true, JSON.stringify(res));
    assert.equal(res.created, 0, JSON.stringify(res));
    assert.ok(took < 5000, `cancel took ${took} ms`);
    // Every held fetch was aborted by the browser, and none was sent again.
    const until = Date.now() + 5000;
    while (failed.length < held.length && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.equal(failed.length, 3, `failed: ${failed}`);
    for (const e of failed) assert.match(e ?? '', /ERR_ABORTED|aborted/i);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(held.length, 3, 'no write was sent after the cancel');
    const state = await page.evaluate(async () => (await fetch('/emulator/state')).json());
    assert.deepEqual(state.companies ?? [], []);
  } finally {
    page.off('requestfailed', onFailed);
    await page.unrouteAll({ behavior: 'ignoreErrors' });
  }
});

test('an import and an export through fetch; the token is in no URL', async () => {
  const csv = await readFile(path.join(root, 'testdata/demo/companies.csv'), 'utf8');
  const origin = new URL(serve.url).origin;
  const r = await inPage(async ([base, token, csv]) => {
    const kb = window.kb;
    await kb.configure({ baseURL: base, token, rate: -1 });
    const file = await kb.openFile(new Blob([csv]), 'companies.csv');
    const { spec } = await kb.propose(file.id, 'companies');
    const res = await kb.runImport(file.id, spec, { mode: 'upsert' }).done;
    const out = await kb.export({ entity: 'companies', format: 'csv' });
    return { created: res.created, failed: res.failed, rows: out.rows, csv: new TextDecoder().decode(out.bytes) };
  }, [origin + '/kommo', token, csv]);
  assert.equal(r.error, undefined);
  assert.equal(r.value.created, 3, JSON.stringify(r.value));
  assert.equal(r.value.rows, 3);
  assert.match(r.value.csv, /Globex LLC/);

  const api = requests.filter((q) => q.url.includes('/kommo/'));
  assert.ok(api.length >= 10, `${api.length} API requests seen`);
  for (const q of requests) {
    assert.ok(!q.url.includes(token) && !decodeURIComponent(q.url).includes(token), `token in the URL of ${q.method} ${q.url}`);
    assert.equal(new URL(q.url).origin, origin, `a request leaves the page's origin: ${q.url}`);
  }
  for (const q of api) assert.equal(q.auth, 'Bearer ' + token, `${q.method} ${q.url} carries the token in its header`);
  assert.deepEqual(page.errors, []);
});
