package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/engine"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/migrate"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// notesSummary counts the notes an import of records wrote from its
// spec's notes: (the import's own counts are its rows').
type notesSummary struct {
	// Created counts, in a dry run, the notes that would be written.
	Created int    `json:"created"`
	Skipped int    `json:"skipped"`
	Failed  int    `json:"failed"`
	Resumed int    `json:"resumed,omitempty"`
	Journal string `json:"journal,omitempty"`
	// refused counts the notes written without a field Kommo refused.
	refused map[string]int
}

// authorTables puts the users table (--user, --tables) before the author
// columns of spec: a note's author is matched as an owner is.
func authorTables(spec *mapping.Spec, users map[string]string) {
	if len(users) == 0 {
		return
	}
	merge := func(m map[string]string) map[string]string {
		out := make(map[string]string, len(m)+len(users))
		for k, v := range users {
			out[k] = v
		}
		for k, v := range m {
			out[k] = v // the spec's own entries win
		}
		return out
	}
	for i, n := range spec.Notes {
		if n.Author != "" {
			spec.Notes[i].AuthorMap = merge(n.AuthorMap)
		}
	}
	if mapping.IsNotesEntity(spec.Entity) {
		for i, c := range spec.Columns {
			if f := strings.ToLower(strings.TrimSpace(c.Field)); f == "author" || f == "created_by" {
				spec.Columns[i].Map = merge(c.Map)
			}
		}
	}
}

// lineIDs keeps, for the rows whose mapping made notes, the ids the
// import gave their records: the notes are written after the records.
type lineIDs struct {
	mu   sync.Mutex
	want map[int]int    // line → its number of notes
	ids  map[int][3]int // leads, contacts, companies
	// landed counts the notes of the rows that landed (a dry run's).
	landed int
}

var noteEntities = [3]kommo.EntityType{kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies}

func newLineIDs() *lineIDs { return &lineIDs{want: map[int]int{}, ids: map[int][3]int{}} }

// mark says line has n notes.
func (l *lineIDs) mark(line, n int) {
	l.mu.Lock()
	l.want[line] = n
	l.mu.Unlock()
}

