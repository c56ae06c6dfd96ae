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
    // A workbook is copied into the engine once (a CSV is read in slices).
    const onProgress = (p) => { $('engine').textContent = `Reading ${file.name}… ${percent(p)}`; };
    state.file = await state.kb.openFile(file, file.name, options, { onProgress });
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
  $('file-meta').textContent = `${f.format.toUpperCase()}, ${fmtBytes(f.size)}, ${f.header.length} columns` + (f.needsSave ? `. ${f.needsSave}` : '');
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
  for (const id of ['bad', 'warn', 'check-causes', 'dry', 'result', 'progress-box', 'errors-file']) $(id).hidden = true;
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
    select.addEventListener('change', () => { setTarget(h, JSON.parse(select.value)); drawMapping(); });
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
    return el('tr', { 'data-column': h }, el('th', { scope: 'row', text: h }), el('td', { class: 'sample', text: sample(i) }), el('td', {}, select),
      el('td', {}, policySelect(h, cur)), el('td', {}, conf));
  });
  tbody.replaceChildren(...rows);
  drawOptions();
}

// fieldInfo finds the schema's description of a column's target.
function fieldInfo(cur) {
  const ent = cur.entity || state.spec.entity;
  return ((state.schema && state.schema.fields[ent]) || []).find((f) => f.field === cur.field);
}

