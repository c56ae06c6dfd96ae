// The kommo-bulk page: one client of kommo-bulk.js like any other. The
// engine runs in a Web Worker; this file only keeps the page's state and
// draws it. Every string it shows comes from the catalogs (i18n.js), in
// the language picked; the engine's messages come as codes and
// parameters, and the file's own data is shown as it is.
import { load, saveFile } from './kommo-bulk.js';
import {
  LANGUAGES, t, msgs, translate, language, setLanguage, preferred, catalog, loadCatalogs,
  fmtInt, fmtDecimal, fmtPercent, fmtBytes, fmtDateTime, fmtDuration, fmtList,
} from './i18n.js';

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

// ---- Languages ----
//
// A view is a drawing of part of the page from the state: drawn once
// when the state changes, and again when the language does.

const views = new Map();
function view(name, draw) {
  views.set(name, draw);
  draw();
}
const forget = (...names) => { for (const n of names) views.delete(n); };

// engineText is an engine message in the page's language: in English the
// engine's own text (the most detailed), in another language the text
// rendered from its codes and parameters.
const engineText = (english, list) => (language() === 'en' && english ? english : (list && list.length ? msgs(list) : english || ''));

// causeText renders a summary line by cause ("Phone: 1 row left out (no
// digits in it)") from its codes, as i18n.RenderCause does.
function causeText(c) {
  if (language() === 'en' && (c.text || c.summary)) return c.text || c.summary;
  const outcome = t(c.error ? 'cause.failed' : `cause.${c.action}`, { count: c.rows });
  const hint = msgs(c.hintMsgs);
  return c.column ? t('cause.line', { column: c.column, outcome, hint }) : t('cause.line.no_column', { outcome, hint });
}

const entityName = (e) => t(`ui.entity.${e}`);

function drawLanguages() {
  const sel = $('lang');
  sel.replaceChildren(...LANGUAGES.map((l) => el('option', { value: l, lang: l, text: catalog(l)['language.name'] || l, selected: l === language() })));
}

async function switchLanguage(lang) {
  await setLanguage(lang, true);
  translate();
  drawLanguages();
  for (const draw of views.values()) draw();
  document.body.dataset.lang = language();
}
$('lang').addEventListener('change', () => switchLanguage($('lang').value).catch(fail));

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
  // Every catalog (a few kB each) names its language for the switcher.
  await loadCatalogs(LANGUAGES);
  await setLanguage(preferred());
  translate();
  drawLanguages();
  document.body.dataset.lang = language();
  view('account', () => { $('account').textContent = t('ui.connecting'); });
  view('engine', () => { $('engine').textContent = t('ui.engine.loading'); });
  fetch('serve.json').then((r) => (r.ok ? r.json() : null)).then((info) => {
    view('account', () => {
      $('account').textContent = !info ? '' : info.emulator ? t('ui.account.emulator') : t('ui.account', { account: info.account });
    });
    if (info && !info.wasm) view('engine', () => { $('engine').textContent = t('ui.engine.missing'); });
  }).catch(() => { view('account', () => { $('account').textContent = ''; }); });

  try {
    state.kb = await load();
  } catch (err) {
    view('engine', () => { $('engine').textContent = t('ui.engine.failed', { error: err.message }); });
    return;
  }
  engineReady();
  state.kb.schema().then((s) => { state.schema = s; fillExportFilters(); }).catch(fail);
  if (state.kb.journal) state.kb.persist().catch(() => false).finally(() => refreshJobs().catch(fail));
  else refreshJobs().catch(fail);
  document.body.dataset.ready = 'true';
}

const engineReady = () => view('engine', () => { $('engine').textContent = t('ui.engine.ready', { version: state.kb.version }); });

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
    view('engine', () => { $('engine').textContent = t('ui.reading_file', { file: file.name }); });
    if (state.file) state.kb.closeFile(state.file.id);
    // A workbook is copied into the engine once (a CSV is read in slices).
    const onProgress = (p) => { view('engine', () => { $('engine').textContent = t('ui.reading_file.progress', { file: file.name, percent: percent(p) }); }); };
    try {
      state.file = await state.kb.openFile(file, file.name, options, { onProgress });
    } finally {
      engineReady();
    }
    showFile();
    if (!options.sheet) $('entity').value = guessEntity(file.name);
    await propose();
  });
}

function showFile() {
  const f = state.file;
  $('file-info').hidden = false;
  $('file-name').textContent = f.name;
  const sheets = f.sheets || [];
  $('sheet-label').hidden = sheets.length === 0;
  $('sheet').replaceChildren(...sheets.map((s) => el('option', { value: s, text: s, selected: s === f.sheet })));
  view('file', () => {
    const meta = t('ui.file.meta', { format: f.format.toUpperCase(), size: fmtBytes(f.size), count: f.header.length });
    const save = f.needsSave ? engineText(f.needsSave, f.needsSaveMsg ? [f.needsSaveMsg] : null) : '';
    $('file-meta').textContent = meta + (save ? `. ${save}` : '');
    $('preview').replaceChildren(
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('ui.col.row') }), ...f.header.map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, ...f.preview.map((r) => el('tr', {}, el('th', { scope: 'row', text: fmtInt(r.row) }), ...f.header.map((_, i) => el('td', { text: r.values[i] ?? '' }))))),
    );
  });
  for (const id of ['step-check', 'step-run']) $(id).hidden = true;
  resetResults();
}

$('sheet').addEventListener('change', () => { if (blob) openFile(blob, { sheet: $('sheet').value }); });
$('entity').addEventListener('change', () => { if (state.file) busy(null, propose); });

