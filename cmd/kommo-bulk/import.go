package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/engine"
	"github.com/kommo-bulk/kommo-bulk/i18n"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/migrate"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx"
	"github.com/kommo-bulk/kommo-bulk/tables"
)

const importSynopsis = `import FILE [flags]

Imports a CSV or XLSX file into Kommo through a mapping spec. Every row is validated
first; then rows are written in batches at the account's rate. Every write is
journaled: a stopped job (Ctrl-C, a crash, kill -9) continues with --resume and
writes each row exactly once. Result files FILE.success.EXT (Kommo ids and warnings
per row) and FILE.errors.EXT (row, column, reason; fix it and import it again) are
written next to the input, or in --results.

A row lands, lands with warnings (a value normalised, kept as written or left out,
by the mapping's on_invalid policies; a reference to a record in no file given), or
fails. Owners, pipelines, stages and options that match nothing in the account stop
the import before anything is written, with a tables skeleton: --tables, --user,
--stage and --pipeline resolve them.

History moves as notes (docs/mapping.md#notes). A spec's notes: turns columns into
notes on each row's records, written after the records with a journal beside the
job's (JOB.notes.journal): a resume or a re-run adds none twice, and an import that
matches records (not create) skips the notes a record has already. A spec whose
entity is notes imports a file of notes, one per row, on the record the row names
(its Kommo id, a match key, or a row key of an earlier import: --refs); notes the
record has already are skipped. Authors are matched as owners are: one that matches
nobody stops the import before anything is written.

Examples:

	kommo-bulk import contacts.csv --mapping contacts.yaml --mode upsert
	kommo-bulk import contacts.csv --entity contacts --match email --mode upsert --dry-run
	kommo-bulk import leads.xlsx --sheet Deals --mapping leads.yaml --refs contacts.journal
	kommo-bulk import export-leads.xlsx --mode update          # an export of ours, edited
	kommo-bulk import leads.xlsx                               # a filled "kommo-bulk template"
	KOMMO_BULK_PASSWORD=... kommo-bulk import locked.xlsx --mapping leads.yaml
	kommo-bulk import --resume contacts-20261121-120000.journal
	kommo-bulk import notes.csv --mapping notes.yaml --refs leads.journal,contacts.journal

Flags:`

// ImportCommand imports a CSV or XLSX file into Kommo.
type ImportCommand struct {
	m *Main
	jsonFlag
}

// importArgs are an import's settings, from flags or a job file.
type importArgs struct {
	conn    connFlags
	lang    string // --lang: the summary's language ("" from the environment)
	input   string
	mapping string
	// specText is the spec a resumed job's journal holds (the page's
	// jobs have no spec file).
	specText  string
	mode      string
	sheet     string
	encoding  string
	delimiter string
	jobID     string
	resume    string
	results   string
	batch     int
	workers   int
	lookup    string
	dryRun    bool
	json      bool
	noSync    bool
	refs      string
	entity    string
	match     string
	delta     deltaArgs
	password  string
	// Tables for owners, pipelines and stages that match nothing by name
	// (as migrate's).
	tables    string
	users     repeatFlag
	stages    repeatFlag
	pipelines repeatFlag
	// summary is set by runImport once the rows are done.
	summary *importSummary
}

