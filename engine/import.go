package engine

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/migrate"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// ImportRun is one import as the engine runs it for both front ends: the
// CLI's import (a file on disk, a journal file and its lock, result files
// written as rows finish) and the page's job (a file in the engine, a
// journal in the browser). It is Go only, never JSON.
type ImportRun struct {
	// Name names the file in row errors and results; Sheet is the XLSX
	// worksheet read ("" for the first, or CSV).
	Name, Sheet string
	// SpecName names the spec in its compile errors ("" for none).
	SpecName string
	// Open opens the file's table. It is read up to three times: checked
	// to its end, imported, and for the notes a spec makes.
	Open func() (sheet.Table, error)
	// Spec maps the rows: of records (leads, contacts, companies, tasks,
	// with notes: written after them) or of notes (mapping.EntityNotes).
	Spec *mapping.Spec
	// Names, if set, matches owners, pipelines and stages value by value
	// as a migration does (migrate.MatchNames), with these tables first;
	// its users table is also the note authors'. A value that matches
	// nothing stops the import before anything is written: Import returns
	// a *migrate.UnmatchedError with the outcome's Check and Unmatched.
	// Nil leaves names to the spec's maps: a row whose name matches
	// nothing fails alone (the page, whose validation shows such rows).
	Names *migrate.NameTables
	// Options are bulk's. Import sets Job.Entity, Location and
	// ExpectedRows, and reads the rest as bulk does: the job (Job.ID,
	// Job.Mode), journal (a path or a Store's name), lock, resume, batch
	// size, workers, lookup, refs, OnRow and Progress.
	Options bulk.ImportOptions
	// Delta, if set, makes it a delta run (bulk.ImportDelta): only the rows
	// changed since the run that wrote Delta.State are sent.
	Delta *bulk.DeltaOptions
	// Counted, when the rows were validated already (the page's check
	// step), makes the first pass only count them, to the end of the
	// file, without mapping them again; Checked then sees a report of
	// the count only. It does not go with Names.
	Counted bool
	// Checked, if set, sees the validation pass once it is done, before
	// anything is written; an error it returns stops the import there.
	Checked func(*mapping.Report) error
	// OnNote, if set, sees every note of a spec's notes: that fails.
	OnNote func(bulk.NoteResult)

	// client is the job's own client (a page's job); nil means the
	// engine's (Config.Client for the CLI).
	client *kommo.Client
}

// ImportOutcome is what an import did.
type ImportOutcome struct {
	// Check is the validation pass over every row.
	Check *mapping.Report
	// Unmatched are the names that matched nothing (ImportRun.Names): the
	// import stopped before writing.
	Unmatched []migrate.Unmatched
	// Result is bulk's: one RowResult per row (unless Options.OnRow took
	// them). Nil when nothing was run: stopped before writing, or the dry
	// run of a notes file (Check says it all).
	Result *bulk.Result
	// Delta is a delta run's report.
	Delta *bulk.DeltaReport
	// Notes are the notes of the spec's notes:, written after the rows'
	// records (nil when the spec makes none).
	Notes *NotesOutcome
}

// NotesOutcome counts the notes an import of records wrote from its spec's
// notes: (a dry run counts in Created those it would write).
type NotesOutcome struct {
	Created, Skipped, Failed, Resumed int
	// Journal is the notes' own journal, beside the import's ("" for none).
	Journal string
	// Refused counts, by field, the notes written without a field Kommo
	// refused (created_at, created_by).
	Refused map[string]int
}