function resetResults() {
  state.validation = null;
  forget('check', 'dry', 'result', 'progress');
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
    mapNote('ui.map.saved', { date: () => fmtDateTime(new Date(saved.saved)) });
  } else {
    state.spec = structuredClone(state.proposal.spec);
    const sure = state.proposal.columns.filter((c) => c.field && c.confidence >= 0.9).length;
    mapNote('ui.map.suggested', { sure, count: state.file.header.length });
  }
  if (state.spec.match && $('mode').value === 'create') $('mode').value = 'upsert';
  drawMapping();
  $('step-map').hidden = false;
  $('step-check').hidden = false;
  $('step-run').hidden = false;
  resetResults();
  document.body.dataset.mapped = 'true';
}

// mapNote says where the mapping comes from; a parameter that is a
// function is computed at each drawing (a date in the language's format).
function mapNote(code, params = {}) {
  view('map-note', () => {
    const p = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'function' ? v() : v]));
    $('map-note').textContent = t(code, p);
  });
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

const drawMapping = () => view('mapping', drawMappingTable);

// fieldLabel is a field as a person reads it: a standard field by its
// name in the page's language, a custom field by the account's name.
const fieldLabel = (f) => (f.standard ? t(`ui.field.${f.field}`) : f.name);

function drawMappingTable() {
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
    const select = el('select', { 'aria-label': t('ui.map.field_label', { column: h }), 'data-column': h });
    select.append(el('option', { value: optValue({ kind: 'none' }), text: t('ui.map.none') }));
    select.append(el('option', { value: optValue({ kind: 'key' }), text: t('ui.map.key') }));
    for (const ref of ['companies', 'contacts', 'leads']) {
      if (ref !== entity) select.append(el('option', { value: optValue({ kind: 'ref', entity: ref }), text: t(`ui.map.ref.${ref}`) }));
    }
    let found = cur.kind !== 'field';
    for (const g of groups) {
      const og = el('optgroup', { label: g.ent === entity ? t('ui.map.group.own', { entity: entityName(entity) }) : t('ui.map.group.related', { entity: entityName(g.ent) }) });
      for (const f of g.fields) {
        const ent = g.ent === entity ? '' : g.ent;
        const enums = f.enums && f.enums.length ? f.enums : [''];
        for (const en of enums) {
          const v = { kind: 'field', entity: ent, field: f.field, enum: en };
          const label = `${fieldLabel(f)}${en ? ` (${en})` : ''}${f.standard ? '' : ` ·${t('ui.map.custom')}`}`;
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
    const refEntity = prop.reason === 'ref' ? (state.proposal.refs.find((r) => r.column === h) || {}).entity : '';
    const link = prop.reason === 'key' ? t('ui.map.looks_key')
      : prop.reason === 'ref' ? (refEntity ? t('ui.map.looks_ref', { entity: entityName(refEntity) }) : t('ui.map.looks_ref.other')) : '';
    const reason = prop.reason ? t(`ui.match.${prop.reason}`) : '';
    const propField = prop.field ? fieldLabel({ ...(fieldInfo({ entity: prop.entity || entity, field: prop.field }) || { field: prop.field, name: prop.field }) }) : '';
    const conf = link ? el('span', { class: 'conf link', text: link })
      : prop.field
      ? el('span', { class: `conf ${level}`, title: reason ? t('ui.map.matched_by', { reason }) : '' },
        el('meter', { min: 0, max: 100, low: 60, high: 90, optimum: 100, value: pct, 'aria-label': t('ui.map.confidence', { percent: fmtPercent(pct / 100) }) }),
        ` ${fmtPercent(pct / 100)} `, el('span', { class: 'muted', text: reason }),
        el('span', { class: 'muted', text: ` → ${prop.entity && prop.entity !== entity ? entityName(prop.entity) + '.' : ''}${propField}` }))
      : el('span', { class: 'muted', text: t('ui.map.no_match') });
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
    ['', t(lenient ? 'ui.policy.default_warn' : 'ui.policy.default_fail')],
    ['error', t('ui.policy.error')],
    ...(f && f.keepable ? [['keep', t('ui.policy.keep')]] : []),
    ['drop', t('ui.policy.drop')],
  ];
  const sel = el('select', { class: 'policy', 'aria-label': t('ui.policy.label', { column }), 'data-column': column },
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
  mapNote('ui.map.accepted');
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
  mapNote('ui.map.loaded', { file: f.name });
  resetResults();
}));

// ---- 3. Check ----

const percent = (p) => fmtPercent(p.total ? Math.floor((100 * p.read) / p.total) / 100 : 1);

// showRead shows how far a pass over the file has got: the bytes of a CSV
// or of an XLSX sheet read so far.
function showRead(p) {
  $('read-box').hidden = false;
  $('read-progress').value = p.total ? p.read / p.total : 1;
  $('read-text').textContent = t('ui.check.reading', { percent: percent(p), read: fmtBytes(p.read), total: fmtBytes(p.total) });
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
  $('errors-file').hidden = v.bad === 0;
  view('check', () => {
    const cols = Object.entries(v.byColumn).map(([c, n]) => `${c || t('ui.check.row_level')}: ${fmtInt(n)}`).join(', ');
    const warned = v.warned ? ` ${t('ui.check.warned', { count: v.warned })}` : '';
    $('check-summary').textContent = (v.bad === 0
      ? t('ui.check.all_ready', { count: v.rows })
      : t('ui.check.summary', { count: v.rows, good: v.good, bad: v.bad, columns: cols })) + warned;
    drawCauses($('check-causes'), v.causes, v.regions);
    drawChecked($('warn'), $('warn-grid'), v.warnRows, v.warned, 'warn');
    drawBad(v);
  });
  document.body.dataset.checked = String(v.bad);
  document.body.dataset.warned = String(v.warned);
  return v;
}

// drawCauses lists warnings and errors grouped by cause ("Phone: 137 rows
// kept as written (no country code: …)") and where phones without a
// country code were read.
function drawCauses(list, causes, regions) {
  const items = (causes || []).map((c) => el('li', { class: c.error ? 'error' : 'warn', text: causeText(c) }));
  if (regions && regions.length) {
    const list = regions.map((r) => t('ui.region.item', { region: r.region, from: regionFrom(r), count: r.rows })).join(', ');
    items.push(el('li', { text: t('ui.region.line', { list }) }));
  }
  list.replaceChildren(...items);
  list.hidden = items.length === 0;
}

// regionFrom says where a region came from: "the mapping’s region", "the
// row’s country column “Country”".
const regionFrom = (r) => `${t(`ui.region.${r.from}`)}${r.column ? ` “${r.column}”` : ''}`;

// drawChecked draws rows with their cells marked: the warnings' cells in
// amber (the rows land), the errors' in red with an input to fix them.
function drawChecked(box, grid, rows, total, kind) {
  box.hidden = !rows || rows.length === 0;
  if (box.hidden) return;
  const header = state.file.header;
  const thead = el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('ui.col.row') }), ...header.map((h) => el('th', { scope: 'col', text: h })), el('th', { scope: 'col', text: t(kind === 'warn' ? 'ui.check.what_done' : 'ui.check.problem') })));
  const message = (e) => engineText(e.message, e.msgs);
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
        id, value, 'aria-invalid': kind === 'warn' ? undefined : 'true', 'aria-describedby': `${id}-msg`, 'aria-label': t('ui.check.cell_label', { row: br.row, column: h }),
        'data-row': br.row, 'data-column': h, class: 'fix',
      });
      return el('td', { class: kind === 'warn' ? 'warn' : 'bad', 'data-code': e.code }, input, el('span', { id: `${id}-msg`, class: 'msg', text: message(e) }));
    });
    const problems = (kind === 'warn' ? br.warnings : br.errors).map((e) => `${e.column ? e.column + ': ' : ''}${message(e)}`).join('; ');
    body.append(el('tr', {}, el('th', { scope: 'row', text: fmtInt(br.row) }), ...cells, el('td', { class: kind === 'warn' ? 'msg warn-msg' : 'msg', text: problems })));
  }
  grid.replaceChildren(thead, body);
  if (total > rows.length) {
    grid.append(el('caption', { text: t(kind === 'warn' ? 'ui.check.first_warn' : 'ui.check.first_bad', { shown: rows.length, count: total }) }));
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
  toast(inputs.length ? `${t('ui.check.cells_fixed', { count: inputs.length })}; ${t('ui.check.still_bad', { count: v.bad })}` : t('ui.check.nothing_changed'));
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

// counts lists an import's counts; dry says "to be created".
function counts(list, r, dry) {
  const would = dry ? '.dry' : '';
  const items = [
    [t(`ui.count.created${would}`, { count: r.created }), 'create'],
    [t(`ui.count.updated${would}`, { count: r.updated }), 'update'],
    [t(`ui.count.skipped${would}`, { count: r.skipped }), 'skip'],
    [t('ui.count.failed', { count: r.failed }), 'error'],
  ];
  if (r.warned) items.push([t('ui.count.warned', { count: r.warned }), 'warn']);
  if (r.pending) items.push([t('ui.count.pending', { count: r.pending }), 'pending']);
  // The notes of the spec's notes:, written after the rows' records.
  const n = r.notesWritten;
  if (n) items.push([t(`ui.count.notes${would}`, { count: n.created }), 'create']);
  if (n && n.failed) items.push([t('ui.count.notes_failed', { count: n.failed }), 'error']);
  list.replaceChildren(...items.map(([t, c]) => el('li', { class: c, text: t })));
}

function importParams(dryRun) {
  return { mode: $('mode').value, dryRun };
}

// progressCounts is a run's counts so far: "3 created, 0 updated, 0
// skipped, 0 errors".
const progressCounts = (p) => t('ui.progress.counts', { created: p.created, updated: p.updated, skipped: p.skipped, failed: p.failed });
// rowsOf is "6 of 6 rows", or "6 rows" when the total is unknown.
const rowsOf = (rows, expected) => (expected ? t('ui.progress.rows_of', { rows, count: expected }) : t('ui.progress.rows', { count: rows }));

const showProgress = (p) => view('progress', () => drawProgress(p));
function drawProgress(p) {
  const box = $('progress-box');
  box.hidden = false;
  const bar = $('progress');
  if (p.expected > 0) { bar.max = p.expected; bar.value = p.rows; } else bar.removeAttribute('value');
  const parts = [];
  if (p.phase === 'validating') parts.push(t('ui.progress.counting'));
  else {
    parts.push(rowsOf(p.rows, p.expected));
    parts.push(progressCounts(p));
    if (p.rate > 0) parts.push(t('ui.progress.rate', { rate: fmtDecimal(p.rate) }));
    if (p.etaMs > 0) parts.push(t('ui.progress.eta', { duration: fmtDuration(p.etaMs) }));
    if (p.paused || (state.job && state.job.paused)) parts.push(t('ui.progress.paused'));
    if (p.phase === 'writing') parts.push(t('ui.progress.writing'));
  }
  $('progress-text').textContent = parts.join(' · ');
}

function running(on) {
  $('run').disabled = on;
  $('dry-run').disabled = on;
  $('validate').disabled = on;
  $('pause').hidden = !on;
  $('cancel').hidden = !on;
  pauseButton($('pause'), false);
}

// pauseButton shows Pause or Resume (data-paused says which).
function pauseButton(b, paused) {
  b.dataset.paused = String(paused);
  b.dataset.i18n = paused ? 'ui.resume' : 'ui.pause';
  b.textContent = t(b.dataset.i18n);
}

async function runJob(dryRun) {
  running(true);
  $('result').hidden = true;
  if (dryRun) $('dry').hidden = true;
  const job = state.kb.runImport(state.file.id, state.spec, importParams(dryRun), { onProgress: showProgress });
  job.dry = dryRun;
  state.job = job;
  try {
    const r = await job.done;
    remember();
    return r;
  } finally {
    state.job = null;
    running(false);
    if (!dryRun) refreshJobs().catch(fail);
  }
}

$('dry-run').addEventListener('click', () => busy(null, async () => {
  const r = await runJob(true);
  $('progress-box').hidden = true;
  $('dry').hidden = false;
  view('dry', () => {
    counts($('dry-counts'), r, true);
    drawCauses($('dry-causes'), r.warnings, null);
    $('dry-details').replaceChildren(
      el('thead', {}, el('tr', {}, ...['ui.col.row', 'ui.col.action', 'ui.col.kommo_id', 'ui.col.details'].map((h) => el('th', { scope: 'col', text: t(h) })))),
      el('tbody', {}, ...r.details.slice(0, 100).map((d) => el('tr', { class: d.action },
        el('th', { scope: 'row', text: fmtInt(d.row) }), el('td', { text: t(`ui.action.${d.action}`) }),
        el('td', { text: Object.values(d.ids).join(', ') }),
        el('td', { class: d.warnings ? 'warn-msg' : undefined, text: detailText(d) })))),
    );
  });
  state.files.dry = r.successFile;
  $('dry-heading').focus();
  document.body.dataset.dryRun = 'done';
}));
// detailText is what a dry run says of a row: its error, or its changes
// and warnings.
function detailText(d) {
  const withColumn = (m) => `${m.column ? m.column + ': ' : ''}${msgs(m.msgs)}`;
  if (d.error) return language() === 'en' || !d.errorMsgs ? d.error : d.errorMsgs.map(withColumn).join('; ');
  const warnings = (d.warnings || []).map((w, i) => {
    const m = (d.warningMsgs || [])[i];
    return language() === 'en' || !m ? w : withColumn(m);
  });
  return [...(d.changes || []), ...warnings].join('; ');
}

$('dry-file').addEventListener('click', () => state.files.dry && saveFile(state.files.dry));

$('run').addEventListener('click', () => busy(null, async () => showResult(await runJob(false))));

// showResult shows the result of an import (run or resumed).
function showResult(r) {
  $('result').hidden = false;
  $('result-journal').hidden = !state.kb.journal;
  view('result', () => {
    $('result-heading').textContent = r.canceled ? t('ui.result.canceled') : r.error ? t('ui.result.stopped', { error: r.error }) : t('ui.result.finished');
    counts($('result-counts'), r, false);
    drawCauses($('result-causes'), r.warnings, null);
  });
  state.files.success = r.successFile;
  state.files.errors = r.errorsFile;
  $('result-errors-file').hidden = !r.errorsFile;
  $('result-heading').focus();
  document.body.dataset.imported = String(r.created + r.updated);
}
$('success-file').addEventListener('click', () => state.files.success && saveFile(state.files.success));
$('result-errors-file').addEventListener('click', () => state.files.errors && saveFile(state.files.errors));

$('pause').addEventListener('click', async () => {
  if (!state.job) return;
  const b = $('pause');
  if (b.dataset.paused !== 'true') { await state.job.pause(); state.job.paused = true; pauseButton(b, true); $('progress-text').textContent += ` · ${t('ui.progress.paused')}`; }
  else { await state.job.resume(); state.job.paused = false; pauseButton(b, false); }
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
    view('export', () => { $('export-status').textContent = t('ui.export.running'); });
    const f = await state.kb.export({ entity: $('export-entity').value, format, filter, timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone }, {
      onProgress: (p) => { view('export', () => { $('export-status').textContent = t('ui.export.progress', { count: p.rows, pages: p.pages }); }); },
    });
    state.files.export = f;
    view('export', () => { $('export-status').textContent = t('ui.export.done', { count: f.rows, file: f.name, size: fmtBytes(f.bytes.length) }); });
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
  view('mig-source', () => { $('mig-source-note').textContent = det.source ? t('ui.mig.looks_like', { source: name }) : t('ui.mig.no_preset'); });
  drawMigrationFiles();
  resetCheck();
  setMigState('migDetected', String(mig.files.length));
}

const drawMigrationFiles = () => view('mig-files', drawMigrationFilesNow);
function drawMigrationFilesNow() {
  $('mig-files-box').hidden = mig.files.length === 0;
  $('mig-step-options').hidden = mig.files.length === 0;
  const rows = mig.files.map((f, i) => {
    const src = el('select', { 'aria-label': t('ui.mig.source_label', { file: f.info.name }), class: 'mig-source', 'data-file': f.info.name });
    src.append(el('option', { value: '', text: t('ui.mig.choose') }));
    for (const s of mig.sources) src.append(el('option', { value: s.source, text: s.name, selected: s.source === f.source }));
    const kinds = ((mig.sources.find((s) => s.source === f.source) || {}).entities) || ['companies', 'contacts', 'leads', 'tasks'];
    const kind = el('select', { 'aria-label': t('ui.mig.kind_label', { file: f.info.name }), class: 'mig-kind', 'data-file': f.info.name });
    kind.append(el('option', { value: '', text: t('ui.mig.choose') }));
    for (const k of kinds) kind.append(el('option', { value: k, text: k === 'leads' ? t('ui.mig.kind.leads') : entityName(k), selected: k === f.entity }));
    src.addEventListener('change', () => { f.source = src.value; drawMigrationFiles(); resetCheck(); });
    kind.addEventListener('change', () => { f.entity = kind.value; drawMigrationFiles(); resetCheck(); });
    const overridden = f.detected !== `${f.source}/${f.entity}`;
    const pct = Math.round((f.confidence || 0) * 100);
    const level = pct >= 70 ? 'high' : pct >= 45 ? 'mid' : 'low';
    const sourceName = (s) => (mig.sources.find((x) => x.source === s) || {}).name || s;
    const guesses = (f.candidates || []).map((c) => `${sourceName(c.source)} ${entityName(c.entity)} ${fmtPercent(c.confidence)}`).join(', ');
    const conf = overridden
      ? el('span', { class: 'conf', text: t('ui.mig.chosen') })
      : f.source
        ? el('span', { class: `conf ${level}`, title: guesses ? t('ui.mig.guesses', { list: guesses }) : '' },
          el('meter', { min: 0, max: 100, low: 45, high: 70, optimum: 100, value: pct, 'aria-label': t('ui.map.confidence', { percent: fmtPercent(pct / 100) }) }), ` ${fmtPercent(pct / 100)}`)
        : el('span', { class: 'conf low', text: t('ui.mig.not_recognised') });
    const remove = el('button', { type: 'button', class: 'link', 'aria-label': t('ui.mig.remove_label', { file: f.info.name }), text: t('ui.mig.remove') });
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

for (const id of ['mig-create-fields', 'mig-id-field', 'mig-region', 'mig-tz', 'mig-overdue']) $(id).addEventListener('change', resetCheck);

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
    overdueTasks: $('mig-overdue').value,
    lang: language(),
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
  if (missing.length) throw new Error(t('ui.mig.choose_missing', { files: fmtList(missing) }));
  view('mig-check', () => { $('mig-check-summary').textContent = t('ui.mig.checking'); });
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
  view('mig-check', () => {
    $('mig-check-summary').textContent = {
      done: () => t('ui.mig.ready'),
      unmatched: () => t('ui.mig.unmatched', { count: un.length }),
      missingFields: () => t('ui.mig.missing_fields', { count: r.missingFields.length }),
    }[r.status]?.() ?? t('ui.mig.check_stopped', { error: r.error });
    $('mig-missing').replaceChildren(...r.missingFields.map((f) => el('li', { text: `${entityName(f.entity)}: “${f.name}” (${f.type}${f.options && f.options.length ? `: ${f.options.join(', ')}` : ''})` })));
    if (r.status === 'done') drawFileCounts($('mig-dry'), r.report, true);
    sampleButton();
  });
  $('mig-unmatched-box').hidden = un.length === 0;
  if (un.length) view('mig-unmatched', () => drawUnmatched(un));
  $('mig-missing-box').hidden = r.status !== 'missingFields';
  $('mig-dry-box').hidden = r.status !== 'done';
  $('mig-step-run').hidden = r.status !== 'done';
  if (un.length) $('mig-unmatched-heading').focus();
}

const sampleButton = () => { $('mig-run-sample').textContent = t('ui.mig.run_sample_n', { count: Number($('mig-sample').value) || 20 }); };

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
    const where = t('ui.mig.where', { file: u.file, column: u.column });
    const kind = kindName(u.kind);
    if (!table) {
      rows.push(el('tr', {}, el('td', { text: kind }), el('th', { scope: 'row', text: u.value }), el('td', { text: where }), el('td', { text: fmtInt(u.rows) }),
        el('td', { class: 'muted', text: t('ui.mig.fix_in_file') }), el('td', { text: (u.closest || []).join(', ') })));
      continue;
    }
    const input = el('input', {
      value: mig.tables[table][u.value] || '', list: `mig-${table}`, 'data-kind': u.kind, 'data-value': u.value,
      'aria-label': t('ui.mig.match_label', { kind, value: u.value }), class: 'mig-match', size: 22,
    });
    input.addEventListener('input', () => { mig.tables[table][u.value] = input.value; });
    const chips = (u.closest || []).map((c) => {
      const b = el('button', { type: 'button', class: 'chip', text: c, 'aria-label': t('ui.mig.use_label', { name: c, value: u.value }) });
      b.addEventListener('click', () => { input.value = c; mig.tables[table][u.value] = c; input.focus(); });
      return b;
    });
    rows.push(el('tr', { 'data-kind': u.kind, 'data-value': u.value },
      el('td', { text: kind }), el('th', { scope: 'row', text: u.value }), el('td', { class: 'muted', text: where }), el('td', { text: fmtInt(u.rows) }),
      el('td', {}, input), el('td', {}, ...(chips.length ? chips : [el('span', { class: 'muted', text: t('ui.mig.nothing_close') })]))));
  }
  $('mig-unmatched').querySelector('tbody').replaceChildren(...rows);
}

$('mig-check').addEventListener('click', () => busy($('mig-check'), checkMigration));
$('mig-recheck').addEventListener('click', () => busy($('mig-recheck'), checkMigration));
$('mig-unmatched').addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && ev.target.matches('input.mig-match')) { ev.preventDefault(); $('mig-recheck').click(); }
});
$('mig-sample').addEventListener('change', sampleButton);

