// The kommo-bulk engine's Web Worker: it loads wasm_exec.js and the .wasm,
// which sets the kommoBulk global in this worker, and relays the calls of
// kommo-bulk.js to it. Files are parsed and validated here, so the page's
// main thread never waits on them. See kommo-bulk.d.ts for the protocol.
/* global Go, importScripts */
'use strict';

let api = null;
let memory = null; // the wasm module's linear memory
const jobs = new Map(); // call id → running import or migration job

function post(msg, transfer) {
  self.postMessage(msg, transfer || []);
}

// buffers lists the ArrayBuffers of the files in a result, to transfer
// them instead of copying.
function buffers(v) {
  const out = [];
  const add = (f) => { if (f && f.bytes instanceof Uint8Array) out.push(f.bytes.buffer); };
  if (v && typeof v === 'object') {
    add(v);
    add(v.successFile);
    add(v.errorsFile);
    for (const f of [...(v.reportFiles || []), ...(v.resultFiles || [])]) add(f);
  }
  return out;
}

// The job store: the Origin Private File System, directory
// kommo-bulk-jobs. The engine keeps there the journal of every import
// (written before and after each write request, flushed before the request
// is sent) and a finished job's result files. A file open for writing is a
// FileSystemSyncAccessHandle (synchronous write, flush and truncate: only
// a dedicated worker has them); the same name opened twice shares one
// handle. A job's writer holds a Web Lock named after its journal, which a
// closed tab or a killed browser releases, so two tabs never write one job.
// Null where the browser has no OPFS sync access (no journal is kept then).
async function openJobStore() {
  if (!(self.navigator && navigator.storage && navigator.storage.getDirectory) ||
      typeof FileSystemFileHandle === 'undefined' ||
      !('createSyncAccessHandle' in FileSystemFileHandle.prototype)) return null;
  let dir;
  try {
    dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('kommo-bulk-jobs', { create: true });
  } catch (err) {
    return null;
  }
  const open = new Map(); // name → Promise<{h, refs, closed}>
  async function acquire(name) {
    for (;;) {
      let p = open.get(name);
      if (!p) {
        p = (async () => {
          const fh = await dir.getFileHandle(name, { create: true });
          return { h: await fh.createSyncAccessHandle(), refs: 0, closed: false };
        })();
        open.set(name, p);
        p.catch(() => open.delete(name));
      }
      const o = await p;
      if (o.closed) continue;
      o.refs++;
      return o;
    }
  }
  function release(name, o) {
    if (--o.refs > 0) return;
    o.closed = true;
    o.h.close();
    open.delete(name);
  }
  async function readOpen(name) {
    const p = open.get(name);
    if (!p) return null;
    const o = await p.catch(() => null);
    if (!o || o.closed) return null;
    const buf = new Uint8Array(o.h.getSize());
    o.h.read(buf, { at: 0 });
    return buf;
  }
  return {
    async open(name) {
      const o = await acquire(name);
      let closed = false;
      return {
        write(bytes) { o.h.write(bytes, { at: o.h.getSize() }); },
        flush() { o.h.flush(); },
        truncate(n) { o.h.truncate(n); },
        close() { if (!closed) { closed = true; release(name, o); } },
      };
    },
    async readFile(name) {
      const mine = await readOpen(name);
      if (mine) return mine;
      let fh;
      try {
        fh = await dir.getFileHandle(name);
      } catch (err) {
        if (err && err.name === 'NotFoundError') return null;
        throw err;
      }
      return new Uint8Array(await (await fh.getFile()).arrayBuffer());
    },
    async remove(name) {
      try {
        await dir.removeEntry(name);
        return true;
      } catch (err) {
        if (err && err.name === 'NotFoundError') return false;
        throw err;
      }
    },
    async list() {
      const names = [];
      for await (const [name, h] of dir.entries()) if (h.kind === 'file') names.push(name);
      return names;
    },
    lock(name) {
      if (!(self.navigator && navigator.locks)) return Promise.resolve({ release() {} });
      return new Promise((resolve, reject) => {
        navigator.locks.request('kommo-bulk-job:' + name, { ifAvailable: true }, (lock) => {
          if (!lock) { resolve(null); return undefined; }
          return new Promise((done) => resolve({ release: () => done() }));
        }).catch(reject);
      });
    },
  };
}

async function init(msg) {
  importScripts(msg.wasmExecURL);
  const go = new Go();
  let instance;
  const resp = fetch(msg.wasmURL);
  try {
    ({ instance } = await WebAssembly.instantiateStreaming(resp, go.importObject));
  } catch (err) {
    // A server that does not say application/wasm: compile from bytes.
    const r = await fetch(msg.wasmURL);
    if (!r.ok) throw new Error(`load ${msg.wasmURL}: HTTP ${r.status}`);
    ({ instance } = await WebAssembly.instantiate(await r.arrayBuffer(), go.importObject));
  }
  memory = instance.exports.mem;
  go.run(instance).then(() => post({ type: 'exit' }));
  // main() has set the global before run's first await.
  api = self.kommoBulk;
  if (!api) throw new Error('the wasm module did not set kommoBulk');
  await api.configure(msg.config);
  let journal = false;
  if (msg.journal !== false) {
    const store = await openJobStore();
    if (store) journal = await api.setJobStore(store);
  }
  return { version: api.version(), journal };
}

async function call(msg) {
  const { id, method, args } = msg;
  switch (method) {
    case 'runImport': {
      const [fileId, spec, params] = args;
      const job = api.runImport(fileId, spec, params, (p) => post({ id, type: 'progress', data: p }));
      jobs.set(id, job);
      try {
        return await job.done;
      } finally {
        jobs.delete(id);
      }
    }
    case 'resumeJob': {
      const [journal, file] = args;
      const job = api.resumeJob(journal, file, (p) => post({ id, type: 'progress', data: p }));
      jobs.set(id, job);
      try {
        return await job.done;
      } finally {
        jobs.delete(id);
      }
    }
    case 'runMigration': {
      const job = api.runMigration(args[0], (p) => post({ id, type: 'progress', data: p }));
      jobs.set(id, job);
      try {
        return await job.done;
      } finally {
        jobs.delete(id);
      }
    }
    case 'jobControl': {
      const [callId, action] = args;
      const job = jobs.get(callId);
      if (job && ['pause', 'resume', 'cancel'].includes(action)) job[action]();
      return !!job;
    }
    case 'openFile':
    case 'validate':
      // The last argument of both is the progress callback.
      return api[method](...args.slice(0, 3), (p) => post({ id, type: 'progress', data: p }));
    case 'export':
      return api.export(args[0], (p) => post({ id, type: 'progress', data: p }));
    case 'ping':
      return Date.now();
    case 'memory':
      return memory ? memory.buffer.byteLength : 0;
    default:
      if (typeof api[method] !== 'function') throw new Error(`kommoBulk has no method ${method}`);
      return api[method](...args);
  }
}

self.onmessage = async (ev) => {
  const msg = ev.data;
  try {
    const result = msg.type === 'init' ? await init(msg) : await call(msg);
    post({ id: msg.id, type: 'result', result }, buffers(result));
  } catch (err) {
    post({ id: msg.id, type: 'error', error: (err && err.message) || String(err) });
  }
};
