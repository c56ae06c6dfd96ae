// Types of kommo-bulk in the browser.
//
// kommo-bulk.js (an ES module) runs the engine in a Web Worker and exposes
// it as the KommoBulk class below; inside the worker, the WebAssembly module
// sets one global, kommoBulk (KommoBulkWasm), which the worker drives. The
// DTOs are the JSON of the Go structs in engine/dto.go.

/** Options of load(). */
export interface LoadOptions {
  /** Account URL; default: this page's origin + "/kommo" (serve's proxy). */
  baseURL?: string;
  /** Bearer token, for a base URL that needs one. Behind serve's proxy leave it unset: the token stays on the server. */
  token?: string;
  /** Requests per second; default 7 (Kommo's limit); negative: no limit. */
  rate?: number;
  /** One request's timeout in ms (default 60000). */
  timeoutMs?: number;
  /** Where the worker, the .wasm and wasm_exec.js are; default beside kommo-bulk.js. */
  workerURL?: string;
  wasmURL?: string;
  wasmExecURL?: string;
  /** Keep a journal of every import in the Origin Private File System (default true where the browser has it). */
  journal?: boolean;
}

/** Starts the engine in a worker and resolves when it is ready. */
export function load(options?: LoadOptions): Promise<KommoBulk>;

/** Offers a file made by the engine as a download. */
export function saveFile(file: FileBytes): void;

export type Entity = 'leads' | 'contacts' | 'companies' | 'tasks';
export type ExportEntity = Entity | 'events' | 'pipelines' | 'fields';
export type Mode = 'create' | 'update' | 'upsert' | 'skip-existing';

/** A mapping spec: the object form of the YAML spec (see docs/mapping.md), or its text. */
export type Spec = MappingSpec | string;

export interface MappingSpec {
  entity: Entity;
  key?: string;
  match?: string | Partial<Record<Entity, string>>;
  options?: {
    /** ISO country of phones without a country code; without it, each row's country column, then the account's country. */
    region?: string;
    /** The column holding each row's country (default found by name: Country, Country/Region, MailingCountry, ...); "none" for none. */
    country_column?: string;
    /** on_invalid of every column that does not set its own. */
    on_invalid?: OnInvalid;
    time_zone?: string;
    date_layouts?: string[];
    date_serial?: string;
    locale?: string;
    separator?: string;
    name_order?: string;
  };
  columns?: ColumnSpec[];
  join?: Array<{ columns: string[]; separator?: string } & Target>;
  constants?: Array<{ value: string } & Target>;
  /** A key that names no record costs the row that link only (a ref_not_found warning), unless required. */
  refs?: Array<{ column: string; entity: Entity; required?: boolean }>;
}

/**
 * What happens to a value that does not validate: the row fails
 * ("error"), the value is sent as written ("keep": PHONE, EMAIL and text
 * fields), or it is left out ("drop"); the row lands with a warning.
 * Unset: the field's default (phones and e-mails land, other fields fail).
 */
export type OnInvalid = 'error' | 'keep' | 'drop';

export interface Target {
  entity?: Entity;
  field: string;
  enum?: string;
  transforms?: string[];
  map?: Record<string, string>;
  default?: string;
  clear_if_empty?: boolean;
  required?: boolean;
  on_invalid?: OnInvalid;
}

export interface ColumnSpec extends Target {
  column: string;
}

export interface OpenOptions {
  /** XLSX worksheet (default the first). */
  sheet?: string;
  /** CSV encoding (default detected). */
  encoding?: string;
  /** CSV delimiter (default detected among , ; tab |). */
  delimiter?: string;
  /** Rows in FileInfo.preview (default 20). */
  previewRows?: number;
}

export interface FileInfo {
  id: number;
  name: string;
  format: 'csv' | 'xlsx';
  size: number;
  sheets: string[] | null;
  sheet: string;
  delimiter?: string;
  header: string[];
  preview: Array<{ row: number; values: string[] }>;
  /** Formula cells saved without values (they read as empty), and the fix: save the file in Excel or LibreOffice first. */
  needsSave?: string;
  /** needsSave as a message of the catalogs. */
  needsSaveMsg?: Msg;
}