func (a *importArgs) register(fs interface {
	StringVar(*string, string, string, string)
	IntVar(*int, string, int, string)
	BoolVar(*bool, string, bool, string)
	Var(flag.Value, string, string)
}) {
	fs.StringVar(&a.mapping, "mapping", "", "mapping spec `file` (YAML or JSON); without it the proposed mapping is used when every column is a confident match, and an export of ours re-imports with --mode update")
	fs.StringVar(&a.entity, "entity", "", "leads, contacts, companies, tasks or notes (default the mapping's)")
	fs.StringVar(&a.match, "match", "", "upsert key, overriding the mapping's: email, phone, id, name or field:NAME")
	fs.StringVar(&a.mode, "mode", "create", "create, update (by Kommo id), upsert (by the spec's match key) or skip-existing")
	fs.StringVar(&a.sheet, "sheet", "", "worksheet `name` of an XLSX file (default the first)")
	fs.StringVar(&a.encoding, "encoding", "", "text encoding of a CSV file (default detected: utf-8, utf-16, windows-1251, windows-1252, ...)")
	fs.StringVar(&a.delimiter, "delimiter", "", "CSV delimiter (default detected among , ; tab |)")
	fs.StringVar(&a.jobID, "job", "", "job `id` (default the input's name and the time)")
	fs.StringVar(&a.resume, "resume", "", "resume the stopped job `ID` (or its journal file)")
	fs.StringVar(&a.results, "results", "", "`directory` for the journal and result files (default the input's)")
	fs.IntVar(&a.batch, "batch", 50, "rows per write request (Kommo accepts at most 250)")
	fs.IntVar(&a.batch, "batch-size", 50, "same as --batch")
	fs.IntVar(&a.workers, "workers", 4, "batches in flight (they share the rate limit)")
	fs.StringVar(&a.lookup, "lookup", "auto", "how existing records are found: auto, query (one request per key) or scan (read the whole list once)")
	fs.StringVar(&a.refs, "refs", "", "journals of earlier imports (comma-separated) whose row keys this file's references name, e.g. the companies job for contacts with a company key column")
	fs.StringVar(&a.tables, "tables", "", "YAML `file` with users, pipelines and stages tables for values that match nothing by name (as migrate's), or the CSV of migrate --unmatched-csv filled in")
	fs.Var(&a.users, "user", "owner table entry `SOURCE=KOMMO` (user name, e-mail or id; repeatable)")
	fs.Var(&a.stages, "stage", "stage table entry `SOURCE=KOMMO` (\"Stage\" or \"Pipeline/Stage\" on both sides; repeatable)")
	fs.Var(&a.pipelines, "pipeline", "pipeline table entry `SOURCE=KOMMO` (repeatable)")
	fs.BoolVar(&a.dryRun, "dry-run", false, "validate, look up and report what would happen per row, without writing")
	fs.BoolVar(&a.json, "json", false, "print a JSON summary on stdout")
	fs.StringVar(&a.lang, "lang", "", "`language` of the summary by cause at the end: en, es, pt-BR, ru (default from LANG; errors, logs and --json stay English)")
	a.delta.register(fs)
	fs.StringVar(&a.password, "password", "", "password of an encrypted XLSX file (default $"+passwordEnv+"; prefer the variable: flags show in ps)")
}

// Run parses flags and imports.
func (c *ImportCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.newFlagSet("import", importSynopsis)
	c.watch(fs, args)
	var a importArgs
	a.conn.register(fs)
	a.register(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case a.resume != "" && len(pos) <= 1:
		if len(pos) == 1 {
			a.input = pos[0]
		}
	case len(pos) == 1:
		a.input = pos[0]
	case len(pos) == 0:
		return &usageError{msg: "no input file", hint: "kommo-bulk import contacts.csv --mapping contacts.yaml"}
	default:
		return &usageError{msg: fmt.Sprintf("one input file at a time, got %d", len(pos))}
	}
	return runImport(ctx, c.m, &a)
}

// importSummary is the --json output and the basis of the printed one.
type importSummary struct {
	Job      string  `json:"job"`
	Input    string  `json:"input"`
	DryRun   bool    `json:"dry_run"`
	Rows     int     `json:"rows"`
	Created  int     `json:"created"`
	Updated  int     `json:"updated"`
	Skipped  int     `json:"skipped"`
	Failed   int     `json:"failed"`
	Resumed  int     `json:"resumed,omitempty"`
	Pending  int     `json:"pending,omitempty"`
	Journal  string  `json:"journal,omitempty"`
	Success  string  `json:"success_file,omitempty"`
	Errors   string  `json:"errors_file,omitempty"`
	Seconds  float64 `json:"seconds"`
	Requests int     `json:"-"`
	// Landed counts the rows that landed (created, updated or skipped),
	// Warned those of them with warnings, which Warnings groups by cause.
	Landed   int             `json:"landed"`
	Warned   int             `json:"warned"`
	Warnings mapping.Summary `json:"warnings,omitempty"`
	// Failures groups the rows that failed validation by cause (the rows
	// Kommo refused are in the errors file only).
	Failures mapping.Summary `json:"failures,omitempty"`
	// Regions are the regions phones without a country code were read in.
	Regions []mapping.RegionCount `json:"regions,omitempty"`
	// Unmatched are the names that match nothing in the account: the
	// import stopped before writing.
	Unmatched []migrate.Unmatched `json:"unmatched,omitempty"`
	// Notes are the schema's (see printNotes).
	Notes []string `json:"notes,omitempty"`
	// NotesWritten counts the notes of the spec's notes: (an import of
	// records).
	NotesWritten *notesSummary `json:"notes_written,omitempty"`
	// NotesRefused counts, by field, the notes written without a field
	// Kommo refused (created_at, created_by).
	NotesRefused map[string]int `json:"notes_refused,omitempty"`
}

