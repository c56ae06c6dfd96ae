// The page in Spanish, Brazilian Portuguese and Russian, against "kommo-bulk
// serve --emulator": the browser's language picks the catalog, and the
// whole import flow (drop a file, mapping, check with a bad row, dry run,
// import) shows no English string outside the file's own data and the
// account's names; a DOM scan after each step compares every text and
// label of the page with the English catalog. Then the switcher: another
// language at once, remembered across a reload. Screenshots of each step
// are kept in test-artifacts/.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startServe, launch, newPage, screenshot, root } from './harness.mjs';

const catalog = async (lang) => JSON.parse(await readFile(path.join(root, 'i18n/locales', `${lang}.json`), 'utf8'));
const en = await catalog('en');
const demo = (name) => path.join(root, 'testdata/demo', name);
const contactsCSV = await readFile(demo('contacts.csv'), 'utf8');

let browser;
after(async () => { await browser?.close(); });

const texts = (v) => (typeof v === 'string' ? [v] : Object.values(v));
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// englishCheckers are the English catalog's texts as whole-text patterns
// (placeholders match anything) and their literal runs of two words or
// more, for the codes whose text in lang differs from the English one.
function englishCheckers(translated) {
  const whole = [];
  const runs = new Set();
  for (const [code, v] of Object.entries(en)) {
    if (code === 'language.name') continue;
    const own = new Set(texts(translated[code]));
    for (const text of texts(v)) {
      if (own.has(text)) continue;
      const literals = text.split(/\{[a-z_]+\}/);
      if (!literals.some((l) => /[A-Za-z]{3}/.test(l))) continue;
      const pattern = literals.map(escape).join('[\\s\\S]*?').trim();
      whole.push({ code, text, re: new RegExp(`^${pattern}$`) });
      for (const l of literals) {
        const run = l.trim().replace(/^[^A-Za-z]+|[^A-Za-z]+$/g, '');
        if (run.split(/\s+/).length >= 2 && run.length >= 8 && ![...own].some((o) => o.includes(run))) runs.add(run);
      }
    }
  }
  return { whole, runs: [...runs] };
}

// pageTexts are every text of the page: text nodes, option texts, and the
// labels a screen reader reads (aria-label, placeholder, title), but the
// language switcher's names.
const pageTexts = (page) => page.evaluate(() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement.closest('#lang, script, style')) continue;
    const s = n.textContent.trim();
    if (s) out.push(s);
  }
  for (const e of document.querySelectorAll('[aria-label], [placeholder], [title]')) {
    for (const a of ['aria-label', 'placeholder', 'title']) {
      const s = (e.getAttribute(a) || '').trim();
      if (s) out.push(s);
    }
  }
  out.push(document.title);
  return out;
});

// accountNames are the account's own names (fields, enums, users,
// pipelines and stages), read through serve's proxy: data, like the file's.
async function accountNames(page) {
  return page.evaluate(async () => {
    const get = async (p) => (await fetch(`/kommo/api/v4/${p}`)).json().catch(() => ({}));
    const names = [];
    for (const e of ['contacts', 'companies', 'leads']) {
      const r = await get(`${e}/custom_fields?limit=250`);
      for (const f of (r._embedded && r._embedded.custom_fields) || []) {
        names.push(f.name);
        for (const en of f.enums || []) names.push(en.value);
      }
    }
    const u = await get('users');
    for (const x of (u._embedded && u._embedded.users) || []) names.push(x.name);
    const p = await get('leads/pipelines');
    for (const x of (p._embedded && p._embedded.pipelines) || []) {
      names.push(x.name);
      for (const s of (x._embedded && x._embedded.statuses) || []) names.push(s.name);
    }
    return names.filter(Boolean);
  });
}