/**
 * A message of the catalogs (web/locales, the Go package i18n's) by code,
 * with its parameters: the engine's messages come so, beside their
 * English text, to be rendered in the page's language.
 */
export interface Msg {
  /** "error.phone_invalid", "reason.phone_invalid.too_short.cc", "action.left_out", ... */
  code: string;
  /** {placeholder} values: "value", "name", "closest", "country_code", "count", ... */
  params?: Record<string, string>;
}

export interface FieldInfo {
  /** As written in a spec. */
  field: string;
  name: string;
  id?: number;
  type: string;
  standard: boolean;
  /** PHONE/EMAIL kinds, or the parts of an address. */
  enums?: string[];
  /** on_invalid "keep" applies (the field can hold a value as written), besides "error" and "drop". */
  keepable?: boolean;
}

export interface NamedID {
  id: number;
  name: string;
}

export interface Schema {
  fields: Record<Entity, FieldInfo[]>;
  users: NamedID[];
  pipelines: Array<NamedID & { stages: NamedID[] }>;
  taskTypes: NamedID[];
  /** The account's user list is admin-only: owners are matched by id only. */
  usersHidden?: boolean;
  /** The account's IANA time zone; absent when unknown (UTC). */
  timeZone?: string;
  /** What the schema lacks and what runs do without it, to show as warnings. */
  notes?: string[];
}

export interface ColumnProposal {
  column: string;
  entity?: Entity;
  /** "" when nothing matched well enough. */
  field: string;
  enum?: string;
  /** 0 to 1. */
  confidence: number;
  reason?: 'exact' | 'normalized' | 'alias' | 'fuzzy' | 'values' | 'key' | 'ref' | string;
  values?: string;
}

export interface Proposal {
  entity: Entity;
  key?: string;
  refs: Array<{ column: string; entity: Entity }>;
  columns: ColumnProposal[];
  spec: MappingSpec;
  specYAML: string;
}

export interface ValidateOptions {
  /** Bad rows returned with their values (default 100); all are counted. */
  maxRows?: number;
}

/**
 * How far a read of a file has got: "load" while openFile copies a
 * workbook into the engine (once), "parse" while validate reads the rows
 * (bytes of a CSV, uncompressed bytes of an XLSX sheet). A few hundred
 * events per pass at most.
 */
export interface ReadProgress {
  phase: 'load' | 'parse';
  read: number;
  total: number;
}

export interface CellError {
  column?: string;
  /** -1 when the error is about no one column. */
  columnIndex: number;
  field?: string;
  value?: string;
  message: string;
  /** phone_invalid, email_invalid, number_invalid, date_invalid, name_unknown, value_required, ... */
  code: string;
  /** too_short, leading_dot, stage, ... */
  reason?: string;
  /** message as codes, rendered and joined with ": ". */
  msgs: Msg[];
}

/**
 * A value that did not validate but did not cost its row: normalised,
 * kept as written or left out (by the column's on_invalid), a match key
 * replaced, or a link left out.
 */
export interface CellWarning {
  column?: string;
  /** -1 when the warning is about no one column. */
  columnIndex: number;
  field?: string;
  value?: string;
  /** phone_normalized, phone_kept_as_written, phone_left_out, email_kept_as_written, email_left_out, value_kept_as_written, value_left_out, match_key_replaced, ref_not_found. */
  code: string;
  action: 'normalized' | 'kept_as_written' | 'left_out' | 'key_replaced' | 'not_linked' | string;
  /** no_country_code, leading_dot, ... */
  reason?: string;
  /** What was sent instead of the value; absent when it was left out. */
  sent?: string;
  /** "kept as written: invalid phone number: no country code and no default region" */
  message: string;
  /** message as codes, rendered and joined with ": ". */
  msgs: Msg[];
}

/** A row with errors (it fails) or with warnings (it lands), with its values. */
export interface CheckedRow {
  row: number;
  values: string[];
  errors: CellError[];
  warnings: CellWarning[];
}

