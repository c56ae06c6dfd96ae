// The embedding example: about thirty lines of a host page's own code
// around kommo-bulk.js.
import { load, saveFile } from '../kommo-bulk.js';

const status = document.getElementById('status');
const log = document.getElementById('log');
const save = document.getElementById('save');
const say = (line) => { log.textContent += line + '\n'; };

const kb = await load(); // the engine in a worker, talking to this origin's /kommo proxy
status.textContent = `Engine ${kb.version} ready.`;
document.body.dataset.ready = 'true';

document.getElementById('file').addEventListener('change', async (ev) => {
  const file = await kb.openFile(ev.target.files[0]);
  say(`${file.name}: ${file.header.length} columns`);
  const proposal = await kb.propose(file.id, 'companies');
  for (const c of proposal.columns) say(`  ${c.column} → ${c.field || '(not imported)'} ${Math.round(c.confidence * 100)}%`);
  const check = await kb.validate(file.id, proposal.spec);
  say(`${check.rows} rows, ${check.bad} with errors`);
  const job = kb.runImport(file.id, proposal.spec, { mode: 'upsert' }, {
    onProgress: (p) => { status.textContent = `${p.phase}: ${p.rows}/${p.expected} rows`; },
  });
  const result = await job.done;
  say(`created ${result.created}, updated ${result.updated}, failed ${result.failed}`);
  status.textContent = 'Done.';
  save.hidden = false;
  save.onclick = () => saveFile(result.successFile);
  document.body.dataset.done = 'true';
});