// englishLeft is what of the page's texts reads as the English catalog
// once the data (the file's cells, header and name, the account's names)
// is taken out.
async function englishLeft(page, checkers, data) {
  const tokens = [...new Set(data.filter((d) => d && d.length > 1))].sort((a, b) => b.length - a.length);
  const found = [];
  for (const raw of await pageTexts(page)) {
    let s = raw;
    for (const d of tokens) s = s.split(d).join('\u0000');
    for (const part of s.split(/\u0000|;\s|\s·\s/).map((x) => x.trim()).filter((x) => /[A-Za-z]{2}/.test(x))) {
      const w = checkers.whole.find((c) => c.re.test(part));
      if (w) found.push(`${JSON.stringify(raw)} is ${w.code}: ${JSON.stringify(w.text)}`);
    }
    for (const run of checkers.runs) {
      if (new RegExp(`(^|[^A-Za-z])${escape(run)}([^A-Za-z]|$)`).test(s)) found.push(`${JSON.stringify(raw)} has the English ${JSON.stringify(run)}`);
    }
  }
  return [...new Set(found)];
}

// dropFile drops a file on the drop zone as a person does, with a
// DataTransfer.
async function dropFile(page, selector, name, content) {
  const dt = await page.evaluateHandle(({ name, content }) => {
    const d = new DataTransfer();
    d.items.add(new File([content], name, { type: 'text/csv' }));
    return d;
  }, { name, content });
  await page.dispatchEvent(selector, 'dragover', { dataTransfer: dt });
  await page.dispatchEvent(selector, 'drop', { dataTransfer: dt });
}

for (const [locale, lang, expect] of [
  ['es-MX', 'es', { summary: /^6 filas: 5 listas, 1 con errores \(Phone: 1\)\.$/, bad: /teléfono no válido: no es un número de teléfono/, created: '5 creados', dry: '5 por crear', failed: '1 con errores' }],
  ['pt-BR', 'pt-BR', { summary: /^6 linhas: 5 prontas, 1 com erros \(Phone: 1\)\.$/, bad: /telefone inválido: não é um número de telefone/, created: '5 criados', dry: '5 a criar', failed: '1 com erros' }],
  ['ru-RU', 'ru', { summary: /^6 строк: готово 5, с ошибками 1 \(Phone: 1\)\.$/, bad: /неверный номер телефона: это не номер телефона/, created: 'создано 5', dry: 'будет создано 5', failed: 'с ошибками: 1' }],
]) {
  test(`${locale}: the import flow shows no English outside the data`, async () => {
    browser ??= await launch();
    const serve = await startServe();
    const page = await newPage(browser, { locale });
    try {
      const checkers = englishCheckers(await catalog(lang));
      assert.ok(checkers.whole.length > 300, `${checkers.whole.length} English texts to look for`);
      await page.goto(serve.url);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
      assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
      assert.equal(await page.inputValue('#lang'), lang);
      const rows = contactsCSV.replace(/^\uFEFF/, '').trim().split('\n').map((l) => l.split(';'));
      const data = [...rows.flat(), 'contacts.csv', 'contacts.errors.csv', 'contacts.success.csv', 'contacts.dry-run.csv', 'UTC', 'US', 'CSV',
        'dd.mm.yyyy', 'Europe/Berlin', ...(await accountNames(page))];
      const scan = async (step) => {
        const left = await englishLeft(page, checkers, data);
        await screenshot(page, `i18n-${locale}-${step}`);
        assert.deepEqual(left, [], `${locale}, ${step}: English on the page`);
      };
      await scan('ready');

      // Drop the file; the mapping is proposed.
      await dropFile(page, '#drop', 'contacts.csv', contactsCSV);
      await page.waitForSelector('body[data-mapped="true"]');
      await page.click('#accept');
      await page.fill('#opt-region', 'US');
      await page.press('#opt-region', 'Tab');
      await page.selectOption('#opt-date', 'dd.mm.yyyy');
      await page.fill('#opt-tz', 'Europe/Berlin');
      await page.press('#opt-tz', 'Tab');
      await scan('mapping');

      // A check with a bad row: the strict policy fails Edsger's phone.
      await page.locator('#mapping select.policy[data-column="Phone"]').selectOption('error');
      await page.click('#validate');
      await page.waitForSelector('body[data-checked="1"]');
      assert.match((await page.textContent('#check-summary')).trim(), expect.summary);
      assert.match(await page.textContent('#bad-grid td.bad'), expect.bad);
      await page.click('#bad-grid input.fix'); // its message shows
      await scan('check');

      // The dry run and the import, the bad row left to fail.
      await page.selectOption('#mode', 'create');
      await page.click('#dry-run');
      await page.waitForSelector('body[data-dry-run="done"]');
      const dry = await page.locator('#dry-counts li').allTextContents();
      assert.equal(dry[0], expect.dry);
      assert.equal(dry[3], expect.failed);
      await page.locator('#dry details').evaluate((d) => { d.open = true; });
      await scan('dry-run');
      await page.click('#run');
      await page.waitForSelector('body[data-imported="5"]');
      const done = await page.locator('#result-counts li').allTextContents();
      assert.equal(done[0], expect.created);
      assert.equal(done[3], expect.failed);
      await scan('imported');
      assert.deepEqual(page.errors, []);
    } finally {
      await page.context().close();
      await serve.stop();
    }
  });
}