const showMigrationProgress = (p) => view('mig-progress', () => drawMigrationProgress(p));
function drawMigrationProgress(p) {
  $('mig-progress-box').hidden = false;
  const bar = $('mig-progress');
  const parts = [];
  if (p.phase === 'checking') {
    bar.removeAttribute('value');
    parts.push(t('ui.mig.progress.checking'));
  } else {
    bar.max = Math.max(p.files, 1);
    const within = p.fileExpected > 0 ? Math.min(p.fileRows / p.fileExpected, 1) : 0;
    bar.value = p.phase === 'migrating' ? p.fileIndex - 1 + within : p.files;
    if (p.phase === 'migrating') parts.push(t('ui.mig.progress.file', { index: p.fileIndex, count: p.files, file: p.file, rows: rowsOf(p.fileRows, p.fileExpected) }));
    parts.push(progressCounts(p));
    if (p.phase === 'reporting') parts.push(t('ui.mig.progress.reporting'));
    if (p.phase === 'done') parts.push(t('ui.mig.progress.done', { duration: fmtDuration(p.elapsedMs) }));
    if (p.paused || (mig.job && mig.job.paused)) parts.push(t('ui.progress.paused'));
  }
  $('mig-progress-text').textContent = parts.join(' · ');
}

function migRunning(on) {
  for (const id of ['mig-run-sample', 'mig-run-all', 'mig-check', 'mig-recheck']) $(id).disabled = on;
  $('mig-pause').hidden = !on;
  $('mig-cancel').hidden = !on;
  pauseButton($('mig-pause'), false);
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
  if (b.dataset.paused !== 'true') { await mig.job.pause(); mig.job.paused = true; pauseButton(b, true); $('mig-progress-text').textContent += ` · ${t('ui.progress.paused')}`; }
  else { await mig.job.resume(); mig.job.paused = false; pauseButton(b, false); }
});
$('mig-cancel').addEventListener('click', () => { if (mig.job) mig.job.cancel(); });