func runImport(ctx context.Context, m *Main, a *importArgs) error {
	mode, err := bulk.ParseMode(a.mode)
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	lookup := bulk.LookupStrategy(a.lookup)
	switch lookup {
	case "auto":
		lookup = bulk.LookupAuto
	case bulk.LookupQuery, bulk.LookupScan:
	default:
		return &usageError{msg: fmt.Sprintf("unknown --lookup %q (want auto, query or scan)", a.lookup)}
	}
	if a.entity != "" && !mapping.IsNotesEntity(kommo.EntityType(a.entity)) {
		e, err := engine.ParseEntity(a.entity)
		if err != nil {
			return &usageError{msg: "--" + err.Error() + " (or notes)"}
		}
		a.entity = string(e)
	}
	if a.batch < 1 || a.batch > kommo.MaxBatch {
		return &usageError{msg: fmt.Sprintf("--batch-size %d: want 1 to %d", a.batch, kommo.MaxBatch)}
	}

	// A resume takes the job's settings from its journal.
	var journal string
	var header *bulk.JobHeader
	if a.resume != "" {
		journal = a.resume
		if !strings.HasSuffix(journal, ".journal") {
			dir := a.results
			if dir == "" && a.input != "" {
				dir = filepath.Dir(a.input)
			}
			journal = filepath.Join(dir, a.resume+".journal")
		}
		h, err := bulk.ReadJobHeader(journal)
		if err != nil {
			return fmt.Errorf("resume: %w", err)
		}
		header = h
		if a.input == "" {
			a.input = h.Input
		}
		if a.mapping == "" {
			a.mapping = h.Mapping
		}
		if a.mapping == "" {
			a.specText = h.Spec
		}
		if a.sheet == "" {
			a.sheet = h.Sheet
		}
		mode = h.Mode
		a.jobID = h.ID
		a.entity = string(h.Entity)
		if a.results == "" {
			a.results = filepath.Dir(journal)
		}
	}

	results := a.results
	if results == "" {
		results = filepath.Dir(a.input)
	}
	if a.jobID == "" {
		base := strings.TrimSuffix(filepath.Base(a.input), filepath.Ext(a.input))
		a.jobID = base + "-" + time.Now().Format("20060102-150405")
	}
	if journal == "" {
		journal = filepath.Join(results, a.jobID+".journal")
	}
	if err := os.MkdirAll(results, 0o755); err != nil {
		return err
	}
	// The job is this process's from before its result files are opened
	// until they are closed: a second process stops here, naming this one.
	var lock *bulk.JournalLock
	if !a.dryRun {
		if lock, err = bulk.LockJournal(journal); err != nil {
			return err
		}
		defer lock.Unlock()
	}

	f, err := os.Open(a.input)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	in, err := openInput(m, a.input, a.sheet, password(m, a.password), f, st.Size())
	if err != nil {
		return err
	}
	open := func() (sheet.Table, error) {
		opts := sheet.ReadOptions{
			CSV:  sheet.CSVOptions{Name: a.input, Encoding: a.encoding},
			XLSX: xlsx.Options{Name: a.input, Sheet: a.sheet},
		}
		if a.delimiter != "" {
			d := a.delimiter
			if d == `\t` || d == "tab" {
				d = "\t"
			}
			opts.CSV.Comma = []rune(d)[0]
		}
		return sheet.Open(filepath.Base(a.input), in.r, in.size, opts)
	}
	table, err := open()
	if err != nil {
		return err
	}
	defer table.Close()

	client, err := a.conn.pacedClient(m)
	if err != nil {
		return err
	}
	eng := engine.New()
	if err := eng.Configure(engine.Config{Client: client}); err != nil {
		return err
	}
	schema, err := eng.AccountSchema(ctx)
	if err != nil {
		return err
	}
	printNotes(m, schema)
	spec, err := templateSpec(m, a, in)
	if spec == nil && err == nil {
		spec, err = loadImportSpec(a, mode, table, schema)
	}
	if err != nil {
		return err
	}
	notes := mapping.IsNotesEntity(spec.Entity)
	if a.entity != "" && spec.Entity != kommo.EntityType(a.entity) && !(notes && mapping.IsNotesEntity(kommo.EntityType(a.entity))) {
		return &usageError{msg: fmt.Sprintf("--entity %s, but the mapping is for %s", a.entity, spec.Entity)}
	}
	if a.match != "" {
		spec.Match = mapping.MatchSpec{Primary: a.match}
	}
	// Owners and stages are matched value by value, as a migration's:
	// a value that matches nothing stops the import, before anything is
	// written, instead of failing its rows one by one.
	tables, _, err := loadNameTables(a.tables, a.users, a.stages, a.pipelines)
	if err != nil {
		return err
	}
	var delta *bulk.DeltaOptions
	if a.delta.state != "" {
		if notes {
			return &usageError{msg: "--delta imports records, not a notes file"}
		}
		d, err := a.delta.options()
		if err != nil {
			return err
		}
		delta = &d
	}
	hash := ""
	if !a.dryRun {
		if hash, err = bulk.HashFile(a.input); err != nil {
			return err
		}
	}
	refs, err := loadRefs(a.refs)
	if err != nil {
		return err
	}

	what := "rows"
	if notes {
		what = "notes"
	}
	var (
		rf    *resultFiles
		werr  error
		start time.Time
		dry   = &dryRunPrinter{w: m.Stdout}
		shown int
	)
	defer func() {
		if rf != nil {
			rf.close()
		}
	}()
	run := engine.ImportRun{
		Name: filepath.Base(a.input), Sheet: a.sheet, SpecName: a.mapping,
		Open:  open,
		Spec:  spec,
		Names: &tables,
		Delta: delta,
		Options: bulk.ImportOptions{
			Refs:      refs,
			Job:       bulk.JobHeader{ID: a.jobID, Mode: mode, Input: a.input, InputHash: hash, Mapping: a.mapping, Sheet: a.sheet},
			BatchSize: a.batch,
			Workers:   a.workers,
			DryRun:    a.dryRun,
			Journal:   journal,
			Resume:    header != nil,
			Lock:      lock,
			NoSync:    a.noSync,
			Lookup:    lookup,
			ScanCache: filepath.Join(results, ".kommo-bulk-scan"),
			Progress:  newProgress(m.Stderr),
			OnRow: func(rr bulk.RowResult) {
				if werr == nil {
					werr = rf.w.Write(rr)
				}
				if a.dryRun && !a.json {
					dry.print(rr)
				}
			},
		},
		// Result files are written as rows finish, in input order:
		// memory stays flat however long the file.
		Checked: func(report *mapping.Report) error {
			fmt.Fprintf(m.Stderr, "%s: %d %s, %d valid (%d with warnings), %d with errors\n", a.input, report.Rows, what, report.Good+report.Warned, report.Warned, report.Bad)
			for _, e := range report.First {
				fmt.Fprintf(m.Stderr, "  %v\n", e)
			}
			if !notes && report.Bad > len(report.First) && len(report.First) > 0 {
				fmt.Fprintf(m.Stderr, "  ... see the errors file for all of them\n")
			}
			if notes && a.dryRun {
				return nil
			}
			var err error
			if rf, err = openResultFiles(a, results, table, spec.Entity); err != nil {
				return fmt.Errorf("result files: %w", err)
			}
			if !a.dryRun {
				fmt.Fprintf(m.Stderr, "job %s (%s); if it stops, continue with: kommo-bulk import --resume %s\n", a.jobID, jobWhat(mode, spec.Entity), journal)
			}
			start = time.Now()
			return nil
		},
		OnNote: func(r bulk.NoteResult) {
			if shown < 5 {
				shown++
				fmt.Fprintf(m.Stderr, "  row %d: note not written: %v\n", r.Line, r.Err)
			}
		},
	}
	out, runErr := eng.Import(ctx, run)
	if out == nil {
		return runErr
	}
	if ue := (*migrate.UnmatchedError)(nil); errors.As(runErr, &ue) {
		printUnmatched(m.Stderr, ue)
		err := errors.New("stopped before writing: add the values above to the tables (--tables FILE, --user, --stage, --pipeline) or fix the file")
		if a.json {
			return &partialError{err: err, result: importSummary{Job: a.jobID, Input: a.input, DryRun: a.dryRun, Rows: out.Check.Rows, Unmatched: ue.Values, Notes: schema.Notes}}
		}
		return err
	}
	report := out.Check
	if notes && a.dryRun {
		sum := importSummary{Job: a.jobID, Input: a.input, DryRun: true, Rows: report.Rows, Failed: report.Bad, Landed: report.Good + report.Warned,
			Warned: report.Warned, Failures: failures(report.Causes), Notes: schema.Notes}
		a.summary = &sum
		printSummary(m, sum, a.json, cliLang(m, a.lang))
		if report.Bad > 0 {
			return errRowErrors
		}
		return nil
	}
	if !notes {
		fmt.Fprintln(m.Stderr) // ends the progress line
	}
	if out.Delta != nil {
		runErr = a.delta.report(m, out.Delta, runErr)
	}
	if rf == nil {
		return runErr
	}
	if cerr := rf.close(); werr == nil {
		werr = cerr
	}
	if out.Result == nil {
		return runErr
	}
	if werr != nil {
		return fmt.Errorf("write result files: %w", werr)
	}
	res := out.Result
	counts := rf.w.Counts()
	sum := importSummary{Job: a.jobID, Input: a.input, DryRun: a.dryRun, Rows: counts.Success + counts.Errors, Created: res.Created,
		Updated: res.Updated, Skipped: res.Skipped, Failed: res.Failed, Resumed: res.Resumed, Seconds: time.Since(start).Seconds(),
		Success: rf.success, Pending: report.Rows - counts.Success - counts.Errors, Notes: schema.Notes,
		Landed: res.Landed(), Warned: res.Warned, Warnings: res.Warnings, Failures: failures(report.Causes), Regions: mapping.RegionCounts(report.Regions)}
	if counts.Errors > 0 {
		sum.Errors = rf.errs
	} else {
		os.Remove(rf.errs)
	}
	if !a.dryRun {
		sum.Journal = journal
	}
	if notes {
		sum.Regions, sum.NotesRefused = nil, res.NotesRefused
	}
	if n := out.Notes; n != nil {
		sum.NotesWritten = &notesSummary{Created: n.Created, Skipped: n.Skipped, Failed: n.Failed, Resumed: n.Resumed, Journal: n.Journal}
		sum.NotesRefused = n.Refused
	}
	a.summary = &sum
	dry.done()
	err = runErr
	if err == nil && (res.Failed > 0 || out.Notes != nil && out.Notes.Failed > 0) {
		err = errRowErrors
	}
	if !a.json || err == nil {
		printSummary(m, sum, a.json, cliLang(m, a.lang))
	}
	var rle *kommo.RetryLaterError
	switch {
	case notes && runErr != nil:
		fmt.Fprintf(m.Stderr, "stopped: %d notes not done; continue with: kommo-bulk import --resume %s\n", sum.Pending, journal)
	case errors.As(runErr, &rle):
		fmt.Fprintf(m.Stderr, "Kommo asked to wait %d s; resume after %s with: kommo-bulk import --resume %s\n",
			int64((rle.Wait+time.Second-1)/time.Second), resumeTime(rle.Until), journal)
	case errors.Is(runErr, context.Canceled):
		fmt.Fprintf(m.Stderr, "interrupted: %d rows not done; continue with: kommo-bulk import --resume %s\n", sum.Pending, journal)
	case runErr != nil:
		fmt.Fprintf(m.Stderr, "stopped: %d rows not done; after fixing the cause, continue with: kommo-bulk import --resume %s\n", sum.Pending, journal)
	}
	if a.json && err != nil {
		// With --json, Main prints the counts and the error as one object.
		return &partialError{err: err, result: sum}
	}
	return err
}

