// kommo-bulk in the browser: an ES module that runs the kommo-bulk engine
// (Go compiled to WebAssembly) in a Web Worker and drives it with
// Promises. Any page can import it and bring its own UI:
//
//   import { load, saveFile } from '/kommo-bulk.js';
//   const kb = await load();                       // same-origin proxy of "kommo-bulk serve"
//   const file = await kb.openFile(input.files[0]);
//   const proposal = await kb.propose(file.id, 'contacts');
//   const check = await kb.validate(file.id, proposal.spec);
//   const job = kb.runImport(file.id, proposal.spec, { mode: 'upsert' }, { onProgress: console.log });
//   const result = await job.done;
//   saveFile(result.successFile);
//
// Types are in kommo-bulk.d.ts beside this file.

const here = new URL('.', import.meta.url);

/**
 * Starts the engine and resolves when it is ready.
 * @param {import('./kommo-bulk').LoadOptions} [options]
 * @returns {Promise<KommoBulk>}
 */
export async function load(options = {}) {
  const workerURL = options.workerURL || new URL('kommo-bulk-worker.js', here).href;
  const wasmURL = new URL(options.wasmURL || new URL('dist/kommo-bulk.wasm', here), location.href).href;
  const wasmExecURL = new URL(options.wasmExecURL || new URL('dist/wasm_exec.js', here), location.href).href;
  const baseURL = options.baseURL || new URL('kommo', location.origin + '/').href;
  const config = { baseURL };
  if (options.token) config.token = options.token;
  if (options.rate !== undefined) config.rate = options.rate;
  if (options.timeoutMs) config.timeoutMs = options.timeoutMs;
  const kb = new KommoBulk(new Worker(workerURL));
  const ready = await kb._send({ type: 'init', wasmURL, wasmExecURL, config, journal: options.journal !== false });
  kb.version = ready.version;
  kb.journal = !!ready.journal;
  return kb;
}

/** The engine, running in its worker. Every method returns a Promise. */
export class KommoBulk {
  constructor(worker) {
    this._worker = worker;
    this._next = 1;
    this._pending = new Map();
    this.version = '';
    this.journal = false;
    worker.onmessage = (ev) => this._receive(ev.data);
    worker.onerror = (ev) => {
      const err = new Error(`kommo-bulk worker: ${ev.message || 'failed to start'}`);
      for (const p of this._pending.values()) p.reject(err);
      this._pending.clear();
    };
  }

  _send(msg, transfer, onProgress) {
    const id = this._next++;
    return new Promise((resolve, reject) => {
      this._pending.set(id, { resolve, reject, onProgress });
      this._worker.postMessage({ ...msg, id }, transfer || []);
    });
  }

  _call(method, args, transfer, onProgress) {
    return this._send({ type: 'call', method, args }, transfer, onProgress);
  }

  _receive(msg) {
    const p = this._pending.get(msg.id);
    if (!p) return;
    if (msg.type === 'progress') {
      if (p.onProgress) p.onProgress(msg.data);
      return;
    }
    this._pending.delete(msg.id);
    if (msg.type === 'error') p.reject(new Error(msg.error));
    else p.resolve(msg.result);
  }

  /** Sets the account URL, token and rate (load does it once). */
  configure(config) { return this._call('configure', [config]); }

  /** The account's fields per entity, users, pipelines and task types. */
  schema() { return this._call('schema', []); }

  /**
   * Opens a CSV or XLSX file: a File or Blob, or its bytes with a name.
   * A Blob goes to the worker as it is (no copy): the engine reads a CSV
   * in slices on each pass, and a workbook once, in chunks.
   * handlers.onProgress gets {phase: 'load', read, total} while a
   * workbook is read in.
   */
  async openFile(file, name, options, handlers) {
    let transfer = [];
    if (typeof Blob !== 'undefined' && file instanceof Blob) {
      if (typeof name === 'object' && name !== null) { handlers = options; options = name; name = undefined; }
      name = name || file.name || 'upload.csv';
    } else if (file instanceof ArrayBuffer) {
      file = new Uint8Array(file.slice(0));
      transfer = [file.buffer];
    } else if (!(file instanceof Uint8Array)) {
      // (a Uint8Array is copied by postMessage; the caller keeps its array)
      throw new TypeError('openFile wants a File, Blob, ArrayBuffer or Uint8Array');
    }
    return this._call('openFile', [file, name || 'upload.csv', options || {}], transfer, handlers && handlers.onProgress);
  }

  /** Forgets an opened file. */
  closeFile(fileId) { return this._call('closeFile', [fileId]); }

  /** Proposes a mapping of the file's columns to fields of entity. */
  propose(fileId, entity) { return this._call('propose', [fileId, entity]); }

  /**
   * Maps every row and reports the bad ones with their values.
   * handlers.onProgress gets {phase: 'parse', read, total} as the file is
   * read (bytes of a CSV, uncompressed bytes of an XLSX sheet).
   */
  validate(fileId, spec, options, handlers = {}) {
    return this._call('validate', [fileId, spec, options || {}], [], handlers.onProgress);
  }