/** One line of a summary by cause: the rows that share a column, code and reason. */
export interface Cause {
  /** The rows failed; otherwise they landed with a warning. */
  error: boolean;
  column: string;
  code: string;
  reason: string;
  action?: string;
  /** "failed", "normalised", "kept as written", "left out", ... */
  outcome: string;
  /** The reason in a few words, with what to do when something can be done. */
  hint: string;
  rows: number;
  values: number;
  example: string;
  firstRow: number;
  /** "Phone: 137 rows kept as written (no country code: add options.region or a country column)" */
  text: string;
  /** hint as codes; the outcome is the code cause.failed or cause.<action>, by rows (as count). */
  hintMsgs: Msg[];
}

/** Where phones without a country code were read, and in how many rows. */
export interface RegionCount {
  region: string;
  /** options.region, the row's country column, or the account's country. */
  from: 'spec' | 'column' | 'account';
  column?: string;
  rows: number;
}

export interface Validation {
  rows: number;
  /** Rows that land, with or without warnings. */
  good: number;
  /** Rows that land with warnings (counted in good too). */
  warned: number;
  /** Rows that fail. */
  bad: number;
  errors: number;
  warnings: number;
  /** Errors per column. */
  byColumn: Record<string, number>;
  /** The first rows that fail (ValidateOptions.maxRows). */
  badRows: CheckedRow[];
  /** The first rows that land with warnings (ValidateOptions.maxRows). */
  warnRows: CheckedRow[];
  /** Warnings and errors grouped by cause, errors first. */
  causes: Cause[];
  regions: RegionCount[];
}

/** A file made in the browser. */
export interface FileBytes {
  name: string;
  type: string;
  rows: number;
  bytes: Uint8Array;
}

export interface ImportParams {
  mode?: Mode;
  batchSize?: number;
  workers?: number;
  dryRun?: boolean;
  jobId?: string;
  /** Rows described in ImportResult.details (default 200). */
  maxDetails?: number;
}

export interface Progress {
  phase: 'validating' | 'importing' | 'writing' | 'done';
  rows: number;
  expected: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  elapsedMs: number;
  /** Rows per second. */
  rate: number;
  /** 0 when unknown. */
  etaMs: number;
  paused: boolean;
}

export interface RowDetail {
  row: number;
  key?: string;
  action: 'create' | 'update' | 'skip' | 'error' | string;
  ids: Partial<Record<Entity, number>>;
  column?: string;
  error?: string;
  changes?: string[];
  /** The row's warnings, as "Column: text". */
  warnings?: string[];
  /** error as codes: the row's errors, each with its column. */
  errorMsgs?: Array<{ column?: string; msgs: Msg[] }>;
  /** warnings as codes, each with its column. */
  warningMsgs?: Array<{ column?: string; msgs: Msg[] }>;
}

export interface ImportResult {
  job: string;
  dryRun: boolean;
  entity: Entity;
  mode: Mode;
  rows: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  /** Rows created, updated or skipped. */
  landed: number;
  /** Rows that landed with warnings. */
  warned: number;
  /** Their warnings by cause. */
  warnings: Cause[];
  /** Rows a canceled or stopped job did not reach. */
  pending: number;
  seconds: number;
  canceled: boolean;
  error?: string;
  details: RowDetail[];
  successFile?: FileBytes;
  errorsFile?: FileBytes;
  /** The schema's warnings (see Schema.notes). */
  notes?: string[];
  /**
   * The notes of the spec's `notes:`, written on the rows' records after
   * them (a dry run counts in `created` those it would write).
   */
  notesWritten?: NotesWritten;
}

/** Notes an import wrote from its spec's `notes:`. */
export interface NotesWritten {
  created: number;
  skipped: number;
  failed: number;
}

export interface ImportJob {
  done: Promise<ImportResult>;
  /** Holds the job's next requests (batches on the wire finish). */
  pause(): Promise<boolean>;
  resume(): Promise<boolean>;
  /** Stops the job; done then resolves with canceled: true and the rows done. */
  cancel(): Promise<boolean>;
}

/**
 * A job of the history: what its journal (kept in the Origin Private File
 * System, the same journal the CLI keeps) says. A job that did not finish
 * (a closed tab) is resumed with resumeJob and the same input file.
 */