// policySelect is the on_invalid of a mapped column: what becomes of a
// value that does not validate. Keep is offered where the field can hold
// a value as written.
function policySelect(column, cur) {
  if (cur.kind !== 'field') return null;
  const c = (state.spec.columns || []).find((x) => x.column === column);
  const f = fieldInfo(cur);
  const lenient = /^(PHONE|EMAIL)$/i.test(cur.field);
  const options = [
    ['', lenient ? 'default: lands with a warning' : 'default: the row fails'],
    ['error', 'the row fails'],
    ...(f && f.keepable ? [['keep', 'send it as written']] : []),
    ['drop', 'leave the value out'],
  ];
  const sel = el('select', { class: 'policy', 'aria-label': `If a value of column ${column} does not validate`, 'data-column': column },
    ...options.map(([v, t]) => el('option', { value: v, text: t, selected: (c && c.on_invalid || '') === v })));
  sel.addEventListener('change', () => {
    const col = (state.spec.columns || []).find((x) => x.column === column);
    if (!col) return;
    if (sel.value) col.on_invalid = sel.value; else delete col.on_invalid;
    resetResults();
  });
  return sel;
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

const percent = (p) => `${p.total ? Math.floor((100 * p.read) / p.total) : 100}%`;

// showRead shows how far a pass over the file has got: the bytes of a CSV
// or of an XLSX sheet read so far.
function showRead(p) {
  $('read-box').hidden = false;
  $('read-progress').value = p.total ? p.read / p.total : 1;
  $('read-text').textContent = `Reading rows… ${percent(p)} (${fmtBytes(p.read)} of ${fmtBytes(p.total)})`;
}

async function validate() {
  $('read-progress').value = 0;
  let v;
  try {
    v = await state.kb.validate(state.file.id, state.spec, { maxRows: 200 }, { onProgress: showRead });
  } finally {
    $('read-box').hidden = true;
  }
  state.validation = v;
  remember();
  const cols = Object.entries(v.byColumn).map(([c, n]) => `${c || 'row'}: ${n}`).join(', ');
  const warned = v.warned ? ` ${fmtInt(v.warned)} of the ready rows ${v.warned === 1 ? 'lands' : 'land'} with warnings.` : '';
  $('check-summary').textContent = v.bad === 0
    ? `All ${fmtInt(v.rows)} rows are ready to import.${warned}`
    : `${fmtInt(v.rows)} rows: ${fmtInt(v.good)} ready, ${fmtInt(v.bad)} with errors (${cols}).${warned}`;
  $('errors-file').hidden = v.bad === 0;
  drawCauses($('check-causes'), v.causes, v.regions);
  drawChecked($('warn'), $('warn-grid'), v.warnRows, v.warned, 'warn');
  drawBad(v);
  document.body.dataset.checked = String(v.bad);
  document.body.dataset.warned = String(v.warned);
  return v;
}

// drawCauses lists warnings and errors grouped by cause ("Phone: 137 rows
// kept as written (no country code: …)") and where phones without a
// country code were read.
function drawCauses(list, causes, regions) {
  const from = { spec: 'the mapping’s region', column: 'the row’s country column', account: 'the account’s country' };
  const items = (causes || []).map((c) => el('li', { class: c.error ? 'error' : 'warn', text: c.text }));
  if (regions && regions.length) {
    items.push(el('li', { text: `Phones without a country code were read as ${regions.map((r) => `${r.region} (${from[r.from] || r.from}${r.column ? ` “${r.column}”` : ''}): ${fmtInt(r.rows)} row${r.rows === 1 ? '' : 's'}`).join(', ')}.` }));
  }
  list.replaceChildren(...items);
  list.hidden = items.length === 0;
}

// drawChecked draws rows with their cells marked: the warnings' cells in
// amber (the rows land), the errors' in red with an input to fix them.
function drawChecked(box, grid, rows, total, kind) {
  box.hidden = !rows || rows.length === 0;
  if (box.hidden) return;
  const header = state.file.header;
  const thead = el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Row' }), ...header.map((h) => el('th', { scope: 'col', text: h })), el('th', { scope: 'col', text: kind === 'warn' ? 'What was done' : 'Problem' })));
  const body = el('tbody');
  for (const br of rows) {
    const marks = new Map();
    for (const e of (kind === 'warn' ? br.warnings : br.errors)) if (e.columnIndex >= 0) marks.set(e.columnIndex, e);
    const cells = header.map((h, i) => {
      const value = br.values[i] ?? '';
      const e = marks.get(i);
      if (!e) return el('td', { text: value });
      const id = `${kind === 'warn' ? 'warn' : 'fix'}-${br.row}-${i}`;
      const input = el('input', {
        id, value, 'aria-invalid': kind === 'warn' ? undefined : 'true', 'aria-describedby': `${id}-msg`, 'aria-label': `Row ${br.row}, ${h}`,
        'data-row': br.row, 'data-column': h, class: 'fix',
      });
      return el('td', { class: kind === 'warn' ? 'warn' : 'bad', 'data-code': e.code }, input, el('span', { id: `${id}-msg`, class: 'msg', text: e.message }));
    });
    const problems = (kind === 'warn' ? br.warnings : br.errors).map((e) => `${e.column ? e.column + ': ' : ''}${e.message}`).join('; ');
    body.append(el('tr', {}, el('th', { scope: 'row', text: br.row }), ...cells, el('td', { class: kind === 'warn' ? 'msg warn-msg' : 'msg', text: problems })));
  }
  grid.replaceChildren(thead, body);
  if (total > rows.length) {
    grid.append(el('caption', { text: `The first ${rows.length} of ${fmtInt(total)} rows ${kind === 'warn' ? 'with warnings: the success file lists them all after the import' : 'with errors: the errors file has them all'}.` }));
  }
}

function drawBad(v) {
  drawChecked($('bad'), $('bad-grid'), v.badRows, v.bad, 'bad');
}

$('validate').addEventListener('click', () => busy($('validate'), validate));

$('apply-fixes').addEventListener('click', () => busy($('apply-fixes'), async () => {
  const inputs = [...document.querySelectorAll('#bad-grid input.fix, #warn-grid input.fix')].filter((i) => i.value !== i.defaultValue);
  for (const i of inputs) await state.kb.setCell(state.file.id, Number(i.dataset.row), i.dataset.column, i.value);
  const v = await validate();
  toast(inputs.length ? `${inputs.length} cell${inputs.length > 1 ? 's' : ''} fixed; ${v.bad} rows still have errors.` : 'Nothing was changed.');
}));

// Enter in a fix applies it.
for (const id of ['bad-grid', 'warn-grid']) {
  $(id).addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && ev.target.matches('input.fix')) { ev.preventDefault(); $('apply-fixes').click(); }
  });
}

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
  if (r.warned) items.push([`${fmtInt(r.warned)} with warnings`, 'warn']);
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
  drawCauses($('dry-causes'), r.warnings, null);
  const t = $('dry-details');
  t.replaceChildren(
    el('thead', {}, el('tr', {}, ...['Row', 'Action', 'Kommo id', 'Details'].map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, ...r.details.slice(0, 100).map((d) => el('tr', { class: d.action },
      el('th', { scope: 'row', text: d.row }), el('td', { text: d.action }),
      el('td', { text: Object.values(d.ids).join(', ') }),
      el('td', { class: d.warnings ? 'warn-msg' : undefined, text: d.error || [...(d.changes || []), ...(d.warnings || [])].join('; ') })))),
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
  drawCauses($('result-causes'), r.warnings, null);
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

// ---- Migrate ----
//
// The exports of another CRM: detected per file (overridable), checked
// with a dry run (values that match nothing get a table to fill in), then
// a sample and the rest, with the report rendered and downloadable.

const mig = {
  files: [], // {info: FileInfo, source, entity, confidence, candidates, ignored}
  sources: [],
  tables: { users: {}, pipelines: {}, stages: {} },
  check: null, // the last MigrationResult of a check
  result: null, // the last MigrationResult of a run
  job: null,
};
const KINDS = { user: 'users', pipeline: 'pipelines', stage: 'stages' };
const setMigState = (k, v) => { document.body.dataset[k] = v; };

const migDrop = $('mig-drop');
migDrop.tabIndex = 0;
migDrop.addEventListener('dragover', (ev) => { ev.preventDefault(); migDrop.classList.add('over'); });
migDrop.addEventListener('dragleave', () => migDrop.classList.remove('over'));
migDrop.addEventListener('drop', (ev) => {
  ev.preventDefault();
  migDrop.classList.remove('over');
  addMigrationFiles([...ev.dataTransfer.files]);
});
migDrop.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); $('mig-input').click(); }
});
$('mig-input').addEventListener('change', (ev) => {
  const files = [...ev.target.files];
  ev.target.value = '';
  addMigrationFiles(files);
});