// jobWhat names what a job writes in its first line: "upsert contacts",
// or "notes".
func jobWhat(mode bulk.Mode, e kommo.EntityType) string {
	if mapping.IsNotesEntity(e) {
		return "notes"
	}
	return string(mode) + " " + string(e)
}

// notesSummary counts the notes an import of records wrote from its
// spec's notes: (the import's own counts are its rows').
type notesSummary struct {
	// Created counts, in a dry run, the notes that would be written.
	Created int    `json:"created"`
	Skipped int    `json:"skipped"`
	Failed  int    `json:"failed"`
	Resumed int    `json:"resumed,omitempty"`
	Journal string `json:"journal,omitempty"`
}

// loadRefs reads the row keys of earlier jobs from their journals.
func loadRefs(list string) (func(kommo.EntityType, string) (int, bool), error) {
	if list == "" {
		return nil, nil
	}
	keys := map[kommo.EntityType]map[string]int{}
	for _, p := range strings.Split(list, ",") {
		k, err := bulk.KeysFromJournal(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("--refs: %w", err)
		}
		for e, m := range k {
			if keys[e] == nil {
				keys[e] = map[string]int{}
			}
			for key, id := range m {
				keys[e][key] = id
			}
		}
	}
	return func(e kommo.EntityType, key string) (int, bool) {
		id, ok := keys[e][key]
		return id, ok
	}, nil
}