export interface JobInfo {
  /** The journal's name in the store: JOB.journal. */
  journal: string;
  id: string;
  /** The input file's name (a CLI job's path) and size in bytes. */
  file: string;
  size?: number;
  sheet?: string;
  entity: string;
  mode: string;
  /** The account's subdomain. */
  account?: string;
  /** Unix seconds: the start and the latest time the journal records. */
  started: number;
  last: number;
  finished: boolean;
  /** Not finished, and the journal has the spec (a CLI job's has not: resume it with the CLI). */
  resumable: boolean;
  /** Running in this tab. */
  running: boolean;
  rows: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  /** When an undo of the job finished (Unix seconds). */
  undoneAt?: number;
  /** The result files kept with the job (jobFile(name) downloads one). */
  files: { name: string; label: string; bytes: number }[];
  /** What the job keeps, in bytes. */
  bytes: number;
  /** Why the journal cannot be read. */
  error?: string;
}

/** What undoJob did. */
export interface UndoResult {
  /** Records whose previous values were written back. */
  restored: number;
  /** Records the job created, by entity: tagged `tag` (the API cannot delete them; filter by the tag in Kommo). */
  created: Record<string, number[]>;
  tag: string;
  /** Fields left as someone changed them in Kommo after the import. */
  kept: string[];
}

/** The browser's storage for the journals. */
export interface StorageInfo {
  persisted: boolean;
  usage: number;
  quota: number;
}

export interface ExportParams {
  entity: ExportEntity;
  format?: 'xlsx' | 'csv';
  /** IANA zone date-times are written in (default the account's). */
  timeZone?: string;
  filter?: {
    query?: string;
    ids?: number[];
    responsibleUserIds?: number[];
    pipelineIds?: number[];
    statuses?: Array<{ pipelineId: number; statusId: number }>;
    /** YYYY-MM-DD (a day of timeZone, default the account's) or RFC 3339; a bare "to" date includes its day. */
    createdFrom?: string;
    createdTo?: string;
    updatedFrom?: string;
    updatedTo?: string;
    isCompleted?: boolean;
    taskTypes?: number[];
    /**
     * The same filters by name (or id), matched as an import matches names:
     * case and accents aside, users also by e-mail, won and lost in any
     * language ("Won", "Ganado", "Успешно реализовано": the won leads of
     * every pipeline, or of `pipeline`'s). A stage in several pipelines is
     * the main pipeline's ("Pipeline / Stage" names another). They add to
     * the ids above; an unknown or ambiguous name rejects with the closest
     * names or the candidates.
     */
    pipeline?: string;
    stages?: string[];
    responsible?: string[];
    createdBy?: string[];
    taskTypeNames?: string[];
  };
}

export interface ExportProgress {
  rows: number;
  pages: number;
}

export type Source = 'hubspot' | 'salesforce' | 'pipedrive' | 'zoho' | 'bitrix24' | 'amocrm' | string;

export interface DetectParams {
  /** Files opened with openFile. */
  fileIds: number[];
  /** Only this source's presets (default: every source; the files are taken to come from one). */
  from?: Source;
  idField?: string;
}

export interface MigrationDetection {
  /** The source the files come from, as a whole ("" when none fits). */
  source: Source;
  /** Every source the presets know, with its kinds of export (to override a detection). */
  sources: Array<{ source: Source; name: string; entities: MigrationEntity[] }>;
  files: Array<{
    fileId: number;
    name: string;
    /** "" when nothing fits well enough: choose it. */
    source: Source;
    entity: MigrationEntity | '';
    /** 0 to 1. */
    confidence: number;
    /** The best guesses, best first. */
    candidates: Array<{ source: Source; entity: MigrationEntity; confidence: number }>;
    /** Columns the preset does not know: not migrated. */
    ignored: string[];
  }>;
}

/** A kind of export file: a card entity, or notes (history: notes, calls, e-mails... several files may be notes). */
export type MigrationEntity = Entity | 'notes';