// Import imports a file: every row is validated first (a file that cannot
// be read to its end writes nothing), names are matched (run.Names), then
// the rows are written through bulk (or bulk.ImportDelta) and the notes of
// a spec's notes: after them, with a journal of their own beside the
// import's (a resume or a re-run adds none twice). A notes file (a spec
// whose entity is notes) goes through bulk.ImportNotes, one note per row
// on the record it names.
//
// The outcome is returned also when the run stops midway (a canceled ctx,
// an account-level error): it counts the rows done so far.
func (e *Engine) Import(ctx context.Context, run ImportRun) (*ImportOutcome, error) {
	if run.Open == nil || run.Spec == nil {
		return nil, errors.New("import: no file or no spec")
	}
	if err := checkBatchSize(run.Options.BatchSize); err != nil {
		return nil, err
	}
	client := run.client
	if client == nil {
		var err error
		if client, err = e.client(nil); err != nil {
			return nil, err
		}
	}
	schema, err := e.accountSchema(ctx)
	if err != nil {
		return nil, err
	}
	spec := run.Spec
	out := &ImportOutcome{}
	var un *migrate.UnmatchedNames
	if run.Names != nil {
		if !mapping.IsNotesEntity(spec.Entity) {
			names, err := migrate.MatchNames(ctx, schema, migrate.File{Name: run.Name, Spec: spec, Open: run.Open}, *run.Names)
			if err != nil && !errors.As(err, new(*migrate.UnmatchedError)) {
				return nil, err
			}
			spec, out.Unmatched = names.Spec, names.Unmatched
		} else {
			s := *spec
			s.Columns, s.Notes = slices.Clone(s.Columns), slices.Clone(s.Notes)
			spec = &s
		}
		authorTables(spec, run.Names.Users)
		un = migrate.NewUnmatchedNames(run.Name, out.Unmatched)
	}

	t, err := run.Open()
	if err != nil {
		return nil, err
	}
	mapper, err := mapping.Compile(spec, schema, t.Header())
	if err != nil {
		t.Close()
		if run.SpecName != "" {
			err = fmt.Errorf("%s: %w", run.SpecName, err)
		}
		return nil, err
	}
	mapper.File, mapper.Sheet = run.Name, run.Sheet
	if s, ok := t.(interface{ Sheet() string }); ok {
		mapper.Sheet = s.Sheet()
	}
	if run.Counted && run.Names == nil {
		out.Check, err = count(ctx, t)
	} else {
		out.Check, err = Check(ctx, mapper, t, CheckOptions{Unmatched: un, MaxErrors: 5})
	}
	t.Close()
	if err != nil {
		return nil, err
	}
	if un != nil {
		out.Unmatched = append(out.Unmatched, un.Values()...)
	}
	if len(out.Unmatched) > 0 {
		return out, &migrate.UnmatchedError{Values: out.Unmatched}
	}
	if run.Checked != nil {
		if err := run.Checked(out.Check); err != nil {
			return nil, err
		}
	}

	opts := run.Options
	opts.Location = schema.Location
	opts.ExpectedRows = out.Check.Rows
	if mapping.IsNotesEntity(spec.Entity) {
		return out, e.importNotesFile(ctx, client, run, mapper, opts, out)
	}
	opts.Job.Entity = spec.Entity

	var ids *lineIDs
	if len(spec.Notes) > 0 {
		ids = newLineIDs()
		onRow := opts.OnRow
		opts.OnRow = func(rr bulk.RowResult) {
			ids.set(rr)
			if onRow != nil {
				onRow(rr)
			}
		}
	}
	// The check read the file to its end; should it have changed since,
	// a read error that ends it is the last item.
	if t, err = run.Open(); err != nil {
		return nil, err
	}
	items := mappedItems(t, mapper, opts.OnRow != nil, func(line int, row *mapping.Row) {
		if ids != nil && len(row.Notes) > 0 {
			ids.mark(line, len(row.Notes))
		}
	})
	var runErr error
	if run.Delta != nil {
		out.Delta, runErr = bulk.ImportDelta(ctx, client, items, opts, *run.Delta)
		if out.Delta != nil {
			out.Result = out.Delta.Result
			if out.Result == nil {
				out.Result = &bulk.Result{Job: opts.Job, Rows: map[int]bulk.RowResult{}}
			}
		}
	} else {
		out.Result, runErr = bulk.Import(ctx, client, items, opts)
	}
	t.Close()
	if out.Result == nil {
		return nil, runErr
	}
	switch {
	case ids != nil && opts.DryRun:
		out.Notes = &NotesOutcome{Created: ids.landed}
	case ids != nil && runErr == nil:
		out.Notes, runErr = e.writeRowNotes(ctx, client, run, mapper, opts, ids)
	}
	return out, runErr
}

// count reads t to its end and counts its records; a read error that ends
// the table (a cell over the limit) is returned, as Check's is.
func count(ctx context.Context, t sheet.Table) (*mapping.Report, error) {
	rep := &mapping.Report{}
	for _, err := range sheet.Records(t) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if sheet.EndsTable(err) {
			return nil, err
		}
		rep.Rows++
	}
	return rep, nil
}