  /** Replaces one cell (row number, column name) for every later pass. */
  setCell(fileId, row, column, value) { return this._call('setCell', [fileId, row, column, String(value)]); }

  /** The rows that fail validation, as a file in the input's format. */
  errorsFile(fileId, spec) { return this._call('errorsFile', [fileId, spec]); }

  /** A spec (object or text) as YAML, to save. */
  specToYAML(spec) { return this._call('specToYAML', [spec]); }

  /** A saved spec (YAML or JSON text) as an object. */
  parseSpec(text) { return this._call('parseSpec', [text]); }

  /**
   * Starts an import (or a dry run with params.dryRun). Returns at once a
   * job whose done Promise resolves with the result and its files.
   */
  runImport(fileId, spec, params, handlers = {}) {
    const id = this._next; // the id _send is about to use
    const done = this._call('runImport', [fileId, spec, params || {}], [], handlers.onProgress);
    const control = (action) => this._call('jobControl', [id, action]);
    return {
      done,
      pause: () => control('pause'),
      resume: () => control('resume'),
      cancel: () => control('cancel'),
    };
  }

  /**
   * The jobs whose journals the browser keeps (this page's imports, and
   * journals added with importJournal), newest first. A job that did not
   * finish (the tab was closed) is continued with resumeJob.
   */
  jobs() { return this._call('jobs', []); }

  /**
   * Continues a stopped job: file must be its input file again (checked by
   * size and hash). The writes whose answers never came are read back, the
   * rows done are not written again. Returns a job like runImport's.
   */
  resumeJob(journal, file, handlers = {}) {
    const id = this._next; // the id _send is about to use
    const done = this._call('resumeJob', [journal, file], [], handlers.onProgress);
    const control = (action) => this._call('jobControl', [id, action]);
    return {
      done,
      pause: () => control('pause'),
      resume: () => control('resume'),
      cancel: () => control('cancel'),
    };
  }

  /** Undoes a job: updated records get their old values, created ones are tagged. */
  undoJob(journal) { return this._call('undoJob', [journal]); }

  /** A kept file (a journal or a result file) with its bytes, to save. */
  jobFile(name) { return this._call('jobFile', [name]); }

  /** Deletes a job's journal and result files. */
  removeJob(journal) { return this._call('removeJob', [journal]); }

  /** Adds a journal (the CLI's, say) to the history. */
  async importJournal(file, name) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    return this._call('importJournal', [name || file.name || 'imported.journal', bytes], [bytes.buffer]);
  }

  /** Usage and quota of this origin's storage, and whether it is persistent. */
  async storage() {
    const s = (typeof navigator !== 'undefined' && navigator.storage) || null;
    if (!s || !s.estimate) return { persisted: false, usage: 0, quota: 0 };
    const [est, persisted] = await Promise.all([s.estimate(), s.persisted ? s.persisted() : false]);
    return { persisted: !!persisted, usage: est.usage || 0, quota: est.quota || 0 };
  }

  /** Asks the browser to keep this origin's storage (the journals) under pressure. */
  async persist() {
    const s = (typeof navigator !== 'undefined' && navigator.storage) || null;
    if (!s || !s.persist) return false;
    try { return await s.persist(); } catch (err) { return false; }
  }

  /**
   * Classifies opened files as exports of another CRM: the source and
   * kind of each, with a confidence and the best guesses.
   */
  detectMigration(params) { return this._call('detectMigration', [params]); }

  /**
   * A dry run of a migration: values that match nothing (with the tables
   * to fill in), fields to create, and what would be written.
   */
  checkMigration(params) { return this._call('checkMigration', [params]); }

  /**
   * Starts a migration (a sample with params.sample). Returns at once a
   * job whose done Promise resolves with the result, its report and its
   * result files.
   */
  runMigration(params, handlers = {}) {
    const id = this._next; // the id _send is about to use
    const done = this._call('runMigration', [params], [], handlers.onProgress);
    const control = (action) => this._call('jobControl', [id, action]);
    return {
      done,
      pause: () => control('pause'),
      resume: () => control('resume'),
      cancel: () => control('cancel'),
    };
  }

  /** Exports a dataset of the account to XLSX or CSV bytes. */
  export(params, handlers = {}) { return this._call('export', [params], [], handlers.onProgress); }

  /** Resolves with the worker's clock: a round trip through the worker. */
  ping() { return this._call('ping', []); }

  /**
   * The size in bytes of the engine's WebAssembly memory: what the engine
   * holds at most so far (wasm memory grows and never shrinks).
   */
  memory() { return this._call('memory', []); }

  /** Stops the worker; the object is unusable afterwards. */
  terminate() {
    this._worker.terminate();
    const err = new Error('kommo-bulk: terminated');
    for (const p of this._pending.values()) p.reject(err);
    this._pending.clear();
  }
}

/** Offers a file made by the engine as a download. */
export function saveFile(file) {
  const url = URL.createObjectURL(new Blob([file.bytes], { type: file.type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