// ---- The report, drawn from its JSON ----

// kindName is the kind of an unmatched value: user, pipeline, stage, ...
const kindName = (k) => t(`ui.kind.${k.replace(/ /g, '_')}`);

// grid is a report table; headers are codes of the catalogs.
function grid(caption, headers, rows, numeric = []) {
  return el('div', { class: 'scroll' }, el('table', { class: 'grid' },
    el('caption', { class: 'sr-only', text: caption }),
    el('thead', {}, el('tr', {}, ...headers.map((h, i) => el('th', { scope: 'col', class: numeric.includes(i) ? 'n' : null, text: t(h) })))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c, i) => el('td', { class: numeric.includes(i) ? 'n' : null, text: c ?? '' })))))));
}

// drawFileCounts is a migration's counts per file; dry says "would be
// created".
function drawFileCounts(table, rep, dry) {
  const files = rep.files || [];
  const would = dry ? '.dry' : '';
  const num = (v) => (v === undefined || v === null ? '' : fmtInt(v));
  table.replaceChildren(
    el('thead', {}, el('tr', {}, ...['report.col.file', 'ui.col.kind', 'report.col.rows', `ui.mig.col.created${would}`, `ui.mig.col.updated${would}`, 'ui.mig.col.merged',
      'ui.mig.col.skipped', 'ui.mig.col.failed', `ui.mig.col.landed${would}`, 'ui.mig.col.warned']
      .map((h) => el('th', { scope: 'col', text: t(h) })))),
    el('tbody', {}, ...files.map((f) => el('tr', { 'data-file': f.file }, el('th', { scope: 'row', text: f.file }),
      el('td', { text: entityName(f.entity) }), ...[f.rows, f.created, f.updated, f.merged, f.skipped, f.failed].map((v) => el('td', { text: num(v) })),
      el('td', { text: num(f.landed) }), el('td', { class: f.warned ? 'warn' : null, text: num(f.warned) })))),
  );
}