// errRowErrors makes the command exit with exitRowErrors.
var errRowErrors = errors.New("some rows were not imported")

// loadImportSpec reads the mapping spec; without one it takes our own
// export layout in update mode, or the proposed mapping when every column
// it maps is a confident match.
func loadImportSpec(a *importArgs, mode bulk.Mode, t sheet.Table, schema *mapping.Schema) (*mapping.Spec, error) {
	header := t.Header()
	if a.mapping == "" && a.specText != "" {
		spec, err := mapping.ParseSpec([]byte(a.specText))
		if err != nil {
			return nil, fmt.Errorf("the journal's mapping: %w", err)
		}
		return spec, nil
	}
	if a.mapping != "" {
		sf, err := os.Open(a.mapping)
		if err != nil {
			return nil, err
		}
		defer sf.Close()
		spec, err := mapping.LoadSpec(sf)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.mapping, err)
		}
		return spec, nil
	}
	if mapping.IsNotesEntity(kommo.EntityType(a.entity)) || a.entity == "" && bulk.IsNoteExportLayout(header) {
		if !bulk.IsNoteExportLayout(header) {
			return nil, &usageError{msg: "--entity notes without --mapping takes a notes export of ours (kommo-bulk export notes)", hint: "see docs/mapping.md#a-notes-file"}
		}
		return bulk.NoteExportSpec(header), nil
	}
	entities := []kommo.EntityType{kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies, kommo.EntityTasks}
	if a.entity != "" {
		entities = []kommo.EntityType{kommo.EntityType(a.entity)}
	}
	if mode == bulk.ModeUpdate {
		for _, e := range entities {
			if bulk.IsExportLayout(header, e) {
				return bulk.ExportSpec(header, e, schema)
			}
		}
	}
	if a.entity == "" {
		return nil, &usageError{msg: "no --mapping and no --entity", hint: "kommo-bulk map " + a.input + " --entity contacts > contacts.yaml"}
	}
	p, err := engine.ProposeTable(t, kommo.EntityType(a.entity), schema)
	if err != nil {
		return nil, err
	}
	var unsure []string
	for _, c := range p.Columns {
		if c.Field != "" && c.Confidence < mapping.ConfidenceAlias {
			unsure = append(unsure, fmt.Sprintf("%q → %s (%s, %.0f%%)", c.Column, c.Field, c.Reason, 100*c.Confidence))
		}
	}
	if len(unsure) > 0 {
		return nil, &usageError{msg: "no --mapping, and these columns need a decision: " + strings.Join(unsure, "; "),
			hint: "kommo-bulk map " + a.input + " --entity " + a.entity + " > mapping.yaml, review it, then --mapping mapping.yaml"}
	}
	return p.Spec(), nil
}