// writeRowNotes writes the notes of the spec's notes: on the records the
// import wrote, reading the file once more, through bulk.WriteNotes with a
// journal beside the import's: a resumed or re-run job adds none twice.
// An import that matched records (not create), or one without a journal
// file, first matches each note against the notes its record has.
func (e *Engine) writeRowNotes(ctx context.Context, c *kommo.Client, run ImportRun, mapper *mapping.Mapper, o bulk.ImportOptions, ids *lineIDs) (*NotesOutcome, error) {
	t, err := run.Open()
	if err != nil {
		return nil, err
	}
	defer t.Close()
	rows := func(yield func(*mapping.Row) bool) {
		for rec, err := range sheet.Records(t) {
			if err != nil {
				continue // the import reported it
			}
			if row, _ := mapper.Map(rec); row != nil && !yield(row) {
				return
			}
		}
	}
	opts := bulk.NoteOptions{
		Job:          bulk.JobHeader{ID: o.Job.ID + "-notes", Input: o.Job.Input, Mapping: o.Job.Mapping, Sheet: o.Job.Sheet},
		NoSync:       o.NoSync,
		BatchSize:    o.BatchSize,
		SkipExisting: o.Job.Mode != bulk.ModeCreate,
		OnNote: func(r bulk.NoteResult) {
			if r.Action == bulk.ActionError && run.OnNote != nil {
				run.OnNote(r)
			}
		},
	}
	if o.Journal != "" && o.Store == nil {
		opts.Journal = bulk.NotesJournal(o.Journal)
		_, statErr := os.Stat(opts.Journal)
		opts.Resume = statErr == nil
	} else {
		// No journal file to keep the notes' own (the page's store): a
		// re-run finds the notes on their records instead.
		opts.SkipExisting = true
	}
	res, err := bulk.WriteNotes(ctx, c, bulk.RowNoteItems(rows, ids.get), opts)
	if res == nil {
		return nil, err
	}
	return &NotesOutcome{Created: res.Created, Skipped: res.Skipped, Failed: res.Failed, Resumed: res.Resumed,
		Journal: opts.Journal, Refused: res.Refused}, err
}

// importNotesFile imports a notes file (a spec whose entity is notes),
// checked already: each row's note goes on the record it names, through
// bulk.ImportNotes, skipping notes the record has already. A dry run stops
// at the check. The rows' results go to opts.OnRow in input order, with
// their cells, once the notes are written.
func (e *Engine) importNotesFile(ctx context.Context, c *kommo.Client, run ImportRun, mapper *mapping.Mapper, opts bulk.ImportOptions, out *ImportOutcome) error {
	if opts.DryRun {
		return nil
	}
	if opts.Store != nil {
		return errors.New("import: a notes file keeps its journal in a file (the CLI's import)")
	}
	t, err := run.Open()
	if err != nil {
		return err
	}
	job := opts.Job
	job.Entity, job.Mode = "", ""
	nopts := bulk.NoteImportOptions{
		Notes: bulk.NoteOptions{
			Job: job, Journal: opts.Journal, Resume: opts.Resume, Lock: opts.Lock, NoSync: opts.NoSync, BatchSize: opts.BatchSize,
			// A re-run with another journal adds nothing a record has.
			SkipExisting: true,
		},
		Refs:         opts.Refs,
		Lookup:       opts.Lookup,
		ExpectedRows: opts.ExpectedRows,
		ScanCache:    opts.ScanCache,
	}
	res, runErr := bulk.ImportNotes(ctx, c, mappedItems(t, mapper, false, nil), nopts)
	t.Close()
	if res == nil {
		return runErr
	}
	out.Result = res
	if opts.OnRow == nil {
		return runErr
	}
	// The results in input order, with the rows' cells.
	rt, err := run.Open()
	if err != nil {
		return err
	}
	defer rt.Close()
	for rec, err := range sheet.Records(rt) {
		if err != nil {
			continue
		}
		if rr, ok := res.Rows[rec.Row]; ok {
			rr.Values = rec.Values
			opts.OnRow(rr)
		}
	}
	return runErr
}

// mappedItems yields the records of t mapped by m as import items, with
// their cells when values is set (for result files written as rows
// finish); a read error that ends the table is its last item. each, if
// set, sees every row mapped.
func mappedItems(t sheet.Table, m *mapping.Mapper, values bool, each func(line int, row *mapping.Row)) iter.Seq[bulk.Item] {
	return func(yield func(bulk.Item) bool) {
		for rec, err := range sheet.Records(t) {
			if err != nil {
				var re *sheet.RowError
				if !errors.As(err, &re) {
					re = &sheet.RowError{File: m.File, Sheet: m.Sheet, Err: err}
				}
				if !yield(bulk.Item{Line: re.Row, Errs: []*sheet.RowError{re}}) {
					return
				}
				continue
			}
			row, errs := m.Map(rec)
			if each != nil && row != nil {
				each(rec.Row, row)
			}
			it := bulk.Item{Line: rec.Row, Row: row, Errs: errs}
			if values {
				it.Values = rec.Values
			}
			if !yield(it) {
				return
			}
		}
	}
}

// authorTables puts a users table before the author columns of spec: a
// note's author is matched as an owner is (the spec's own entries win).
// It changes spec's notes and columns in place.
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
			out[k] = v
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
