// The page's languages. The catalogs are the JSON files of the Go package
// i18n (i18n/locales), copied to web/locales by "go generate ./web" and
// kept equal to them by web's tests: one source for the page, the engine's
// messages and the reports. This module picks the language (a choice
// remembered in localStorage, else the browser's navigator.languages),
// renders messages by code with their {placeholders} and plural forms,
// and formats numbers, sizes, dates and durations with Intl.

export const LANGUAGES = ['en', 'es', 'pt-BR', 'ru'];
const STORE = 'kommo-bulk:lang';
const catalogs = {};
let current = 'en';

/** The first of tags that names a catalog's language ("es-MX" → es, "pt" → pt-BR), or en. */
export function negotiate(tags) {
  for (const tag of tags || []) {
    const primary = String(tag).trim().replace(/[.@].*$/, '').replace(/_/g, '-').toLowerCase().split('-')[0];
    if (primary === 'pt') return 'pt-BR';
    if (['en', 'es', 'ru'].includes(primary)) return primary;
  }
  return 'en';
}

/** The language a page should start in: the one chosen before, or the browser's. */
export function preferred() {
  let saved = null;
  try { saved = localStorage.getItem(STORE); } catch { /* storage off */ }
  if (saved && LANGUAGES.includes(saved)) return saved;
  return negotiate(navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language]);
}

async function fetchCatalog(lang) {
  if (!catalogs[lang]) {
    const r = await fetch(new URL(`locales/${lang}.json`, import.meta.url));
    if (!r.ok) throw new Error(`locales/${lang}.json: HTTP ${r.status}`);
    catalogs[lang] = await r.json();
  }
  return catalogs[lang];
}

/** Loads the catalogs of langs. */
export const loadCatalogs = (langs) => Promise.all(langs.map(fetchCatalog));

/** Loads lang's catalog (and English, the fallback) and makes it current. */
export async function setLanguage(lang, remember = false) {
  if (!LANGUAGES.includes(lang)) lang = negotiate([lang]);
  await Promise.all([fetchCatalog('en'), fetchCatalog(lang)]);
  current = lang;
  document.documentElement.lang = lang;
  if (remember) {
    try { localStorage.setItem(STORE, lang); } catch { /* storage off */ }
  }
  return lang;
}

export const language = () => current;

/** A loaded catalog (English when lang's is not loaded). */
export const catalog = (lang) => catalogs[lang] || catalogs.en || {};

/** The CLDR plural category of the whole number n, as i18n.PluralCategory. */
export function pluralCategory(lang, n) {
  n = Math.abs(Math.trunc(Number(n) || 0));
  if (lang === 'ru') {
    const d = n % 10;
    const dd = n % 100;
    if (d === 1 && dd !== 11) return 'one';
    if (d >= 2 && d <= 4 && (dd < 12 || dd > 14)) return 'few';
    return 'many';
  }
  if (lang === 'pt-BR') return n <= 1 ? 'one' : 'other';
  return n === 1 ? 'one' : 'other';
}

/**
 * The message code in the current language, its {placeholders} filled
 * from params: numbers are formatted for the language, and params.count
 * chooses the plural form. A code the language lacks falls back to
 * English, and a code no catalog has is returned as it is.
 */
export function t(code, params = {}) {
  let lang = current;
  let m = catalog(lang)[code];
  if (m === undefined) { lang = 'en'; m = catalog('en')[code]; }
  if (m === undefined) return code;
  if (typeof m === 'object') m = m[pluralCategory(lang, params.count)] ?? m.other;
  return m.replace(/\{([a-z_]+)\}/g, (all, name) => {
    if (!(name in params)) return all;
    const v = params[name];
    if (typeof v === 'number') return fmtInt(v);
    if (name === 'count' && /^-?\d+$/.test(v)) return fmtInt(Number(v));
    return String(v ?? '');
  });
}

/** Engine messages ({code, params}, as i18n.Msg) rendered and joined as the engine's English reads. */
export const msgs = (list) => (list || []).map((m) => t(m.code, m.params || {})).join(': ');

/** Translates the static page: data-i18n (text) and data-i18n-<attribute>. */
export function translate(root = document) {
  for (const e of root.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const attr of ['aria-label', 'placeholder', 'title']) {
    const data = `data-i18n-${attr}`;
    for (const e of root.querySelectorAll(`[${data}]`)) e.setAttribute(attr, t(e.getAttribute(data)));
  }
}

// ---- Formats, by Intl ----

export const fmtInt = (n) => new Intl.NumberFormat(current).format(n);
export const fmtDecimal = (n, digits = 1) => new Intl.NumberFormat(current, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(n);
export const fmtPercent = (fraction) => new Intl.NumberFormat(current, { style: 'percent', maximumFractionDigits: 0 }).format(fraction);
const unit = (n, u, digits = 0) => new Intl.NumberFormat(current, { style: 'unit', unit: u, unitDisplay: 'short', maximumFractionDigits: digits }).format(n);
export const fmtBytes = (n) => (n < 1024 ? unit(n, 'byte') : n < 1 << 20 ? unit(n / 1024, 'kilobyte', 1) : unit(n / (1 << 20), 'megabyte', 1));
export const fmtDateTime = (d) => new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short' }).format(d);

/** A duration in ms as the language writes it: "1 min, 5 sec", "1 мин 5 с". */
export function fmtDuration(ms) {
  const s = Math.round(ms / 1000);
  if (s === 0) return unit(0, 'second');
  const parts = s < 60 ? { seconds: s } : s < 3600 ? { minutes: Math.floor(s / 60), seconds: s % 60 } : { hours: Math.floor(s / 3600), minutes: Math.floor(s / 60) % 60 };
  if (typeof Intl.DurationFormat === 'function') return new Intl.DurationFormat(current, { style: 'short' }).format(parts);
  const names = { hours: 'hour', minutes: 'minute', seconds: 'second' };
  return Object.entries(parts).map(([k, v]) => unit(v, names[k])).join(' ');
}

/** A list as the language joins it: "a, b and c", "a, b y c". */
export const fmtList = (items, type = 'conjunction') => new Intl.ListFormat(current, { style: 'long', type }).format(items.map(String));