function drawReport(r) {
  view('mig-report', () => drawReportNow(r));
  $('mig-step-report').hidden = false;
  $('mig-report-heading').focus();
}

function drawReportNow(r) {
  const rep = r.report;
  const box = $('mig-report');
  const parts = [];
  const title = r.status === 'canceled' ? t('ui.mig.report.canceled')
    : r.status !== 'done' ? t('ui.mig.report.stopped', { error: r.error })
      : r.sample ? t('ui.mig.report.sample', { count: r.sample }) : t('ui.mig.report.finished');
  $('mig-report-heading').textContent = title;
  const files = rep.files || [];
  if (files.length) {
    const tbl = el('table', { class: 'grid', id: 'mig-report-files' });
    drawFileCounts(tbl, rep, false);
    parts.push(el('h3', { text: t('report.records') }), el('div', { class: 'scroll' }, tbl));
  }
  const section = (name, list, headers, row, numeric) => {
    if (list && list.length) parts.push(el('h3', { text: name }), grid(name, headers, list.map(row), numeric));
  };
  // The causes as the engine gave them, with their codes (r.warnings), or
  // as the report's JSON has them.
  const warnings = r.warnings && r.warnings.length ? r.warnings.flatMap((f) => f.causes.map((c) => ({ file: f.file, ...c })))
    : files.flatMap((f) => (f.warnings || []).map((c) => ({ file: f.file, ...c })));
  if (warnings.length) {
    parts.push(el('h3', { text: t('report.warnings') }), el('p', { class: 'muted', text: t('report.warnings.note') }),
      el('ul', { class: 'causes', id: 'mig-report-warnings' }, ...warnings.map((c) => el('li', { class: 'warn', text: `${c.file}: ${causeText(c)}` }))));
  }
  const by = (b) => t(`report.by.${b}`);
  const action = (a) => t(`ui.action.${a}`);
  const n = (v) => fmtInt(v);
  section(t('report.unmatched'), rep.unmatched, ['report.col.file', 'report.col.column', 'report.col.kind', 'report.col.value', 'report.col.rows', 'report.col.closest'],
    (u) => [u.file, u.column, kindName(u.kind), u.value, n(u.rows), (u.closest || []).join(', ')], [4]);
  section(t(rep.dry_run ? 'report.fields.to_create' : 'report.fields.created'), rep.fields_created, ['report.col.entity', 'report.col.field', 'report.col.type', 'report.col.options'],
    (f) => [entityName(f.entity), f.name, f.type, (f.options || []).join(', ')]);
  section(t('report.owners'), rep.owners, ['report.col.source_value', 'report.col.kommo', 'report.col.matched_by'], (m) => [m.value, m.to, by(m.by)]);
  section(t('report.stages'), rep.stages, ['report.col.source_value', 'report.col.kommo', 'report.col.matched_by'], (m) => [m.value, m.to, by(m.by)]);
  section(t('report.merges'), rep.merges, ['report.col.file', 'report.col.row', 'report.col.key', 'report.col.same', 'report.col.into'], (m) => [m.file, n(m.line), m.key, m.by, m.into], [1]);
  section(t('report.skipped'), rep.skipped, ['report.col.file', 'report.col.row', 'report.col.key', 'report.col.column', 'report.col.reason'], (s) => [s.file, n(s.line), s.key, s.column, s.reason], [1]);
  section(t('report.notes'), files.filter((f) => f.notes), ['report.col.file', 'report.col.written', 'report.col.existing', 'report.col.failed'],
    (f) => [f.file, n(f.notes.written), n(f.notes.existing), n(f.notes.failed)], [1, 2, 3]);
  section(t('report.attachments'), rep.attachments, ['report.col.file', 'report.col.row', 'report.col.column', 'report.col.name'], (a) => [a.file, n(a.line), a.column, a.name], [1]);
  section(t('report.sample'), rep.records, ['report.col.file', 'report.col.row', 'report.col.key', 'report.col.action', 'report.col.ids'], (x) => [x.file, n(x.line), x.key, action(x.action),
    Object.entries(x.ids || {}).map(([e, id]) => `${t(`ui.entity.one.${e}`)} ${id}`).join(', ')], [1]);
  box.replaceChildren(...parts);
  const byExt = (ext) => r.reportFiles.find((f) => f.name.endsWith(ext));
  state.files.migMd = byExt('.md');
  state.files.migJson = byExt('.json');
  state.files.migHtml = byExt('.html');
  $('mig-result-files').replaceChildren(...r.resultFiles.map((f) => {
    const b = el('button', { type: 'button', class: 'mig-result-file', 'data-name': f.name, text: t('ui.mig.result_file', { file: f.name, count: f.rows }) });
    b.addEventListener('click', () => saveFile(f));
    return b;
  }));
}
$('mig-report-md').addEventListener('click', () => state.files.migMd && saveFile(state.files.migMd));
$('mig-report-json').addEventListener('click', () => state.files.migJson && saveFile(state.files.migJson));
$('mig-report-html').addEventListener('click', () => state.files.migHtml && saveFile(state.files.migHtml));
// ---- Journals: continue, history, undo ----
//
// Every import keeps its journal in the browser (the engine's worker, in
// the Origin Private File System): a tab closed mid-import leaves a job
// the page offers to continue when it opens again, with the same file.