export interface MigrateParams {
  /** One file per kind (but notes); they run companies, contacts, leads, tasks, then the notes. */
  files: Array<{ fileId: number; source: Source; entity: MigrationEntity }>;
  /** Open tasks past their deadline: kept open with it (default), written done, or left out. */
  overdueTasks?: 'open' | 'done' | 'skip';
  /** Source owner (name, e-mail or id) → Kommo user (name, e-mail or id). */
  users?: Record<string, string>;
  /** Source pipeline → Kommo pipeline. */
  pipelines?: Record<string, string>;
  /** "Stage" or "Pipeline/Stage" → "Stage", "Pipeline/Stage", "won", "lost" or a status id. */
  stages?: Record<string, string>;
  /** The custom field keeping the source ids (default "External ID"). */
  idField?: string;
  /** Create the custom fields the account lacks (the id field included). */
  createFields?: boolean;
  /** Migrate only this many records of the deals (or last) file, with the records they link to. */
  sample?: number;
  dryRun?: boolean;
  /** ISO country of phones without a country code (default the preset's). */
  region?: string;
  /** IANA zone of dates without an offset (default the preset's). */
  timeZone?: string;
  jobId?: string;
  /** Language of the report's Markdown and HTML: en, es, pt-BR, ru (default en). */
  lang?: string;
  batchSize?: number;
  workers?: number;
}

export interface MigrationProgress {
  phase: 'checking' | 'migrating' | 'reporting' | 'done';
  file?: string;
  /** 1-based, in the order the files run. */
  fileIndex: number;
  files: number;
  fileRows: number;
  fileExpected: number;
  /** Over the files so far. */
  rows: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  elapsedMs: number;
  paused: boolean;
}

/** The migration report: the JSON of the report file (snake_case, as the CLI writes it). */
export interface MigrationReport {
  started: string;
  finished: string;
  dry_run?: boolean;
  sample?: number;
  id_field: string;
  files: Array<{
    file: string; entity: MigrationEntity; rows: number; created: number; updated: number; merged: number; skipped: number; failed: number;
    /** Rows in Kommo (created, updated, already there, merged), and those of them with warnings. */
    landed: number; warned: number;
    /** The file's warnings by cause (Go's mapping.Cause: snake_case). */
    warnings?: Array<{
      error: boolean; column: string; code: string; reason: string; action?: string; field: string; rows: number; values: number; example: string; first_row: number;
      /** The error of the first occurrence. */
      text: string;
      outcome: string; hint: string;
      /** "Phone Number: 1 row left out (no digits in it)" */
      summary: string;
    }>;
    regions?: RegionCount[];
    /** The file's notes (a history file's, or those its spec makes): written (in a dry run: would be), already there, failed. */
    notes?: { written: number; existing: number; failed: number; resumed?: number };
    resumed?: number; selected?: number;
    /** The job's journal file, where a run keeps one. */
    journal?: string;
    /** What a delta run (migrate --delta) did with the file: its state file, rows unchanged since the last run (not sent) and sent, conflicts, rows gone from the source and records the gone action changed. */
    delta?: { state: string; first?: boolean; unchanged: number; sent: number; conflicts: number; gone: number; gone_applied?: number };
  }> | null;
  merges: Array<{ file: string; line: number; entity: Entity; key: string; by: string; into: string }> | null;
  skipped: Array<{ file: string; line: number; key?: string; column?: string; reason: string }> | null;
  /** The files of the source's notes, not migrated. */
  attachments?: Array<{ file: string; line: number; key?: string; column: string; name: string }>;
  unmatched: Array<{ file: string; column: string; kind: 'user' | 'pipeline' | 'stage' | string; value: string; rows: number; closest?: string[]; reason?: string }> | null;
  fields_created: Array<{ entity: Entity; name: string; type: string; id?: number; options?: string[] }> | null;
  owners: Array<{ value: string; to: string; by: string }> | null;
  stages: Array<{ value: string; to: string; by: string }> | null;
  records?: Array<{ file: string; line: number; key: string; entity: Entity; action: string; ids: Partial<Record<Entity, number>> }>;
  /** The schema's warnings (see Schema.notes). */
  notes?: string[];
  /** A delta run's fields changed both in the source and in Kommo since the last run, with who changed them in Kommo and the policy applied. */
  conflicts?: Array<{ file: string; line: number; key: string; entity: Entity; id: number; field: string; source: string; kommo: string; by: number; by_name?: string; at: number; resolution: 'keep-kommo' | 'take-source' | 'report-only' | string }>;
  /** A delta run's rows gone from the source since an earlier run. */
  gone?: Array<{ file: string; entity: Entity; key: string; id?: number }>;
}