async function addMigrationFiles(files) {
  if (!state.kb || !files.length) return;
  await busy(null, async () => {
    delete document.body.dataset.migDetected;
    for (const f of files) {
      const info = await state.kb.openFile(f, f.name);
      mig.files.push({ info });
    }
    await detect();
  });
}

async function detect() {
  const det = await state.kb.detectMigration({ fileIds: mig.files.map((f) => f.info.id), idField: $('mig-id-field').value.trim() });
  mig.sources = det.sources;
  for (const d of det.files) {
    const f = mig.files.find((x) => x.info.id === d.fileId);
    Object.assign(f, { source: d.source, entity: d.entity, confidence: d.confidence, candidates: d.candidates, ignored: d.ignored, detected: `${d.source}/${d.entity}` });
  }
  const name = (det.sources.find((s) => s.source === det.source) || {}).name || det.source;
  $('mig-source-note').textContent = det.source
    ? `These look like ${name} exports. Change the source or the kind of a file if it is wrong.`
    : 'No preset recognises these files: choose the source and the kind of each.';
  drawMigrationFiles();
  resetCheck();
  setMigState('migDetected', String(mig.files.length));
}

function drawMigrationFiles() {
  $('mig-files-box').hidden = mig.files.length === 0;
  $('mig-step-options').hidden = mig.files.length === 0;
  const rows = mig.files.map((f, i) => {
    const src = el('select', { 'aria-label': `Source of ${f.info.name}`, class: 'mig-source', 'data-file': f.info.name });
    src.append(el('option', { value: '', text: '— choose —' }));
    for (const s of mig.sources) src.append(el('option', { value: s.source, text: s.name, selected: s.source === f.source }));
    const kinds = ((mig.sources.find((s) => s.source === f.source) || {}).entities) || ['companies', 'contacts', 'leads', 'tasks'];
    const kind = el('select', { 'aria-label': `Kind of ${f.info.name}`, class: 'mig-kind', 'data-file': f.info.name });
    kind.append(el('option', { value: '', text: '— choose —' }));
    for (const k of kinds) kind.append(el('option', { value: k, text: k === 'leads' ? 'deals (leads)' : k, selected: k === f.entity }));
    src.addEventListener('change', () => { f.source = src.value; drawMigrationFiles(); resetCheck(); });
    kind.addEventListener('change', () => { f.entity = kind.value; drawMigrationFiles(); resetCheck(); });
    const overridden = f.detected !== `${f.source}/${f.entity}`;
    const pct = Math.round((f.confidence || 0) * 100);
    const level = pct >= 70 ? 'high' : pct >= 45 ? 'mid' : 'low';
    const guesses = (f.candidates || []).map((c) => `${c.source} ${c.entity} ${Math.round(c.confidence * 100)}%`).join(', ');
    const conf = overridden
      ? el('span', { class: 'conf', text: 'chosen by you' })
      : f.source
        ? el('span', { class: `conf ${level}`, title: guesses ? `best guesses: ${guesses}` : '' },
          el('meter', { min: 0, max: 100, low: 45, high: 70, optimum: 100, value: pct, 'aria-label': `confidence ${pct}%` }), ` ${pct}%`)
        : el('span', { class: 'conf low', text: 'not recognised' });
    const remove = el('button', { type: 'button', class: 'link', 'aria-label': `Remove ${f.info.name}`, text: 'Remove' });
    remove.addEventListener('click', () => {
      state.kb.closeFile(f.info.id);
      mig.files.splice(i, 1);
      drawMigrationFiles();
      resetCheck();
    });
    return el('tr', { 'data-file': f.info.name },
      el('th', { scope: 'row', text: f.info.name }), el('td', {}, src), el('td', {}, kind), el('td', {}, conf),
      el('td', { class: 'muted', text: (f.ignored || []).join(', ') || '—' }), el('td', {}, remove));
  });
  $('mig-files').querySelector('tbody').replaceChildren(...rows);
}