// Leaving the page mid-import asks first: the journal makes it safe to
// come back, but the import stops until then.
window.addEventListener('beforeunload', (ev) => {
  if (state.job && !state.job.dry) {
    ev.preventDefault();
    ev.returnValue = '';
  }
});

const baseName = (p) => String(p || '').split(/[\\/]/).pop();
const when = (unix) => fmtDateTime(new Date(unix * 1000));

async function refreshJobs() {
  if (!state.kb || !state.kb.journal) {
    state.jobs = [];
    view('history', drawHistory);
    return;
  }
  const [jobs, storage] = await Promise.all([state.kb.jobs(), state.kb.storage()]);
  state.jobs = jobs;
  state.storage = storage;
  view('resume', drawResume);
  view('history', drawHistory);
  document.body.dataset.jobs = String(jobs.length);
  document.body.dataset.unfinished = String(jobs.filter((j) => !j.finished && !j.running && !j.error).length);
}

function drawResume() {
  const open = (state.jobs || []).filter((j) => !j.finished && !j.running && !j.error);
  $('resume-box').hidden = open.length === 0;
  $('resume-list').replaceChildren(...open.map((j) => {
    const li = el('li', { 'data-journal': j.journal },
      el('span', { text: `${t('ui.resume.item', { file: baseName(j.file), time: when(j.started) })} · ${progressCounts(j)}` }));
    if (j.resumable) {
      li.append(' ', el('button', { type: 'button', class: 'resume', 'data-journal': j.journal, text: t('ui.resume.continue'), onclick: () => chooseResume(j) }));
    } else {
      li.append(' ', el('span', { class: 'muted', text: t('ui.resume.cli') }));
    }
    return li;
  }));
}