// failures are the error causes of a validation pass.
func failures(s mapping.Summary) mapping.Summary {
	var out mapping.Summary
	for k, c := range s {
		if k.Error {
			if out == nil {
				out = mapping.Summary{}
			}
			out[k] = c
		}
	}
	return out
}

// loadNameTables reads a --tables file and adds the --user, --stage and
// --pipeline entries to it.
func loadNameTables(path string, users, stages, pipelines []string) (migrate.NameTables, []tables.UnmatchedRow, error) {
	t, rows, err := loadTables(path)
	if err != nil {
		return migrate.NameTables{}, nil, err
	}
	if t.Users, err = parseTable(t.Users, users, "user"); err != nil {
		return migrate.NameTables{}, nil, err
	}
	if t.Stages, err = parseTable(t.Stages, stages, "stage"); err != nil {
		return migrate.NameTables{}, nil, err
	}
	if t.Pipelines, err = parseTable(t.Pipelines, pipelines, "pipeline"); err != nil {
		return migrate.NameTables{}, nil, err
	}
	return migrate.NameTables{Users: t.Users, Pipelines: t.Pipelines, Stages: t.Stages}, rows, nil
}

// resultFiles are an import's success and errors files, in the input's
// format (and CSV delimiter).
type resultFiles struct {
	success, errs string
	w             *bulk.ResultWriter
	closers       []io.Closer
}

