package engine

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/migrate"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// wireEngine is an engine against an emulator that counts the writes on
// the wire by path.
type wireEngine struct {
	*Engine
	emu    *kommotest.Server
	url    string
	mu     sync.Mutex
	writes map[string]int
}

func newWireEngine(t *testing.T) *wireEngine {
	t.Helper()
	emu, err := kommotest.NewServer(kommotest.Options{Tokens: []string{testToken}, Rate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	w := &wireEngine{Engine: New(), emu: emu, writes: map[string]int{}}
	ts := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.mu.Lock()
			w.writes[r.URL.Path]++
			w.mu.Unlock()
		}
		emu.ServeHTTP(rw, r)
	}))
	t.Cleanup(func() { ts.Close(); emu.Close() })
	w.url = ts.URL
	if err := w.Configure(Config{BaseURL: ts.URL, Token: testToken, Rate: -1}); err != nil {
		t.Fatal(err)
	}
	return w
}

// written counts the writes to paths that end with suffix.
func (w *wireEngine) written(suffix string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for p, c := range w.writes {
		if strings.HasSuffix(p, suffix) {
			n += c
		}
	}
	return n
}

func (w *wireEngine) total() int { return w.written("") }

const notesLeadsSpec = `entity: leads
match: name
columns:
  - {column: Deal, field: name}
notes:
  - {column: Comment}
`

const notesLeadsCSV = "Deal,Comment\nAlpha,called them\nBeta,\nGamma,sent the offer\n"