function resetCheck() {
  mig.check = null;
  for (const id of ['mig-unmatched-box', 'mig-missing-box', 'mig-dry-box', 'mig-step-run']) $(id).hidden = true;
  $('mig-check-summary').textContent = '';
  delete document.body.dataset.migStatus;
}

for (const id of ['mig-create-fields', 'mig-id-field', 'mig-region', 'mig-tz']) $(id).addEventListener('change', resetCheck);

// nonEmpty drops the table entries without a Kommo value.
const nonEmpty = (t) => Object.fromEntries(Object.entries(t).filter(([, v]) => v.trim() !== ''));

function migrationParams(extra = {}) {
  const p = {
    files: mig.files.map((f) => ({ fileId: f.info.id, source: f.source, entity: f.entity })),
    users: nonEmpty(mig.tables.users),
    pipelines: nonEmpty(mig.tables.pipelines),
    stages: nonEmpty(mig.tables.stages),
    createFields: $('mig-create-fields').checked,
    idField: $('mig-id-field').value.trim(),
    ...extra,
  };
  const region = $('mig-region').value.trim().toUpperCase();
  const tz = $('mig-tz').value.trim();
  if (region) p.region = region;
  if (tz) p.timeZone = tz;
  return p;
}

async function checkMigration() {
  delete document.body.dataset.migStatus;
  const missing = mig.files.filter((f) => !f.source || !f.entity).map((f) => f.info.name);
  if (missing.length) throw new Error(`Choose the source and the kind of ${missing.join(', ')}.`);
  $('mig-check-summary').textContent = 'Reading the files and looking everything up in the account…';
  const r = await state.kb.checkMigration(migrationParams());
  mig.check = r;
  // A new unmatched value starts empty: its closest names are offered, not
  // taken (nothing falls into a guess). What the user typed before stays.
  for (const [table, entries] of Object.entries(r.tables)) {
    for (const value of Object.keys(entries)) {
      if (!(value in mig.tables[table])) mig.tables[table][value] = '';
    }
  }
  drawCheck(r);
  setMigState('migStatus', r.status);
  return r;
}