let resumeTarget = null;
function chooseResume(j) {
  resumeTarget = j;
  $('resume-input').click();
}
$('resume-input').addEventListener('change', (ev) => {
  const f = ev.target.files[0];
  ev.target.value = '';
  const j = resumeTarget;
  if (f && j) busy(null, () => resumeJob(j, f));
});

async function resumeJob(j, f) {
  const wrong = () => t('ui.resume.wrong_file', { file: f.name, want: baseName(j.file), size: fmtBytes(j.size || 0) });
  if (j.size && f.size !== j.size) throw new Error(wrong());
  $('step-run').hidden = false;
  running(true);
  $('result').hidden = true;
  $('progress-text').textContent = t('ui.resume.resuming', { file: baseName(j.file) });
  $('progress-box').hidden = false;
  const job = state.kb.resumeJob(j.journal, f, { onProgress: showProgress });
  job.dry = false;
  state.job = job;
  document.body.dataset.resuming = j.journal;
  try {
    showResult(await job.done);
  } catch (err) {
    if (/not the file the job started with/.test(err.message)) throw new Error(wrong());
    if (/is in use by/.test(err.message)) throw new Error(t('ui.resume.in_use'));
    throw err;
  } finally {
    state.job = null;
    running(false);
    delete document.body.dataset.resuming;
    await refreshJobs();
  }
}

