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
  return { version: api.version() };
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