func openResultFiles(a *importArgs, dir string, t sheet.Table, entity kommo.EntityType) (*resultFiles, error) {
	base := filepath.Join(dir, filepath.Base(a.input))
	rf := &resultFiles{success: bulk.ResultName(base, "success"), errs: bulk.ResultName(base, "errors")}
	if a.dryRun {
		rf.success, rf.errs = bulk.ResultName(base, "dry-run"), bulk.ResultName(base, "dry-run-errors")
	}
	isXLSX := strings.EqualFold(filepath.Ext(a.input), ".xlsx")
	comma := ','
	if cr, ok := t.(*sheet.CSVReader); ok {
		comma = cr.Comma()
	}
	newWriter := func(path string) (sheet.TableWriter, error) {
		f, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		var w sheet.TableWriter
		if isXLSX {
			w, err = xlsx.NewWriter(f, xlsx.WriteOptions{})
		} else {
			w, err = sheet.NewCSVWriter(f, sheet.CSVWriteOptions{Comma: comma, BOM: true})
		}
		if err != nil {
			f.Close()
			return nil, err
		}
		rf.closers = append(rf.closers, w, f)
		return w, nil
	}
	sw, err := newWriter(rf.success)
	if err != nil {
		return nil, err
	}
	ew, err := newWriter(rf.errs)
	if err != nil {
		rf.close()
		return nil, err
	}
	if rf.w, err = bulk.NewResultWriter(t.Header(), entity, sw, ew); err != nil {
		rf.close()
		return nil, err
	}
	return rf, nil
}

func (rf *resultFiles) close() error {
	var first error
	for _, c := range rf.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	rf.closers = nil
	return first
}

func printSummary(m *Main, s importSummary, asJSON bool, lang string) {
	if asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(s)
		return
	}
	verb, land := "", "landed"
	if s.DryRun {
		verb, land = "would be ", "would land"
	}
	fmt.Fprintf(m.Stdout, "%d rows: %d %s, %d with warnings, %d failed (%d %screated, %d %supdated, %d %sskipped; %.1fs)\n",
		s.Rows, s.Landed, land, s.Warned, s.Failed, s.Created, verb, s.Updated, verb, s.Skipped, verb, s.Seconds)
	printCauses(m.Stdout, "", lang, s.Warnings, s.Failures, s.Regions)
	if s.Resumed > 0 {
		fmt.Fprintf(m.Stdout, "%d rows were already done before this resume\n", s.Resumed)
	}
	if n := s.NotesWritten; n != nil && s.DryRun {
		fmt.Fprintf(m.Stdout, "notes: %d would be written on the rows' records\n", n.Created)
	} else if n != nil {
		fmt.Fprintf(m.Stdout, "notes: %d created, %d already there, %d failed (journal %s)\n", n.Created, n.Skipped, n.Failed, n.Journal)
	}
	for _, f := range slices.Sorted(maps.Keys(s.NotesRefused)) {
		what := "dated when written"
		if f == "created_by" {
			what = "signed by the token's user"
		}
		fmt.Fprintf(m.Stdout, "warning: Kommo refused %s on %d notes: they were written without it (%s)\n", f, s.NotesRefused[f], what)
	}
	if s.Success != "" {
		fmt.Fprintf(m.Stdout, "results: %s\n", s.Success)
	}
	if s.Errors != "" {
		fmt.Fprintf(m.Stdout, "errors:  %s (fix the rows and import this file again)\n", s.Errors)
	}
}

// printCauses prints warnings and failures grouped by cause, and the
// regions phones without a country code were read in, each line indented
// by indent, in language lang (English as mapping writes it).
func printCauses(w io.Writer, indent, lang string, warnings, failures mapping.Summary, regions []mapping.RegionCount) {
	en := lang == "" || lang == i18n.Default
	text := func(code string) string { return i18n.Render(lang, code, nil) }
	line := func(c mapping.Cause) string {
		if en {
			return c.String()
		}
		return i18n.RenderCause(lang, c.Error, c.Column, c.Code, c.Reason, c.Action, c.Rows, c.Example)
	}
	if len(warnings) > 0 {
		fmt.Fprintf(w, "%s%s\n", indent, text("cli.warnings"))
		for _, c := range warnings.Causes() {
			fmt.Fprintf(w, "%s  %s\n", indent, line(c))
		}
	}
	if len(failures) > 0 {
		fmt.Fprintf(w, "%s%s\n", indent, text("cli.failed"))
		for _, c := range failures.Causes() {
			fmt.Fprintf(w, "%s  %s\n", indent, line(c))
		}
	}
	if len(regions) > 0 {
		var rs []string
		for _, r := range regions {
			if en {
				rs = append(rs, r.String())
			} else {
				rs = append(rs, i18n.Render(lang, "report.region."+string(r.From), map[string]string{"region": r.Region, "column": r.Column})+
					": "+i18n.FormatInt(lang, r.Rows))
			}
		}
		fmt.Fprintf(w, "%s%s\n", indent, i18n.Render(lang, "cli.regions", map[string]string{"regions": strings.Join(rs, ", ")}))
	}
}

