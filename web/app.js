// The kommo-bulk page: one client of kommo-bulk.js like any other. The
// engine runs in a Web Worker; this file only keeps the page's state and
// draws it.
import { load, saveFile } from './kommo-bulk.js';

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids) if (kid !== null && kid !== undefined) e.append(kid);
  return e;
};

const state = {
  kb: null,
  schema: null,
  file: null, // FileInfo
  proposal: null,
  spec: null, // the spec being edited (object)
  validation: null,
  job: null,
  files: {}, // name → FileBytes to download
  busy: false,
};

// ---- Small helpers ----

function toast(msg) {
  const t = $('toast');
  t.textContent = msg;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 8000);
}

function fail(err) {
  console.warn(err);
  toast(err && err.message ? err.message : String(err));
}

async function busy(button, fn) {
  if (button) button.disabled = true;
  document.body.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } catch (err) {
    fail(err);
    return undefined;
  } finally {
    if (button) button.disabled = false;
    document.body.removeAttribute('aria-busy');
  }
}

const fmtInt = (n) => new Intl.NumberFormat().format(n);
const fmtBytes = (n) => (n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KB` : `${(n / (1 << 20)).toFixed(1)} MB`);
function fmtDuration(ms) {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function guessEntity(name) {
  const n = name.toLowerCase();
  if (/lead|deal|opportunit|сделк/.test(n)) return 'leads';
  if (/compan|organi|account|компани/.test(n)) return 'companies';
  if (/task|задач/.test(n)) return 'tasks';
  return 'contacts';
}

// Saved mappings are remembered per entity and header.
const savedKey = () => `kommo-bulk:mapping:${$('entity').value}:${state.file.header.join('\u241f')}`;
function loadSaved() {
  try { return JSON.parse(localStorage.getItem(savedKey()) || 'null'); } catch { return null; }
}
function remember() {
  try { localStorage.setItem(savedKey(), JSON.stringify({ spec: state.spec, saved: new Date().toISOString() })); } catch { /* private mode */ }
}

// ---- Start ----

async function start() {
  fetch('serve.json').then((r) => (r.ok ? r.json() : null)).then((info) => {
    if (!info) { $('account').textContent = ''; return; }
    $('account').textContent = info.emulator
      ? 'Account: the built-in emulator (nothing leaves this machine)'
      : `Account: ${info.account}`;
    if (!info.wasm) $('engine').textContent = 'This server was built without the engine: run make build.';
  }).catch(() => { $('account').textContent = ''; });

  try {
    state.kb = await load();
  } catch (err) {
    $('engine').textContent = `The engine did not start: ${err.message}`;
    return;
  }
  $('engine').textContent = `Engine ${state.kb.version} ready`;
  document.body.dataset.ready = 'true';
  state.kb.schema().then((s) => { state.schema = s; fillExportFilters(); }).catch(fail);
}

// ---- Tabs ----

function selectTab(tab) {
  for (const t of document.querySelectorAll('[role=tab]')) {
    const on = t === tab;
    t.setAttribute('aria-selected', on);
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute('aria-controls')).hidden = !on;
  }
  tab.focus();
}
for (const t of document.querySelectorAll('[role=tab]')) {
  t.addEventListener('click', () => selectTab(t));
  t.addEventListener('keydown', (ev) => {
    const tabs = [...document.querySelectorAll('[role=tab]')];
    const i = tabs.indexOf(t);
    if (ev.key === 'ArrowRight') selectTab(tabs[(i + 1) % tabs.length]);
    if (ev.key === 'ArrowLeft') selectTab(tabs[(i + tabs.length - 1) % tabs.length]);
  });
}

// ---- 1. File ----

const drop = $('drop');
drop.addEventListener('dragover', (ev) => { ev.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (ev) => {
  ev.preventDefault();
  drop.classList.remove('over');
  if (ev.dataTransfer.files.length) openFile(ev.dataTransfer.files[0]);
});
drop.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); $('file-input').click(); }
});
drop.tabIndex = 0;
$('file-input').addEventListener('change', (ev) => {
  const f = ev.target.files[0];
  ev.target.value = ''; // so that choosing the same file again opens it again
  if (f) openFile(f);
});

let blob = null; // the dropped file, kept to reopen another sheet

async function openFile(file, options = {}) {
  if (!state.kb) return;
  blob = file;
  await busy(null, async () => {
    $('engine').textContent = `Reading ${file.name}…`;
    if (state.file) state.kb.closeFile(state.file.id);
    state.file = await state.kb.openFile(file, file.name, options);
    $('engine').textContent = `Engine ${state.kb.version} ready`;
    showFile();
    if (!options.sheet) $('entity').value = guessEntity(file.name);
    await propose();
  });
}

function showFile() {
  const f = state.file;
  $('file-info').hidden = false;
  $('file-name').textContent = f.name;
  $('file-meta').textContent = `${f.format.toUpperCase()}, ${fmtBytes(f.size)}, ${f.header.length} columns`;
  const sheets = f.sheets || [];
  $('sheet-label').hidden = sheets.length === 0;
  $('sheet').replaceChildren(...sheets.map((s) => el('option', { value: s, text: s, selected: s === f.sheet })));
  const table = $('preview');
  table.replaceChildren(
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Row' }), ...f.header.map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, ...f.preview.map((r) => el('tr', {}, el('th', { scope: 'row', text: r.row }), ...f.header.map((_, i) => el('td', { text: r.values[i] ?? '' }))))),
  );
  for (const id of ['step-check', 'step-run']) $(id).hidden = true;
  resetResults();
}

$('sheet').addEventListener('change', () => { if (blob) openFile(blob, { sheet: $('sheet').value }); });
$('entity').addEventListener('change', () => { if (state.file) busy(null, propose); });

function resetResults() {
  state.validation = null;
  for (const id of ['bad', 'dry', 'result', 'progress-box', 'errors-file']) $(id).hidden = true;
  $('check-summary').textContent = '';
}

// ---- 2. Mapping ----

async function propose() {
  const entity = $('entity').value;
  state.proposal = await state.kb.propose(state.file.id, entity);
  const saved = loadSaved();
  if (saved) {
    state.spec = saved.spec;
    $('map-note').textContent = `Using the mapping you saved on ${new Date(saved.saved).toLocaleString()} for this header.`;
  } else {
    state.spec = structuredClone(state.proposal.spec);
    const sure = state.proposal.columns.filter((c) => c.field && c.confidence >= 0.9).length;
    $('map-note').textContent = `Suggested: ${sure} of ${state.file.header.length} columns matched with confidence. Check the others.`;
  }
  if (state.spec.match && $('mode').value === 'create') $('mode').value = 'upsert';
  drawMapping();
  $('step-map').hidden = false;
  $('step-check').hidden = false;
  $('step-run').hidden = false;
  resetResults();
  document.body.dataset.mapped = 'true';
}

// fieldOptions lists what a column can go to: the primary entity's fields,
// then those of the entities a row can carry along.
function fieldOptions(entity) {
  const groups = [];
  const related = { leads: ['contacts', 'companies'], contacts: ['companies'], companies: [], tasks: [] }[entity] || [];
  for (const ent of [entity, ...related]) {
    const fields = (state.schema && state.schema.fields[ent]) || [];
    groups.push({ ent, fields });
  }
  return groups;
}

const optValue = (o) => JSON.stringify(o);

function currentTarget(column) {
  const s = state.spec;
  if (s.key === column) return { kind: 'key' };
  const ref = (s.refs || []).find((r) => r.column === column);
  if (ref) return { kind: 'ref', entity: ref.entity };
  const c = (s.columns || []).find((x) => x.column === column);
  if (c) return { kind: 'field', entity: c.entity || '', field: c.field, enum: c.enum || '' };
  return { kind: 'none' };
}

function drawMapping() {
  const entity = state.spec.entity;
  const tbody = $('mapping').querySelector('tbody');
  const groups = fieldOptions(entity);
  const sample = (i) => {
    const r = state.file.preview.find((p) => (p.values[i] || '').trim() !== '');
    return r ? r.values[i] : '';
  };
  const rows = state.file.header.map((h, i) => {
    const prop = state.proposal.columns.find((c) => c.column === h) || { confidence: 0 };
    const cur = currentTarget(h);
    const select = el('select', { 'aria-label': `Kommo field for column ${h}`, 'data-column': h });
    select.append(el('option', { value: optValue({ kind: 'none' }), text: '— do not import —' }));
    select.append(el('option', { value: optValue({ kind: 'key' }), text: 'row key (the source’s id, for links between files)' }));
    for (const ref of ['companies', 'contacts', 'leads']) {
      if (ref !== entity) select.append(el('option', { value: optValue({ kind: 'ref', entity: ref }), text: `key of a ${ref.replace(/s$/, '').replace(/ie$/, 'y')} in another file` }));
    }
    let found = cur.kind !== 'field';
    for (const g of groups) {
      const og = el('optgroup', { label: g.ent === entity ? `${entity} fields` : `the row’s ${g.ent}` });
      for (const f of g.fields) {
        const ent = g.ent === entity ? '' : g.ent;
        const enums = f.enums && f.enums.length ? f.enums : [''];
        for (const en of enums) {
          const v = { kind: 'field', entity: ent, field: f.field, enum: en };
          const label = `${f.name}${en ? ` (${en})` : ''}${f.standard ? '' : ' ·custom'}`;
          og.append(el('option', { value: optValue(v), text: label }));
        }
      }
      select.append(og);
    }
    // The current target may be one the list lacks (a related entity's
    // field from a saved spec): keep it selectable.
    const want = optValue(cur.kind === 'field' ? { kind: 'field', entity: cur.entity === entity ? '' : cur.entity, field: cur.field, enum: cur.enum } : cur);
    for (const o of select.options) if (o.value === want) { o.selected = true; found = true; }
    if (!found) {
      const o = el('option', { value: want, text: `${cur.entity ? cur.entity + '.' : ''}${cur.field}${cur.enum ? ` (${cur.enum})` : ''}`, selected: true });
      select.append(o);
    }
    select.addEventListener('change', () => setTarget(h, JSON.parse(select.value)));
    const pct = Math.round((prop.confidence || 0) * 100);
    const level = pct >= 90 ? 'high' : pct >= 60 ? 'mid' : 'low';
    const link = prop.reason === 'key' ? 'looks like the source’s id'
      : prop.reason === 'ref' ? `looks like the key of a row in ${(state.proposal.refs.find((r) => r.column === h) || {}).entity || 'another file'}` : '';
    const conf = link ? el('span', { class: 'conf link', text: link })
      : prop.field
      ? el('span', { class: `conf ${level}`, title: prop.reason ? `matched by ${prop.reason}` : '' },
        el('meter', { min: 0, max: 100, low: 60, high: 90, optimum: 100, value: pct, 'aria-label': `confidence ${pct}%` }),
        ` ${pct}% `, el('span', { class: 'muted', text: prop.reason || '' }),
        prop.field ? el('span', { class: 'muted', text: ` → ${prop.entity && prop.entity !== entity ? prop.entity + '.' : ''}${prop.field}` }) : null)
      : el('span', { class: 'muted', text: 'no match' });
    return el('tr', { 'data-column': h }, el('th', { scope: 'row', text: h }), el('td', { class: 'sample', text: sample(i) }), el('td', {}, select), el('td', {}, conf));
  });
  tbody.replaceChildren(...rows);
  drawOptions();
}

// The spec's file-wide options: phone region, date layout, time zone.
function drawOptions() {
  const o = state.spec.options || {};
  $('opt-region').value = o.region || '';
  const layout = (o.date_layouts || [])[0] || '';
  const sel = $('opt-date');
  if (layout && ![...sel.options].some((x) => x.value === layout)) sel.append(el('option', { text: layout }));
  sel.value = layout;
  $('opt-tz').value = o.time_zone || '';
}

function setOptions() {
  const o = { ...(state.spec.options || {}) };
  const region = $('opt-region').value.trim().toUpperCase();
  const layout = $('opt-date').value;
  const tz = $('opt-tz').value.trim();
  if (region) o.region = region; else delete o.region;
  if (layout) o.date_layouts = [layout, ...(o.date_layouts || []).filter((l) => l !== layout)]; else delete o.date_layouts;
  if (tz) o.time_zone = tz; else delete o.time_zone;
  state.spec.options = o;
  resetResults();
}
for (const id of ['opt-region', 'opt-date', 'opt-tz']) $(id).addEventListener('change', setOptions);
if (typeof Intl.supportedValuesOf === 'function') {
  $('tz-list').append(...Intl.supportedValuesOf('timeZone').map((z) => el('option', { value: z })));
}

function setTarget(column, t) {
  const s = state.spec;
  s.columns = (s.columns || []).filter((c) => c.column !== column);
  s.refs = (s.refs || []).filter((r) => r.column !== column);
  if (s.key === column) delete s.key;
  if (t.kind === 'key') s.key = column;
  if (t.kind === 'ref') s.refs.push({ column, entity: t.entity });
  if (t.kind === 'field') {
    // Keep the proposal's transforms for the field it proposed.
    const prop = (state.proposal.spec.columns || []).find((c) => c.column === column && c.field === t.field && (c.entity || '') === t.entity);
    const c = prop ? structuredClone(prop) : { column, field: t.field };
    if (t.entity) c.entity = t.entity; else delete c.entity;
    if (t.enum) c.enum = t.enum; else delete c.enum;
    s.columns.push(c);
  }
  if (!s.refs.length) delete s.refs;
  resetResults();
}

$('accept').addEventListener('click', () => {
  state.spec = structuredClone(state.proposal.spec);
  drawMapping();
  remember();
  $('map-note').textContent = 'Using the suggested mapping.';
  resetResults();
});

$('save-mapping').addEventListener('click', () => busy($('save-mapping'), async () => {
  const yaml = await state.kb.specToYAML(state.spec);
  const name = state.file.name.replace(/\.[^.]+$/, '') + '.mapping.yaml';
  saveFile({ name, type: 'application/yaml', bytes: new TextEncoder().encode(yaml) });
  remember();
}));

$('load-mapping').addEventListener('change', (ev) => busy(null, async () => {
  const f = ev.target.files[0];
  if (!f) return;
  const spec = await state.kb.parseSpec(await f.text());
  ev.target.value = '';
  if (spec.entity !== $('entity').value) $('entity').value = spec.entity;
  state.spec = spec;
  drawMapping();
  remember();
  $('map-note').textContent = `Using the mapping from ${f.name}.`;
  resetResults();
}));

// ---- 3. Check ----

async function validate() {
  const v = await state.kb.validate(state.file.id, state.spec, { maxRows: 200 });
  state.validation = v;
  remember();
  const cols = Object.entries(v.byColumn).map(([c, n]) => `${c || 'row'}: ${n}`).join(', ');
  $('check-summary').textContent = v.bad === 0
    ? `All ${fmtInt(v.rows)} rows are ready to import.`
    : `${fmtInt(v.rows)} rows: ${fmtInt(v.good)} ready, ${fmtInt(v.bad)} with errors (${cols}).`;
  $('errors-file').hidden = v.bad === 0;
  drawBad(v);
  document.body.dataset.checked = String(v.bad);
  return v;
}

function drawBad(v) {
  $('bad').hidden = v.bad === 0;
  if (v.bad === 0) return;
  const header = state.file.header;
  const grid = $('bad-grid');
  const thead = el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Row' }), ...header.map((h) => el('th', { scope: 'col', text: h })), el('th', { scope: 'col', text: 'Problem' })));
  const body = el('tbody');
  for (const br of v.badRows) {
    const bad = new Map();
    for (const e of br.errors) if (e.columnIndex >= 0) bad.set(e.columnIndex, e);
    const cells = header.map((h, i) => {
      const value = br.values[i] ?? '';
      const e = bad.get(i);
      if (!e) return el('td', { text: value });
      const id = `fix-${br.row}-${i}`;
      const input = el('input', {
        id, value, 'aria-invalid': 'true', 'aria-describedby': `${id}-msg`, 'aria-label': `Row ${br.row}, ${h}`,
        'data-row': br.row, 'data-column': h, class: 'fix',
      });
      return el('td', { class: 'bad' }, input, el('span', { id: `${id}-msg`, class: 'msg', text: e.message }));
    });
    const problems = br.errors.map((e) => `${e.column ? e.column + ': ' : ''}${e.message}`).join('; ');
    body.append(el('tr', {}, el('th', { scope: 'row', text: br.row }), ...cells, el('td', { class: 'msg', text: problems })));
  }
  grid.replaceChildren(thead, body);
  if (v.bad > v.badRows.length) {
    grid.append(el('caption', { text: `The first ${v.badRows.length} of ${fmtInt(v.bad)} rows with errors: the errors file has them all.` }));
  }
}

$('validate').addEventListener('click', () => busy($('validate'), validate));

$('apply-fixes').addEventListener('click', () => busy($('apply-fixes'), async () => {
  const inputs = [...document.querySelectorAll('#bad-grid input.fix')].filter((i) => i.value !== i.defaultValue);
  for (const i of inputs) await state.kb.setCell(state.file.id, Number(i.dataset.row), i.dataset.column, i.value);
  const v = await validate();
  toast(inputs.length ? `${inputs.length} cell${inputs.length > 1 ? 's' : ''} fixed; ${v.bad} rows still have errors.` : 'Nothing was changed.');
}));

// Enter in a fix applies it.
$('bad-grid').addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && ev.target.matches('input.fix')) { ev.preventDefault(); $('apply-fixes').click(); }
});

$('errors-file').addEventListener('click', () => busy($('errors-file'), async () => {
  saveFile(await state.kb.errorsFile(state.file.id, state.spec));
}));

// ---- 4. Dry run and import ----

function counts(list, r, verb) {
  const items = [
    [`${fmtInt(r.created)} ${verb}created`, 'create'],
    [`${fmtInt(r.updated)} ${verb}updated`, 'update'],
    [`${fmtInt(r.skipped)} ${verb}skipped`, 'skip'],
    [`${fmtInt(r.failed)} with errors`, 'error'],
  ];
  if (r.pending) items.push([`${fmtInt(r.pending)} not reached`, 'pending']);
  list.replaceChildren(...items.map(([t, c]) => el('li', { class: c, text: t })));
}

function importParams(dryRun) {
  return { mode: $('mode').value, dryRun };
}

function showProgress(p) {
  const box = $('progress-box');
  box.hidden = false;
  const bar = $('progress');
  if (p.expected > 0) { bar.max = p.expected; bar.value = p.rows; } else bar.removeAttribute('value');
  const parts = [];
  if (p.phase === 'validating') parts.push('Counting the rows…');
  else {
    parts.push(`${fmtInt(p.rows)}${p.expected ? ' of ' + fmtInt(p.expected) : ''} rows`);
    parts.push(`${fmtInt(p.created)} created, ${fmtInt(p.updated)} updated, ${fmtInt(p.skipped)} skipped, ${fmtInt(p.failed)} errors`);
    if (p.rate > 0) parts.push(`${p.rate.toFixed(1)} rows/s`);
    if (p.etaMs > 0) parts.push(`about ${fmtDuration(p.etaMs)} left`);
    if (p.paused) parts.push('paused');
    if (p.phase === 'writing') parts.push('writing the result files…');
  }
  $('progress-text').textContent = parts.join(' · ');
}

function running(on) {
  $('run').disabled = on;
  $('dry-run').disabled = on;
  $('validate').disabled = on;
  $('pause').hidden = !on;
  $('cancel').hidden = !on;
  $('pause').textContent = 'Pause';
}

async function runJob(dryRun) {
  running(true);
  $('result').hidden = true;
  if (dryRun) $('dry').hidden = true;
  const job = state.kb.runImport(state.file.id, state.spec, importParams(dryRun), { onProgress: showProgress });
  state.job = job;
  try {
    const r = await job.done;
    remember();
    return r;
  } finally {
    state.job = null;
    running(false);
  }
}

$('dry-run').addEventListener('click', () => busy(null, async () => {
  const r = await runJob(true);
  $('progress-box').hidden = true;
  $('dry').hidden = false;
  counts($('dry-counts'), r, 'to be ');
  const t = $('dry-details');
  t.replaceChildren(
    el('thead', {}, el('tr', {}, ...['Row', 'Action', 'Kommo id', 'Details'].map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, ...r.details.slice(0, 100).map((d) => el('tr', { class: d.action },
      el('th', { scope: 'row', text: d.row }), el('td', { text: d.action }),
      el('td', { text: Object.values(d.ids).join(', ') }),
      el('td', { text: d.error || (d.changes || []).join('; ') })))),
  );
  state.files.dry = r.successFile;
  $('dry-heading').focus();
  document.body.dataset.dryRun = 'done';
}));
$('dry-file').addEventListener('click', () => state.files.dry && saveFile(state.files.dry));

$('run').addEventListener('click', () => busy(null, async () => {
  const r = await runJob(false);
  $('result').hidden = false;
  $('result-heading').textContent = r.canceled ? 'Import canceled' : r.error ? `Import stopped: ${r.error}` : 'Import finished';
  counts($('result-counts'), r, '');
  state.files.success = r.successFile;
  state.files.errors = r.errorsFile;
  $('result-errors-file').hidden = !r.errorsFile;
  $('result-heading').focus();
  document.body.dataset.imported = String(r.created + r.updated);
}));
$('success-file').addEventListener('click', () => state.files.success && saveFile(state.files.success));
$('result-errors-file').addEventListener('click', () => state.files.errors && saveFile(state.files.errors));

$('pause').addEventListener('click', async () => {
  if (!state.job) return;
  const b = $('pause');
  if (b.textContent === 'Pause') { await state.job.pause(); b.textContent = 'Resume'; $('progress-text').textContent += ' · paused'; }
  else { await state.job.resume(); b.textContent = 'Pause'; }
});
$('cancel').addEventListener('click', () => { if (state.job) state.job.cancel(); });

// ---- Export ----

function fillExportFilters() {
  const s = state.schema;
  $('export-user').append(...s.users.map((u) => el('option', { value: u.id, text: u.name })));
  $('export-pipeline').append(...s.pipelines.map((p) => el('option', { value: p.id, text: p.name })));
}

$('export-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  busy($('export-run'), async () => {
    const filter = {};
    if ($('export-query').value) filter.query = $('export-query').value;
    if ($('export-from').value) filter.createdFrom = $('export-from').value;
    if ($('export-to').value) filter.createdTo = $('export-to').value;
    if ($('export-user').value) filter.responsibleUserIds = [Number($('export-user').value)];
    if ($('export-pipeline').value) filter.pipelineIds = [Number($('export-pipeline').value)];
    const format = document.querySelector('input[name=export-format]:checked').value;
    $('export-save').hidden = true;
    $('export-status').textContent = 'Exporting…';
    const f = await state.kb.export({ entity: $('export-entity').value, format, filter, timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone }, {
      onProgress: (p) => { $('export-status').textContent = `Exporting… ${fmtInt(p.rows)} rows (${p.pages} pages)`; },
    });
    state.files.export = f;
    $('export-status').textContent = `${fmtInt(f.rows)} rows exported to ${f.name} (${fmtBytes(f.bytes.length)}).`;
    $('export-save').hidden = false;
    $('export-save').focus();
    document.body.dataset.exported = String(f.rows);
  });
});
$('export-save').addEventListener('click', () => state.files.export && saveFile(state.files.export));

start();