// set keeps the ids of a row that landed and has notes.
func (l *lineIDs) set(rr bulk.RowResult) {
	if rr.Action == bulk.ActionError {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.want[rr.Line]
	if n == 0 {
		return
	}
	delete(l.want, rr.Line)
	l.landed += n
	var ids [3]int
	for i, e := range noteEntities {
		ids[i] = rr.IDs[e]
	}
	l.ids[rr.Line] = ids
}

func (l *lineIDs) get(line int) map[kommo.EntityType]int {
	l.mu.Lock()
	ids, ok := l.ids[line]
	l.mu.Unlock()
	if !ok {
		return nil
	}
	out := make(map[kommo.EntityType]int, 3)
	for i, e := range noteEntities {
		if ids[i] != 0 {
			out[e] = ids[i]
		}
	}
	return out
}

// writeRowNotes writes the notes of the spec's notes: on the records the
// import wrote, reading the file once more, through WriteNotes with a
// journal beside the import's: a resumed or re-run job adds none twice.
// An import that matched records (not create) first matches each note
// against the notes its record has.
func writeRowNotes(ctx context.Context, m *Main, a *importArgs, c *kommo.Client, mapper *mapping.Mapper,
	open func() (sheet.Table, error), journal string, mode bulk.Mode, ids *lineIDs) (*notesSummary, error) {
	table, err := open()
	if err != nil {
		return nil, err
	}
	defer table.Close()
	path := bulk.NotesJournal(journal)
	_, statErr := os.Stat(path)
	rows := func(yield func(*mapping.Row) bool) {
		for rec, err := range sheet.Records(table) {
			if err != nil {
				continue // the import reported it
			}
			if row, _ := mapper.Map(rec); row != nil && !yield(row) {
				return
			}
		}
	}
	opts := bulk.NoteOptions{
		Job:          bulk.JobHeader{ID: a.jobID + "-notes", Input: a.input, Mapping: a.mapping, Sheet: a.sheet},
		Journal:      path,
		Resume:       statErr == nil,
		NoSync:       a.noSync,
		BatchSize:    a.batch,
		SkipExisting: mode != bulk.ModeCreate,
	}
	shown := 0
	opts.OnNote = func(r bulk.NoteResult) {
		if r.Action == bulk.ActionError && shown < 5 {
			shown++
			fmt.Fprintf(m.Stderr, "  row %d: note not written: %v\n", r.Line, r.Err)
		}
	}
	res, err := bulk.WriteNotes(ctx, c, bulk.RowNoteItems(rows, ids.get), opts)
	if res == nil {
		return nil, err
	}
	return &notesSummary{Created: res.Created, Skipped: res.Skipped, Failed: res.Failed, Resumed: res.Resumed, Journal: path, refused: res.Refused}, err
}

// notesRun is what runImport hands an import of a notes file.
type notesRun struct {
	a        *importArgs
	journal  string
	lock     *bulk.JournalLock
	resume   bool
	results  string
	lookup   bulk.LookupStrategy
	client   *kommo.Client
	schema   *mapping.Schema
	spec     *mapping.Spec
	table    sheet.Table
	open     func() (sheet.Table, error)
	language string
}

// runImportNotes imports a notes file (a spec whose entity is notes):
// every row is validated first, and authors that match nobody stop it
// before anything is written; then each row's note goes on the record
// it names, through bulk.ImportNotes, skipping notes the record has
// already. Result files are an import's.
func runImportNotes(ctx context.Context, m *Main, r notesRun) error {
	a := r.a
	tables, _, err := loadNameTables(a.tables, a.users, a.stages, a.pipelines)
	if err != nil {
		return err
	}
	authorTables(r.spec, tables.Users)
	mapper, err := mapping.Compile(r.spec, r.schema, r.table.Header())
	if err != nil {
		return fmt.Errorf("%s: %w", a.mapping, err)
	}
	mapper.File = filepath.Base(a.input)
	if s, ok := r.table.(interface{ Sheet() string }); ok {
		mapper.Sheet = s.Sheet()
	}
	unmatched := migrate.NewUnmatchedNames(mapper.File, nil)
	report, err := engine.Check(ctx, mapper, r.table, engine.CheckOptions{Unmatched: unmatched, MaxErrors: 5})
	if err != nil {
		return err
	}
	if un := unmatched.Values(); len(un) > 0 {
		printUnmatched(m.Stderr, &migrate.UnmatchedError{Values: un})
		err := errors.New("stopped before writing: add the values above to the tables (--tables FILE, --user) or fix the file")
		if a.json {
			return &partialError{err: err, result: importSummary{Job: a.jobID, Input: a.input, DryRun: a.dryRun, Rows: report.Rows, Unmatched: un, Notes: r.schema.Notes}}
		}
		return err
	}
	fmt.Fprintf(m.Stderr, "%s: %d notes, %d valid (%d with warnings), %d with errors\n", a.input, report.Rows, report.Good+report.Warned, report.Warned, report.Bad)
	for _, e := range report.First {
		fmt.Fprintf(m.Stderr, "  %v\n", e)
	}
	if a.dryRun {
		sum := importSummary{Job: a.jobID, Input: a.input, DryRun: true, Rows: report.Rows, Failed: report.Bad, Landed: report.Good + report.Warned,
			Warned: report.Warned, Failures: failures(report.Causes), Notes: r.schema.Notes}
		printSummary(m, sum, a.json, r.language)
		if report.Bad > 0 {
			return errRowErrors
		}
		return nil
	}
	hash, err := bulk.HashFile(a.input)
	if err != nil {
		return err
	}
	refs, err := loadRefs(a.refs)
	if err != nil {
		return err
	}
	table, err := r.open()
	if err != nil {
		return err
	}
	defer table.Close()
	opts := bulk.NoteImportOptions{
		Notes: bulk.NoteOptions{
			Job:     bulk.JobHeader{ID: a.jobID, Input: a.input, InputHash: hash, Mapping: a.mapping, Sheet: a.sheet},
			Journal: r.journal, Resume: r.resume, Lock: r.lock, NoSync: a.noSync, BatchSize: a.batch,
			// A re-run with another journal adds nothing a record has.
			SkipExisting: true,
		},
		Refs:         refs,
		Lookup:       r.lookup,
		ExpectedRows: report.Rows,
		ScanCache:    filepath.Join(r.results, ".kommo-bulk-scan"),
	}
	fmt.Fprintf(m.Stderr, "job %s (notes); if it stops, continue with: kommo-bulk import --resume %s\n", a.jobID, r.journal)
	start := time.Now()
	items := mappedItems(table, mapper, nil)
	res, runErr := bulk.ImportNotes(ctx, r.client, items, opts)
	if res == nil {
		return runErr
	}
	// The result files, in input order.
	rt, err := r.open()
	if err != nil {
		return err
	}
	defer rt.Close()
	rf, err := openResultFiles(a, r.results, rt, bulk.NotesJob)
	if err != nil {
		return fmt.Errorf("result files: %w", err)
	}
	var werr error
	for rec, err := range sheet.Records(rt) {
		if err != nil || werr != nil {
			continue
		}
		if rr, ok := res.Rows[rec.Row]; ok {
			rr.Values = rec.Values
			werr = rf.w.Write(rr)
		}
	}
	if cerr := rf.close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("write result files: %w", werr)
	}
	counts := rf.w.Counts()
	sum := importSummary{Job: a.jobID, Input: a.input, Rows: counts.Success + counts.Errors, Created: res.Created, Skipped: res.Skipped,
		Failed: res.Failed, Resumed: res.Resumed, Seconds: time.Since(start).Seconds(), Success: rf.success, Journal: r.journal,
		Pending: report.Rows - counts.Success - counts.Errors, Notes: r.schema.Notes, Landed: res.Landed(), Warned: res.Warned,
		Warnings: res.Warnings, Failures: failures(report.Causes), NotesRefused: res.NotesRefused}
	if counts.Errors > 0 {
		sum.Errors = rf.errs
	} else {
		os.Remove(rf.errs)
	}
	a.summary = &sum
	err = runErr
	if err == nil && res.Failed > 0 {
		err = errRowErrors
	}
	if !a.json || err == nil {
		printSummary(m, sum, a.json, r.language)
	}
	if runErr != nil {
		fmt.Fprintf(m.Stderr, "stopped: %d notes not done; continue with: kommo-bulk import --resume %s\n", sum.Pending, r.journal)
	}
	if a.json && err != nil {
		return &partialError{err: err, result: sum}
	}
	return err
}