test('the switcher changes the language at once and is remembered', async () => {
  browser ??= await launch();
  const serve = await startServe();
  const page = await newPage(browser, { locale: 'en-US' });
  try {
    await page.goto(serve.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
    assert.equal(await page.textContent('#validate'), 'Check all rows');
    await page.setInputFiles('#file-input', demo('contacts.csv'));
    await page.waitForSelector('body[data-mapped="true"]');
    await page.click('#accept');
    await page.fill('#opt-region', 'US');
    await page.press('#opt-region', 'Tab');
    await page.selectOption('#opt-date', 'dd.mm.yyyy');
    await page.click('#validate');
    await page.waitForSelector('body[data-checked="0"][data-warned="1"]');
    const english = await page.locator('#check-causes li').first().textContent();
    assert.equal(english, 'Phone: 1 row left out (no digits in it)');
    // The scan of the tests above finds English where there is some.
    const found = await englishLeft(page, englishCheckers(await catalog('ru')), ['contacts.csv']);
    for (const s of ['Check all rows', 'Phone: 1 row left out (no digits in it)', 'left out: invalid phone number: not a phone number', 'Dry run (writes nothing)']) {
      assert.ok(found.some((f) => f.startsWith(JSON.stringify(s))), `the scan does not see ${JSON.stringify(s)}: ${found.slice(0, 5)}`);
    }

    // Russian: the static page, the drawn results and the engine's
    // messages, with Russian plural forms and number formats.
    await page.selectOption('#lang', 'ru');
    await page.waitForSelector('body[data-lang="ru"]');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ru');
    assert.equal(await page.textContent('#validate'), 'Проверить все строки');
    assert.equal(await page.textContent('#tab-migrate'), 'Перенос');
    assert.equal(await page.locator('#check-causes li').first().textContent(), 'Phone: 1 строка: значение пропущено (в нём нет цифр)');
    assert.equal((await page.textContent('#check-summary')).trim(), 'Все 6 строк готовы к импорту. 1 из готовых строк загрузится с предупреждениями.');
    assert.match(await page.textContent('#warn-grid td.warn .msg'), /^пропущено: неверный номер телефона: это не номер телефона$/);
    assert.equal(await page.getAttribute('#mapping select[data-column="Phone"]', 'aria-label'), 'Поле Kommo для столбца Phone');
    await screenshot(page, 'i18n-switcher-ru');

    // Remembered: a reload in an English browser stays Russian.
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
    assert.equal(await page.inputValue('#lang'), 'ru');
    assert.equal(await page.textContent('#tab-import'), 'Импорт');
    assert.equal(await page.evaluate(() => localStorage.getItem('kommo-bulk:lang')), 'ru');

    // And back to English, as it was.
    await page.selectOption('#lang', 'en');
    await page.waitForSelector('body[data-lang="en"]');
    assert.equal(await page.textContent('#tab-import'), 'Import');
    assert.equal(await page.textContent('#validate'), 'Check all rows');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
    await serve.stop();
  }
});