function drawCheck(r) {
  const un = r.report.unmatched || [];
  const summary = {
    done: 'Every file, owner and stage matches: ready to migrate.',
    unmatched: `${un.length} source value${un.length === 1 ? '' : 's'} match nothing in the account. Nothing was written.`,
    missingFields: `The account lacks ${r.missingFields.length} custom field${r.missingFields.length === 1 ? '' : 's'} the files need.`,
  }[r.status] || `The check stopped: ${r.error}`;
  $('mig-check-summary').textContent = summary;
  $('mig-unmatched-box').hidden = un.length === 0;
  if (un.length) drawUnmatched(un);
  $('mig-missing-box').hidden = r.status !== 'missingFields';
  $('mig-missing').replaceChildren(...r.missingFields.map((f) => el('li', { text: `${f.entity}: “${f.name}” (${f.type}${f.options && f.options.length ? `: ${f.options.join(', ')}` : ''})` })));
  $('mig-dry-box').hidden = r.status !== 'done';
  if (r.status === 'done') {
    drawFileCounts($('mig-dry'), r.report, 'would be ');
  }
  $('mig-step-run').hidden = r.status !== 'done';
  $('mig-run-sample').textContent = `Migrate a sample of ${$('mig-sample').value || 20} deals`;
  if (un.length) $('mig-unmatched-heading').focus();
}

function fillDatalists() {
  const s = state.schema;
  if (!s) return;
  $('mig-users').replaceChildren(...s.users.map((u) => el('option', { value: u.name })));
  $('mig-pipelines').replaceChildren(...s.pipelines.map((p) => el('option', { value: p.name })));
  const stages = [];
  for (const p of s.pipelines) for (const st of p.stages) stages.push(el('option', { value: `${p.name}/${st.name}` }));
  stages.push(el('option', { value: 'won' }), el('option', { value: 'lost' }));
  $('mig-stages').replaceChildren(...stages);
}