// TestPageImportWritesSpecNotes: the page's job runs the CLI's import, so
// a spec's notes: are written on the rows' records after them (they used
// to be dropped without a word), and a re-run adds none twice.
func TestPageImportWritesSpecNotes(t *testing.T) {
	e := newWireEngine(t)
	ctx := t.Context()
	fi, err := e.OpenFile([]byte(notesLeadsCSV), "leads.csv", OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	run := func(p ImportParams) *ImportResult {
		t.Helper()
		j, err := e.StartImport(ctx, fi.ID, notesLeadsSpec, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := j.Wait()
		if err != nil || res.Error != "" {
			t.Fatalf("import: %v %+v", err, res)
		}
		return res
	}
	dry := run(ImportParams{Mode: "upsert", DryRun: true})
	if dry.NotesWritten == nil || dry.NotesWritten.Created != 2 || e.total() != 0 {
		t.Fatalf("dry run: notes %+v, %d writes; want 2 notes to write and no writes", dry.NotesWritten, e.total())
	}
	res := run(ImportParams{Mode: "upsert"})
	if res.Created != 3 || res.NotesWritten == nil || *res.NotesWritten != (NotesInfo{Created: 2}) {
		t.Fatalf("import: %+v, notes %+v; want 3 leads and 2 notes", res, res.NotesWritten)
	}
	notes := e.emu.Snapshot().Notes
	if len(notes) != 2 || e.written("/notes") != 1 {
		t.Fatalf("Kommo has %d notes after %d note requests; want 2 in one request", len(notes), e.written("/notes"))
	}
	for _, n := range notes {
		if n.EntityType != "leads" || (n.Params["text"] != "called them" && n.Params["text"] != "sent the offer") {
			t.Errorf("note %+v", n)
		}
	}
	again := run(ImportParams{Mode: "upsert"})
	if again.NotesWritten == nil || *again.NotesWritten != (NotesInfo{Skipped: 2}) || len(e.emu.Snapshot().Notes) != 2 || e.written("/notes") != 1 {
		t.Errorf("re-run: notes %+v, %d in Kommo after %d note requests; want both skipped, none sent",
			again.NotesWritten, len(e.emu.Snapshot().Notes), e.written("/notes"))
	}
}

// TestPageImportRefusesNotesFile: a notes file keeps a journal file of its
// own, which the page has not: it is refused before the job starts.
func TestPageImportRefusesNotesFile(t *testing.T) {
	e := newWireEngine(t)
	fi, err := e.OpenFile([]byte("Lead ID,Text\n1,hi\n"), "notes.csv", OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spec := "entity: notes\nconstants:\n  - {field: entity_type, value: leads}\ncolumns:\n  - {column: Lead ID, field: entity_id}\n  - {column: Text, field: text}\n"
	if _, err := e.StartImport(t.Context(), fi.ID, spec, ImportParams{}, nil); err == nil || !strings.Contains(err.Error(), "CLI") {
		t.Errorf("StartImport(notes file) = %v, want a refusal naming the CLI", err)
	}
	if e.total() != 0 {
		t.Errorf("%d writes", e.total())
	}
}

func csvOpen(name, data string) func() (sheet.Table, error) {
	return func() (sheet.Table, error) {
		return sheet.Open(name, strings.NewReader(data), int64(len(data)), sheet.ReadOptions{})
	}
}

// TestImportNames: with name tables (the CLI), an owner that matches
// nobody stops the import before anything is written, listed by value
// with its rows; the table maps it. Without (the page), its row fails
// alone and the others land.
func TestImportNames(t *testing.T) {
	e := newWireEngine(t)
	ctx := t.Context()
	schema, err := e.AccountSchema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	owner := schema.Users[0]
	data := "Deal,Owner\nAlpha," + owner.Name + "\nBeta,Nobody Known\nGamma,Nobody Known\n"
	spec, err := mapping.ParseSpec([]byte("entity: leads\ncolumns:\n  - {column: Deal, field: name}\n  - {column: Owner, field: responsible_user_id}\n"))
	if err != nil {
		t.Fatal(err)
	}
	base := ImportRun{Name: "leads.csv", Open: csvOpen("leads.csv", data), Spec: spec,
		Options: bulk.ImportOptions{Job: bulk.JobHeader{ID: "names", Mode: bulk.ModeCreate}}}

	run := base
	run.Names = &migrate.NameTables{}
	checked := false
	run.Checked = func(*mapping.Report) error { checked = true; return nil }
	out, err := e.Import(ctx, run)
	var ue *migrate.UnmatchedError
	if !errors.As(err, &ue) || out == nil || len(out.Unmatched) != 1 || out.Unmatched[0].Value != "Nobody Known" ||
		out.Unmatched[0].Rows != 2 || out.Check.Rows != 3 || out.Result != nil || checked || e.total() != 0 {
		t.Fatalf("Import = %+v, %v (checked %v, %d writes); want Nobody Known on rows 3 and 4, stopped before writing", out, err, checked, e.total())
	}

	run.Names = &migrate.NameTables{Users: map[string]string{"Nobody Known": owner.Name}}
	if out, err = e.Import(ctx, run); err != nil || out.Result.Created != 3 || out.Result.Failed != 0 || !checked {
		t.Fatalf("with a users table: %+v, %v", out, err)
	}
	for _, l := range e.emu.Snapshot().Leads {
		if l.ResponsibleUserID != owner.ID {
			t.Errorf("lead %q owned by %d, want %d", l.Name, l.ResponsibleUserID, owner.ID)
		}
	}
	if spec.Columns[1].Map != nil {
		t.Errorf("Import changed the caller's spec: %+v", spec.Columns[1])
	}

	run = base
	run.Options.Job.ID = "page"
	out, err = e.Import(ctx, run)
	if err != nil || out.Result.Created != 1 || out.Result.Failed != 2 || out.Check.Bad != 2 {
		t.Fatalf("without tables: %+v, %v; want Alpha created, two rows failed alone", out, err)
	}
	if rr := out.Result.Rows[3]; rr.Action != bulk.ActionError || rr.Column != "Owner" {
		t.Errorf("row 3: %+v, want an error on Owner", rr)
	}
}

// TestImportCheckedStops: Checked sees every row validated before the
// first write, and its error stops the import there.
func TestImportCheckedStops(t *testing.T) {
	e := newWireEngine(t)
	spec, err := mapping.ParseSpec([]byte(notesLeadsSpec))
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("no room for the result files")
	out, err := e.Import(t.Context(), ImportRun{Name: "leads.csv", Open: csvOpen("leads.csv", notesLeadsCSV), Spec: spec,
		Options: bulk.ImportOptions{Job: bulk.JobHeader{ID: "stop", Mode: bulk.ModeCreate}},
		Checked: func(r *mapping.Report) error {
			if r.Rows != 3 || r.Good != 3 {
				t.Errorf("checked %+v, want 3 good rows", r)
			}
			return stop
		}})
	if !errors.Is(err, stop) || out != nil || e.total() != 0 {
		t.Errorf("Import = %+v, %v, %d writes; want the Checked error and nothing written", out, err, e.total())
	}
}

// TestImportNotesFileResults: a notes file's rows reach OnRow in input
// order, with their cells, once its notes are written; a journal file
// beside makes a re-run of the same job add nothing.
func TestImportNotesFileResults(t *testing.T) {
	e := newWireEngine(t)
	ctx := t.Context()
	c, err := kommo.NewClient(e.url, kommo.WithToken(testToken), kommo.WithRateLimit(rate.Inf, 1))
	if err != nil {
		t.Fatal(err)
	}
	leads, _, err := c.Leads.Create(ctx, []kommo.LeadRequest{{Name: "Alpha"}, {Name: "Beta"}})
	if err != nil {
		t.Fatal(err)
	}
	before := e.total()
	data := "Lead ID,Text\n" + itoa(leads[1].ID) + ",second\n" + itoa(leads[0].ID) + ",first\n999999,lost\n"
	spec, err := mapping.ParseSpec([]byte("entity: notes\nconstants:\n  - {field: entity_type, value: leads}\ncolumns:\n  - {column: Lead ID, field: entity_id}\n  - {column: Text, field: text}\n"))
	if err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(t.TempDir(), "notes.journal")
	var rows []bulk.RowResult
	run := ImportRun{Name: "notes.csv", Open: csvOpen("notes.csv", data), Spec: spec, Names: &migrate.NameTables{},
		Options: bulk.ImportOptions{Job: bulk.JobHeader{ID: "notes"}, Journal: journal, NoSync: true,
			OnRow: func(rr bulk.RowResult) { rows = append(rows, rr) }}}
	out, err := e.Import(ctx, run)
	if err != nil || out.Result == nil || out.Result.Created != 2 || out.Result.Failed != 1 {
		t.Fatalf("Import = %+v, %v; want 2 notes and the unknown lead failed", out, err)
	}
	if len(rows) != 3 || rows[0].Line != 2 || rows[0].Values[1] != "second" || rows[2].Line != 4 || rows[2].Action != bulk.ActionError {
		t.Fatalf("rows = %+v, want lines 2, 3, 4 in order with their cells, line 4 failed", rows)
	}
	if len(e.emu.Snapshot().Notes) != 2 || e.written("/notes") == 0 {
		t.Fatalf("%d notes in Kommo", len(e.emu.Snapshot().Notes))
	}
	sent := e.total() - before
	run.Options.Resume = true
	rows = nil
	if out, err = e.Import(ctx, run); err != nil || out.Result.Resumed < 2 || len(e.emu.Snapshot().Notes) != 2 {
		t.Fatalf("resumed: %+v, %v, %d notes in Kommo", out.Result, err, len(e.emu.Snapshot().Notes))
	}
	if e.total()-before != sent {
		t.Errorf("resume sent %d writes more", e.total()-before-sent)
	}
	if len(rows) != 3 || rows[0].Action != bulk.ActionCreate || rows[0].IDs[bulk.NotesJob] == 0 {
		t.Errorf("resumed rows = %+v, want the notes' ids from the journal", rows)
	}
	// A dry run of a notes file stops at the check.
	run.Options = bulk.ImportOptions{Job: bulk.JobHeader{ID: "dry"}, DryRun: true}
	if out, err = e.Import(ctx, run); err != nil || out.Result != nil || out.Check.Rows != 3 {
		t.Errorf("dry run: %+v, %v", out, err)
	}
}