function jobStatus(j) {
  if (j.running) return t('ui.history.running');
  if (j.undoneAt) return t('ui.history.undone', { time: when(j.undoneAt) });
  return t(j.finished ? 'ui.history.finished' : 'ui.history.stopped');
}

function drawHistory() {
  const jobs = state.jobs || [];
  const on = state.kb && state.kb.journal;
  const st = state.storage;
  if (on && st) {
    const kept = jobs.reduce((n, j) => n + (j.bytes || 0), 0);
    $('history-storage').textContent = `${t('ui.history.storage', { size: fmtBytes(kept), usage: fmtBytes(st.usage), quota: fmtBytes(st.quota) })} ${t(st.persisted ? 'ui.history.persisted' : 'ui.history.not_persisted')}`;
  } else $('history-storage').textContent = '';
  $('history-empty').hidden = jobs.length > 0;
  $('history-empty').textContent = on ? t('ui.history.empty') : t('ui.history.none');
  $('history-clear').disabled = !jobs.some((j) => j.finished && !j.running);
  $('history').querySelector('tbody').replaceChildren(...jobs.map((j) => {
    const actions = el('td', { class: 'actions' });
    for (const f of j.files || []) actions.append(el('button', { type: 'button', class: 'job-file', 'data-name': f.name, text: f.label, onclick: () => busy(null, async () => saveFile(await state.kb.jobFile(f.name))) }), ' ');
    actions.append(el('button', { type: 'button', class: 'job-journal', text: t('ui.history.journal'), onclick: () => busy(null, async () => saveFile(await state.kb.jobFile(j.journal))) }), ' ');
    if (!j.running && !j.error) actions.append(el('button', { type: 'button', class: 'job-undo', text: t('ui.history.undo'), onclick: (ev) => undoJob(ev.target, j) }), ' ');
    if (!j.running) actions.append(el('button', { type: 'button', class: 'job-remove', text: t('ui.history.remove'), onclick: (ev) => removeJob(ev.target, j) }));
    return el('tr', { 'data-journal': j.journal, 'data-finished': String(j.finished), 'data-undone': String(!!j.undoneAt) },
      el('th', { scope: 'row', text: j.error ? `${baseName(j.journal)}: ${j.error}` : baseName(j.file) }),
      el('td', { text: j.started ? when(j.started) : '' }),
      el('td', { text: j.account || '' }),
      el('td', { text: j.entity ? entityName(j.entity) : '' }),
      el('td', { text: j.error ? '' : `${progressCounts(j)} · ${jobStatus(j)}` }),
      actions);
  }));
}

function undoJob(button, j) {
  if (!window.confirm(t('ui.history.undo_confirm', { file: baseName(j.file), tag: `kommo-bulk undo ${j.id}` }))) return;
  busy(button, async () => {
    const u = await state.kb.undoJob(j.journal);
    const created = Object.values(u.created || {}).reduce((n, ids) => n + ids.length, 0);
    toast(t('ui.history.undo_done', { restored: fmtInt(u.restored), created: fmtInt(created), tag: u.tag, kept: fmtInt(u.kept.length) }));
    document.body.dataset.undone = j.journal;
    await refreshJobs();
  });
}

function removeJob(button, j) {
  if (!window.confirm(t('ui.history.remove_confirm', { file: baseName(j.file || j.journal) }))) return;
  busy(button, async () => { await state.kb.removeJob(j.journal); await refreshJobs(); });
}

$('history-clear').addEventListener('click', (ev) => busy(ev.target, async () => {
  for (const j of state.jobs || []) if (j.finished && !j.running) await state.kb.removeJob(j.journal);
  await refreshJobs();
}));

$('journal-input').addEventListener('change', (ev) => {
  const f = ev.target.files[0];
  ev.target.value = '';
  if (f) {
    busy(null, async () => {
      await state.kb.importJournal(f);
      toast(t('ui.history.added', { file: f.name }));
      await refreshJobs();
    });
  }
});

$('tab-history').addEventListener('click', () => refreshJobs().catch(fail));

start();