function drawUnmatched(un) {
  fillDatalists();
  const seen = new Set();
  const rows = [];
  for (const u of un) {
    const table = KINDS[u.kind];
    const id = `${u.kind}\u0000${u.value}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const where = `${u.file}, column ${u.column}`;
    if (!table) {
      rows.push(el('tr', {}, el('td', { text: u.kind }), el('th', { scope: 'row', text: u.value }), el('td', { text: where }), el('td', { text: u.rows }),
        el('td', { class: 'muted', text: 'fix it in the file' }), el('td', { text: (u.closest || []).join(', ') })));
      continue;
    }
    const input = el('input', {
      value: mig.tables[table][u.value] || '', list: `mig-${table}`, 'data-kind': u.kind, 'data-value': u.value,
      'aria-label': `Kommo ${u.kind} for ${u.value}`, class: 'mig-match', size: 22,
    });
    input.addEventListener('input', () => { mig.tables[table][u.value] = input.value; });
    const chips = (u.closest || []).map((c) => {
      const b = el('button', { type: 'button', class: 'chip', text: c, 'aria-label': `Use ${c} for ${u.value}` });
      b.addEventListener('click', () => { input.value = c; mig.tables[table][u.value] = c; input.focus(); });
      return b;
    });
    rows.push(el('tr', { 'data-kind': u.kind, 'data-value': u.value },
      el('td', { text: u.kind }), el('th', { scope: 'row', text: u.value }), el('td', { class: 'muted', text: where }), el('td', { text: u.rows }),
      el('td', {}, input), el('td', {}, ...(chips.length ? chips : [el('span', { class: 'muted', text: 'nothing close' })]))));
  }
  $('mig-unmatched').querySelector('tbody').replaceChildren(...rows);
}

$('mig-check').addEventListener('click', () => busy($('mig-check'), checkMigration));
$('mig-recheck').addEventListener('click', () => busy($('mig-recheck'), checkMigration));
$('mig-unmatched').addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && ev.target.matches('input.mig-match')) { ev.preventDefault(); $('mig-recheck').click(); }
});
$('mig-sample').addEventListener('change', () => { $('mig-run-sample').textContent = `Migrate a sample of ${$('mig-sample').value || 20} deals`; });

function showMigrationProgress(p) {
  $('mig-progress-box').hidden = false;
  const bar = $('mig-progress');
  const parts = [];
  if (p.phase === 'checking') {
    bar.removeAttribute('value');
    parts.push('Reading the files and looking everything up…');
  } else {
    bar.max = Math.max(p.files, 1);
    const within = p.fileExpected > 0 ? Math.min(p.fileRows / p.fileExpected, 1) : 0;
    bar.value = p.phase === 'migrating' ? p.fileIndex - 1 + within : p.files;
    if (p.phase === 'migrating') parts.push(`File ${p.fileIndex} of ${p.files}: ${p.file} (${fmtInt(p.fileRows)}${p.fileExpected ? ' of ' + fmtInt(p.fileExpected) : ''} rows)`);
    parts.push(`${fmtInt(p.created)} created, ${fmtInt(p.updated)} updated, ${fmtInt(p.skipped)} skipped, ${fmtInt(p.failed)} errors`);
    if (p.phase === 'reporting') parts.push('writing the report and the result files…');
    if (p.phase === 'done') parts.push(`done in ${fmtDuration(p.elapsedMs)}`);
    if (p.paused) parts.push('paused');
  }
  $('mig-progress-text').textContent = parts.join(' · ');
}

function migRunning(on) {
  for (const id of ['mig-run-sample', 'mig-run-all', 'mig-check', 'mig-recheck']) $(id).disabled = on;
  $('mig-pause').hidden = !on;
  $('mig-cancel').hidden = !on;
  $('mig-pause').textContent = 'Pause';
}

async function runMigration(sample) {
  delete document.body.dataset.migRun;
  migRunning(true);
  const job = state.kb.runMigration(migrationParams(sample ? { sample } : {}), { onProgress: showMigrationProgress });
  mig.job = job;
  let r;
  try {
    r = await job.done;
  } finally {
    mig.job = null;
    migRunning(false);
  }
  mig.result = r;
  drawReport(r);
  // Fields may have been created: the import tab's lists read them.
  state.kb.schema().then((s) => { state.schema = s; }).catch(() => {});
  setMigState('migRun', `${sample ? 'sample' : 'all'}:${r.status}`);
}

$('mig-run-sample').addEventListener('click', () => busy(null, () => runMigration(Math.max(1, Number($('mig-sample').value) || 20))));
$('mig-run-all').addEventListener('click', () => busy(null, () => runMigration(0)));
$('mig-pause').addEventListener('click', async () => {
  if (!mig.job) return;
  const b = $('mig-pause');
  if (b.textContent === 'Pause') { await mig.job.pause(); b.textContent = 'Resume'; $('mig-progress-text').textContent += ' · paused'; }
  else { await mig.job.resume(); b.textContent = 'Pause'; }
});
$('mig-cancel').addEventListener('click', () => { if (mig.job) mig.job.cancel(); });

// ---- The report, drawn from its JSON ----

function grid(caption, headers, rows, numeric = []) {
  return el('div', { class: 'scroll' }, el('table', { class: 'grid' },
    el('caption', { class: 'sr-only', text: caption }),
    el('thead', {}, el('tr', {}, ...headers.map((h, i) => el('th', { scope: 'col', class: numeric.includes(i) ? 'n' : null, text: h })))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c, i) => el('td', { class: numeric.includes(i) ? 'n' : null, text: c ?? '' })))))));
}

function drawFileCounts(table, rep, verb) {
  const files = rep.files || [];
  table.replaceChildren(
    el('thead', {}, el('tr', {}, ...['File', 'Kind', 'Rows', `${verb}created`, `${verb}updated`, 'merged', 'skipped', 'with errors', verb ? 'would land' : 'landed', 'with warnings']
      .map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, ...files.map((f) => el('tr', { 'data-file': f.file }, el('th', { scope: 'row', text: f.file }),
      ...[f.entity, f.rows, f.created, f.updated, f.merged, f.skipped, f.failed].map((v) => el('td', { text: v })),
      el('td', { text: f.landed ?? '' }), el('td', { class: f.warned ? 'warn' : null, text: f.warned ?? '' })))),
  );
}

function drawReport(r) {
  const rep = r.report;
  const box = $('mig-report');
  const parts = [];
  const title = r.status === 'canceled' ? 'Migration canceled'
    : r.status !== 'done' ? `Migration stopped: ${r.error}`
      : r.sample ? `Sample of ${r.sample} migrated: check it in Kommo, then migrate everything` : 'Migration finished';
  $('mig-report-heading').textContent = title;
  const files = rep.files || [];
  if (files.length) {
    const t = el('table', { class: 'grid', id: 'mig-report-files' });
    drawFileCounts(t, rep, '');
    parts.push(el('h3', { text: 'Records' }), el('div', { class: 'scroll' }, t));
  }
  const section = (name, list, headers, row, numeric) => {
    if (list && list.length) parts.push(el('h3', { text: name }), grid(name, headers, list.map(row), numeric));
  };
  const warnings = files.flatMap((f) => (f.warnings || []).map((c) => ({ file: f.file, ...c })));
  if (warnings.length) {
    parts.push(el('h3', { text: 'Warnings' }), el('p', { class: 'muted', text: 'These rows landed, with the values below normalised, kept as written or left out, or without a link; the success files list them row by row.' }),
      el('ul', { class: 'causes', id: 'mig-report-warnings' }, ...warnings.map((c) => el('li', { class: 'warn', text: `${c.file}: ${c.summary}` }))));
  }
  section('Values that match nothing in Kommo', rep.unmatched, ['File', 'Column', 'Kind', 'Value', 'Rows', 'Closest'], (u) => [u.file, u.column, u.kind, u.value, u.rows, (u.closest || []).join(', ')], [4]);
  section(rep.dry_run ? 'Custom fields to create' : 'Custom fields created', rep.fields_created, ['Entity', 'Field', 'Type', 'Options'], (f) => [f.entity, f.name, f.type, (f.options || []).join(', ')]);
  section('Owners', rep.owners, ['Source value', 'Kommo', 'Matched by'], (m) => [m.value, m.to, m.by]);
  section('Stages', rep.stages, ['Source value', 'Kommo', 'Matched by'], (m) => [m.value, m.to, m.by]);
  section('Duplicates merged', rep.merges, ['File', 'Row', 'Key', 'Same', 'Written into'], (m) => [m.file, m.line, m.key, m.by, m.into], [1]);
  section('Rows not migrated', rep.skipped, ['File', 'Row', 'Key', 'Column', 'Reason'], (s) => [s.file, s.line, s.key, s.column, s.reason], [1]);
  section('Sample records', rep.records, ['File', 'Row', 'Key', 'Action', 'Kommo ids'], (x) => [x.file, x.line, x.key, x.action,
    Object.entries(x.ids || {}).map(([e, id]) => `${e} ${id}`).join(', ')], [1]);
  box.replaceChildren(...parts);
  const byExt = (ext) => r.reportFiles.find((f) => f.name.endsWith(ext));
  state.files.migMd = byExt('.md');
  state.files.migJson = byExt('.json');
  state.files.migHtml = byExt('.html');
  $('mig-result-files').replaceChildren(...r.resultFiles.map((f) => {
    const b = el('button', { type: 'button', class: 'mig-result-file', 'data-name': f.name, text: `${f.name} (${fmtInt(f.rows)} rows)` });
    b.addEventListener('click', () => saveFile(f));
    return b;
  }));
  $('mig-step-report').hidden = false;
  $('mig-report-heading').focus();
}
$('mig-report-md').addEventListener('click', () => state.files.migMd && saveFile(state.files.migMd));
$('mig-report-json').addEventListener('click', () => state.files.migJson && saveFile(state.files.migJson));
$('mig-report-html').addEventListener('click', () => state.files.migHtml && saveFile(state.files.migHtml));

start();