export interface MigrationResult {
  job: string;
  dryRun: boolean;
  sample: number;
  /**
   * done; unmatched: values match nothing (nothing was written, fill in tables);
   * missingFields: fields to create without createFields; canceled; stopped (see error).
   */
  status: 'done' | 'unmatched' | 'missingFields' | 'canceled' | 'stopped';
  error?: string;
  report: MigrationReport;
  missingFields: Array<{ entity: Entity; name: string; type: string; id?: number; options?: string[] }>;
  /** The entries to fill in for the unmatched values, each with its closest match ("" when none). */
  tables: { users: Record<string, string>; pipelines: Record<string, string>; stages: Record<string, string> };
  seconds: number;
  /** The report as Markdown, JSON and a printable HTML page. */
  reportFiles: FileBytes[];
  /** Per input file, in the order they ran: its success file, and its errors file when rows failed. */
  resultFiles: FileBytes[];
  /** The files' warnings by cause, with their codes. */
  warnings: Array<{ file: string; causes: Cause[] }>;
}

export interface MigrationJob {
  done: Promise<MigrationResult>;
  pause(): Promise<boolean>;
  resume(): Promise<boolean>;
  /** Stops the migration; done then resolves with status "canceled". */
  cancel(): Promise<boolean>;
}

/** The engine in its worker (kommo-bulk.js). */
export class KommoBulk {
  readonly version: string;
  configure(config: { baseURL: string; token?: string; rate?: number; timeoutMs?: number }): Promise<void>;
  schema(): Promise<Schema>;
  /** A Blob (a dropped File) is not copied: a CSV is read from it in slices on each pass. */
  openFile(file: Blob | ArrayBuffer | Uint8Array, name?: string, options?: OpenOptions, handlers?: { onProgress?: (p: ReadProgress) => void }): Promise<FileInfo>;
  openFile(file: Blob, options?: OpenOptions, handlers?: { onProgress?: (p: ReadProgress) => void }): Promise<FileInfo>;
  closeFile(fileId: number): Promise<void>;
  propose(fileId: number, entity: Entity): Promise<Proposal>;
  validate(fileId: number, spec: Spec, options?: ValidateOptions, handlers?: { onProgress?: (p: ReadProgress) => void }): Promise<Validation>;
  setCell(fileId: number, row: number, column: string, value: string): Promise<void>;
  errorsFile(fileId: number, spec: Spec): Promise<FileBytes>;
  specToYAML(spec: Spec): Promise<string>;
  parseSpec(text: string): Promise<MappingSpec>;
  runImport(fileId: number, spec: Spec, params?: ImportParams, handlers?: { onProgress?: (p: Progress) => void }): ImportJob;
  /** Whether imports keep a journal (load's journal option and the browser's OPFS). */
  readonly journal: boolean;
  /** The jobs of the store, newest first. */
  jobs(): Promise<JobInfo[]>;
  /** Continues a stopped job with its input file (the same bytes: checked by size and hash). */
  resumeJob(journal: string, file: Blob | Uint8Array, handlers?: { onProgress?: (p: Progress) => void }): ImportJob;
  /** Undoes a job: updated records get their values back, created ones are tagged. */
  undoJob(journal: string): Promise<UndoResult>;
  /** A kept file (a journal, a result file) with its bytes. */
  jobFile(name: string): Promise<FileBytes>;
  /** Deletes a job's journal and result files. */
  removeJob(journal: string): Promise<void>;
  /** Adds a journal from elsewhere (the CLI's) to the history. */
  importJournal(file: File | Blob, name?: string): Promise<JobInfo>;
  /** Usage and quota of the origin's storage, and whether it is persistent. */
  storage(): Promise<StorageInfo>;
  /** Asks the browser to keep the origin's storage (navigator.storage.persist). */
  persist(): Promise<boolean>;
  export(params: ExportParams, handlers?: { onProgress?: (p: ExportProgress) => void }): Promise<FileBytes>;
  detectMigration(params: DetectParams): Promise<MigrationDetection>;
  checkMigration(params: MigrateParams): Promise<MigrationResult>;
  runMigration(params: MigrateParams, handlers?: { onProgress?: (p: MigrationProgress) => void }): MigrationJob;
  /** A round trip through the worker; resolves with the worker's clock. */
  ping(): Promise<number>;
  /** Bytes of the engine's WebAssembly memory (its high-water mark: wasm memory never shrinks). */
  memory(): Promise<number>;
  terminate(): void;
}