// cliLang is the language of what the CLI writes for a person to read as
// a document (summaries by cause, the migration report): flag, else the
// environment's (LC_ALL, LC_MESSAGES, LANG), else English.
func cliLang(m *Main, flag string) string {
	if flag != "" {
		return i18n.Negotiate(flag)
	}
	return i18n.FromEnv(m.Getenv)
}

// dryRunPrinter lists what would happen to the first rows of a dry run.
type dryRunPrinter struct {
	w     io.Writer
	shown int
	more  int
}

func (d *dryRunPrinter) print(rr bulk.RowResult) {
	if d.shown >= 50 {
		d.more++
		return
	}
	d.shown++
	switch rr.Action {
	case bulk.ActionError:
		fmt.Fprintf(d.w, "row %d: error: %v\n", rr.Line, rr.Err)
	case bulk.ActionUpdate:
		var ch []string
		for _, c := range rr.Changes {
			ch = append(ch, c.String())
		}
		fmt.Fprintf(d.w, "row %d: update %v: %s\n", rr.Line, rr.IDs, strings.Join(ch, "; "))
	default:
		fmt.Fprintf(d.w, "row %d: %s\n", rr.Line, rr.Action)
	}
}

func (d *dryRunPrinter) done() {
	if d.more > 0 {
		fmt.Fprintf(d.w, "... %d more rows in the dry-run file\n", d.more)
	}
}

// newProgress returns a progress printer: a redrawn line on a terminal,
// a log line every few seconds otherwise.
func newProgress(w io.Writer) func(bulk.Progress) {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	var last time.Time
	return func(p bulk.Progress) {
		now := time.Now()
		if !tty && now.Sub(last) < 2*time.Second && p.Rows != p.Expected {
			return
		}
		last = now
		rate := 0.0
		if s := p.Elapsed.Seconds(); s > 0 {
			rate = float64(p.Rows) / s
		}
		eta := ""
		if p.Expected > 0 && rate > 0 && p.Rows < p.Expected {
			eta = fmt.Sprintf(", ETA %s", (time.Duration(float64(p.Expected-p.Rows)/rate) * time.Second).Round(time.Second))
		}
		total := ""
		if p.Expected > 0 {
			total = fmt.Sprintf("/%d", p.Expected)
		}
		line := fmt.Sprintf("%d%s rows (%d created, %d updated, %d skipped, %d errors), %.0f rows/s%s",
			p.Rows, total, p.Created, p.Updated, p.Skipped, p.Failed, rate, eta)
		if tty {
			fmt.Fprintf(w, "\r\033[K%s", line)
		} else {
			fmt.Fprintln(w, line)
		}
	}
}

// UndoCommand reverts an import.
type UndoCommand struct {
	m *Main
	jsonFlag
}

// Run parses flags and undoes a job.
func (c *UndoCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.newFlagSet("undo", "undo [flags] JOURNAL\n\nReverts an import from its journal: records it updated get their previous values back,\nexcept the fields someone changed in Kommo since (those are kept and listed); records it created are tagged \"kommo-bulk undo JOB\" (the API cannot delete them: filter by\nthat tag in Kommo and delete them there).")
	c.watch(fs, args)
	var conn connFlags
	conn.register(fs)
	asJSON := fs.Bool("json", false, "print a JSON summary")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{msg: "undo wants one journal file", hint: "kommo-bulk undo contacts-20260101-120000.journal"}
	}
	client, err := conn.client(c.m)
	if err != nil {
		return err
	}
	res, err := bulk.Undo(ctx, client, fs.Arg(0))
	if err != nil {
		if res != nil {
			return &partialError{err: err, result: res}
		}
		return err
	}
	if *asJSON {
		return json.NewEncoder(c.m.Stdout).Encode(res)
	}
	fmt.Fprintf(c.m.Stdout, "restored %d records; created by the job: %s", res.Restored, res.CreatedSummary())
	if len(res.Created) > 0 {
		fmt.Fprintf(c.m.Stdout, ", tagged %q for deletion in Kommo", res.Tag)
	}
	fmt.Fprintln(c.m.Stdout)
	printKept(c.m.Stdout, res.Kept)
	return nil
}