/** The global the WebAssembly module sets in its worker. */
export interface KommoBulkWasm {
  version(): string;
  configure(config: { baseURL: string; token?: string; rate?: number; timeoutMs?: number }): Promise<void>;
  schema(): Promise<Schema>;
  /** A Blob is read in slices (awaiting blob.slice().arrayBuffer()); an array stays on the JS side. */
  openFile(file: Blob | Uint8Array | ArrayBuffer, name: string, options?: OpenOptions, onProgress?: (p: ReadProgress) => void): Promise<FileInfo>;
  closeFile(fileId: number): void;
  propose(fileId: number, entity: Entity): Promise<Proposal>;
  validate(fileId: number, spec: Spec, options?: ValidateOptions, onProgress?: (p: ReadProgress) => void): Promise<Validation>;
  setCell(fileId: number, row: number, column: string, value: string): Promise<void>;
  errorsFile(fileId: number, spec: Spec): Promise<FileBytes>;
  specToYAML(spec: Spec): Promise<string>;
  parseSpec(text: string): Promise<MappingSpec>;
  runImport(fileId: number, spec: Spec, params?: ImportParams, onProgress?: (p: Progress) => void): {
    id: number;
    done: Promise<ImportResult>;
    pause(): void;
    resume(): void;
    cancel(): void;
  };
  /** The job store the worker made (see kommo-bulk-worker.js); null keeps no journal. Resolves with whether one is set. */
  setJobStore(store: JobStoreJS | null): Promise<boolean>;
  jobs(): Promise<JobInfo[]>;
  resumeJob(journal: string, file: Blob | Uint8Array, onProgress?: (p: Progress) => void): {
    id: number;
    done: Promise<ImportResult>;
    pause(): void;
    resume(): void;
    cancel(): void;
  };
  undoJob(journal: string): Promise<UndoResult>;
  jobFile(name: string): Promise<FileBytes>;
  removeJob(journal: string): Promise<void>;
  importJournal(name: string, bytes: Uint8Array): Promise<JobInfo>;
  export(params: ExportParams, onProgress?: (p: ExportProgress) => void): Promise<FileBytes>;
  detectMigration(params: DetectParams): Promise<MigrationDetection>;
  checkMigration(params: MigrateParams): Promise<MigrationResult>;
  runMigration(params: MigrateParams, onProgress?: (p: MigrationProgress) => void): {
    id: number;
    done: Promise<MigrationResult>;
    pause(): void;
    resume(): void;
    cancel(): void;
  };
}

/** The job store the worker hands the engine: files by name in the Origin Private File System. */
export interface JobStoreJS {
  /** Opens (creating) a file to append to: a FileSystemSyncAccessHandle's synchronous calls. */
  open(name: string): Promise<{ write(bytes: Uint8Array): void; flush(): void; truncate(size: number): void; close(): void }>;
  /** The file's bytes, or null if there is none. */
  readFile(name: string): Promise<Uint8Array | null>;
  /** Resolves false if there was no such file. */
  remove(name: string): Promise<boolean>;
  list(): Promise<string[]>;
  /** A Web Lock on the job; null when another tab holds it. */
  lock(name: string): Promise<{ release(): void } | null>;
}

declare global {
  // Set in the engine's worker by the WebAssembly module.
  // eslint-disable-next-line no-var
  var kommoBulk: KommoBulkWasm | undefined;
}
