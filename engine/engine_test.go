package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx"
	"golang.org/x/time/rate"
)

const testToken = "wasm-test-token"

// setup returns an engine configured against a fresh emulator.
func setup(t testing.TB) (*Engine, *kommotest.Server) {
	t.Helper()
	emu, err := kommotest.NewServer(kommotest.Options{Tokens: []string{testToken}, Rate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(emu)
	t.Cleanup(func() { ts.Close(); emu.Close() })
	e := New()
	if err := e.Configure(Config{BaseURL: ts.URL, Token: testToken, Rate: -1}); err != nil {
		t.Fatal(err)
	}
	return e, emu
}

func openDemo(t *testing.T, e *Engine, name string) *FileInfo {
	t.Helper()
	b, err := os.ReadFile("../testdata/demo/" + name)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := e.OpenFile(b, "C:\\Users\\me\\"+name, OpenOptions{})
	if err != nil {
		t.Fatalf("OpenFile(%s) = %v", name, err)
	}
	return fi
}

func demoSpec(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../testdata/demo/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOpenFileCSV(t *testing.T) {
	e := New()
	fi := openDemo(t, e, "contacts.csv")
	if fi.Name != "contacts.csv" || fi.Format != "csv" || fi.Delimiter != ";" {
		t.Errorf("OpenFile = name %q format %q delimiter %q, want contacts.csv csv ;", fi.Name, fi.Format, fi.Delimiter)
	}
	if got, want := strings.Join(fi.Header, "|"), "First name|Last name|Email|Phone|Position|Company ID|Birthday"; got != want {
		t.Errorf("header = %s, want %s", got, want)
	}
	if len(fi.Preview) != 6 || fi.Preview[0].Row != 2 || fi.Preview[0].Values[0] != "Ada" {
		t.Errorf("preview = %+v, want 6 rows from row 2 (Ada)", fi.Preview)
	}
	if _, err := e.OpenFile([]byte("not a zip"), "x.xlsx", OpenOptions{}); err == nil {
		t.Error("OpenFile(garbage) = nil error, want one")
	}
}

func TestOpenFileXLSX(t *testing.T) {
	var buf bytes.Buffer
	w, err := xlsx.NewWriter(&buf, xlsx.WriteOptions{Sheet: "People"})
	if err != nil {
		t.Fatal(err)
	}
	w.WriteHeader([]string{"Name", "Email"})
	w.WriteRow([]sheet.Cell{sheet.StringCell("Ada"), sheet.StringCell("ada@example.com")})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	e := New()
	fi, err := e.OpenFile(buf.Bytes(), "people.xlsx", OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if fi.Format != "xlsx" || fi.Sheet != "People" || len(fi.Sheets) != 1 || len(fi.Preview) != 1 {
		t.Errorf("OpenFile(xlsx) = %+v, want one sheet People with one row", fi)
	}
	if _, err := e.OpenFile(buf.Bytes(), "people.xlsx", OpenOptions{Sheet: "Nope"}); err == nil {
		t.Error("OpenFile(sheet Nope) = nil error, want one")
	}
}

func TestProposeValidateFix(t *testing.T) {
	e, _ := setup(t)
	ctx := t.Context()
	fi := openDemo(t, e, "contacts.csv")
	p, err := e.Propose(ctx, fi.ID, "contacts")
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{}
	for _, c := range p.Columns {
		fields[c.Column] = c.Field
		if c.Field != "" && (c.Confidence <= 0 || c.Confidence > 1) {
			t.Errorf("column %q: confidence %v out of (0, 1]", c.Column, c.Confidence)
		}
	}
	if fields["Email"] != "EMAIL" || fields["First name"] != "first_name" {
		t.Errorf("proposal fields = %v, want Email → EMAIL and First name → first_name", fields)
	}
	if !strings.Contains(p.SpecYAML, "entity: contacts") || !json.Valid(p.Spec) {
		t.Errorf("proposal spec = %s / %s, want a contacts spec in YAML and JSON", p.SpecYAML, p.Spec)
	}
	if _, err := e.Propose(ctx, fi.ID, "deals"); err == nil {
		t.Error("Propose(deals) = nil error, want one")
	}

	// By default Edsger's phone, "not a phone", is left out: his row lands
	// with a warning on the Phone cell.
	v, err := e.Validate(ctx, fi.ID, demoSpec(t, "contacts.yaml"), ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v.Rows != 6 || v.Good != 6 || v.Warned != 1 || v.Warnings != 1 || v.Bad != 0 || len(v.WarnRows) != 1 || len(v.BadRows) != 0 {
		t.Fatalf("Validate = %d rows, %d good, %d warned, %d bad (%+v), want 6, 6, 1, 0", v.Rows, v.Good, v.Warned, v.Bad, v.WarnRows)
	}
	wr := v.WarnRows[0]
	if w := wr.Warnings; wr.Row != 6 || wr.Values[0] != "Edsger" || len(wr.Errors) != 0 || len(w) != 1 || w[0].Column != "Phone" || w[0].ColumnIndex != 3 ||
		w[0].Code != "phone_left_out" || w[0].Action != "left_out" || w[0].Message != "left out: invalid phone number: not a phone number" {
		t.Errorf("warned row = %+v, want row 6 (Edsger), Phone (index 3) left out", wr)
	}
	if len(v.Causes) != 1 || v.Causes[0].Text != "Phone: 1 row left out (no digits in it)" || v.Causes[0].Error {
		t.Errorf("causes = %+v", v.Causes)
	}
	if len(v.Regions) != 1 || v.Regions[0].Region != "US" || v.Regions[0].From != "spec" || v.Regions[0].Rows != 1 {
		t.Errorf("regions = %+v, want US from the spec for Grace's (202) number", v.Regions)
	}

	// The strict policy, chosen for the column, fails the row instead.
	spec := strings.Replace(demoSpec(t, "contacts.yaml"), "transforms: [phone]", "transforms: [phone]\n    on_invalid: error", 1)
	v, err = e.Validate(ctx, fi.ID, spec, ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v.Rows != 6 || v.Bad != 1 || len(v.BadRows) != 1 || v.Good != 5 || v.Warned != 0 {
		t.Fatalf("Validate = %d rows, %d bad (%+v), want 6 and 1", v.Rows, v.Bad, v.BadRows)
	}
	br := v.BadRows[0]
	if br.Row != 6 || br.Values[0] != "Edsger" || br.Errors[0].Column != "Phone" || br.Errors[0].ColumnIndex != 3 || br.Errors[0].Message == "" {
		t.Errorf("bad row = %+v, want row 6 (Edsger), Phone (index 3) with a message", br)
	}
	if v.ByColumn["Phone"] != 1 {
		t.Errorf("byColumn = %v, want Phone: 1", v.ByColumn)
	}

	ef, err := e.ErrorsFile(ctx, fi.ID, spec)
	if err != nil {
		t.Fatal(err)
	}
	if ef.Name != "contacts.errors.csv" || ef.Rows != 1 || !bytes.Contains(ef.Data, []byte("Edsger")) || bytes.Contains(ef.Data, []byte("Ada")) {
		t.Errorf("ErrorsFile = %s (%d rows): %q, want contacts.errors.csv with Edsger's row only", ef.Name, ef.Rows, ef.Data)
	}

	if err := e.SetCell(fi.ID, 6, "Phone", "+31 20 555 0100"); err != nil {
		t.Fatal(err)
	}
	if err := e.SetCell(fi.ID, 6, "Nope", "x"); err == nil {
		t.Error("SetCell(column Nope) = nil error, want one")
	}
	v, err = e.Validate(ctx, fi.ID, spec, ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v.Bad != 0 {
		t.Errorf("after the fix: %d bad rows (%+v), want 0", v.Bad, v.BadRows)
	}
	fixes, _ := e.Fixes(fi.ID)
	if fixes[6]["Phone"] != "+31 20 555 0100" {
		t.Errorf("Fixes = %v, want row 6 Phone fixed", fixes)
	}
	if _, err := e.Validate(ctx, fi.ID, "entity: contacts\ncolumns:\n  - column: Nope\n    field: name\n", ValidateOptions{}); err == nil {
		t.Error("Validate(spec with an unknown column) = nil error, want one")
	}
}

// TestImportAcrossFiles imports companies and then contacts that refer to
// them by key, in one session, as the page does.
func TestImportAcrossFiles(t *testing.T) {
	e, emu := setup(t)
	ctx := t.Context()
	co := openDemo(t, e, "companies.csv")
	j, err := e.StartImport(ctx, co.ID, demoSpec(t, "companies.yaml"), ImportParams{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := j.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 3 || res.Failed != 0 || res.SuccessFile == nil || res.ErrorsFile != nil {
		t.Fatalf("companies: %+v, want 3 created and a success file only", res)
	}

	ct := openDemo(t, e, "contacts.csv")
	spec := demoSpec(t, "contacts.yaml")
	if err := e.SetCell(ct.ID, 6, "Phone", "+31 20 555 0100"); err != nil {
		t.Fatal(err)
	}
	// Barbara's company C-9 is in no file: she lands without the link.
	// A dry run writes nothing.
	before := len(emu.Snapshot().Contacts)
	var mu sync.Mutex
	var phases []string
	j, err = e.StartImport(ctx, ct.ID, spec, ImportParams{Mode: "upsert", DryRun: true}, func(p ProgressInfo) {
		mu.Lock()
		phases = append(phases, p.Phase)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	dry, err := j.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !dry.DryRun || dry.Created != 6 || dry.Failed != 0 || dry.Landed != 6 || dry.Warned != 1 || len(emu.Snapshot().Contacts) != before {
		t.Errorf("dry run: %+v, want 6 creates, 1 with a warning (C-9) and no writes", dry)
	}
	if dry.SuccessFile == nil || dry.SuccessFile.Name != "contacts.dry-run.csv" {
		t.Errorf("dry run file = %+v, want contacts.dry-run.csv", dry.SuccessFile)
	}
	mu.Lock()
	if len(phases) < 3 || phases[0] != "validating" || phases[len(phases)-1] != "done" {
		t.Errorf("progress phases = %v, want validating … done", phases)
	}
	mu.Unlock()

	j, err = e.StartImport(ctx, ct.ID, spec, ImportParams{Mode: "upsert"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err = j.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 6 || res.Failed != 0 || res.ErrorsFile != nil || res.Warned != 1 || len(res.Warnings) != 1 ||
		!strings.HasPrefix(res.Warnings[0].Text, "Company ID: 1 row landed without its link") {
		t.Fatalf("contacts: %+v, want 6 created, Barbara's with a warning (unknown company C-9)", res)
	}
	if d := res.Details[5]; d.Row != 7 || len(d.Warnings) != 1 || d.Warnings[0] != `Company ID: not linked: no company "C-9" in this run or the journals given` {
		t.Errorf("Barbara's detail = %+v", d)
	}
	if !bytes.Contains(res.SuccessFile.Data, []byte(`Barbara;Liskov;`)) || !bytes.Contains(res.SuccessFile.Data, []byte(`Company ID: ref_not_found: not linked`)) ||
		!bytes.Contains(res.SuccessFile.Data, []byte("+31 20 555 0100")) {
		t.Errorf("success file %q; want Barbara's row with her warning and the fixed phone", res.SuccessFile.Data)
	}
	linked := 0
	for _, c := range emu.Snapshot().Contacts {
		if c.Name == "Ada Lovelace" || c.FirstName == "Ada" {
			linked++
		}
	}
	if linked == 0 {
		t.Error("the emulator has no contact Ada after the import")
	}
}

func TestImportPauseCancel(t *testing.T) {
	e, emu := setup(t)
	emu.SetLatency(20 * time.Millisecond)
	var buf strings.Builder
	buf.WriteString("Name,Email\n")
	for i := range 400 {
		buf.WriteString("Person " + itoa(i) + ",p" + itoa(i) + "@example.com\n")
	}
	fi, err := e.OpenFile([]byte(buf.String()), "many.csv", OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spec := "entity: contacts\ncolumns:\n  - column: Name\n    field: name\n  - column: Email\n    field: EMAIL\n"
	progressed := make(chan struct{}, 1)
	j, err := e.StartImport(t.Context(), fi.ID, spec, ImportParams{BatchSize: 10, Workers: 1}, func(p ProgressInfo) {
		if p.Phase == "importing" && p.Rows > 0 {
			select {
			case progressed <- struct{}{}:
			default:
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	<-progressed
	j.Pause()
	time.Sleep(100 * time.Millisecond) // batches on the wire finish
	n1 := emu.Stats().Requests
	time.Sleep(200 * time.Millisecond)
	if n2 := emu.Stats().Requests; n2 != n1 {
		t.Errorf("paused job made %d requests, want none", n2-n1)
	}
	if _, err := e.Job(j.ID); err != nil {
		t.Errorf("Job(%d) = %v while running", j.ID, err)
	}
	j.Cancel()
	res, err := j.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !res.Canceled || res.Pending == 0 || res.Created == 0 || res.Created >= 400 {
		t.Errorf("canceled job: %+v, want canceled with some rows created and some pending", res)
	}
	if _, err := e.Job(j.ID); err == nil {
		t.Error("Job() of a finished job = nil error, want one")
	}
}

func TestExport(t *testing.T) {
	e, _ := setup(t)
	ctx := t.Context()
	co := openDemo(t, e, "companies.csv")
	j, err := e.StartImport(ctx, co.ID, demoSpec(t, "companies.yaml"), ImportParams{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Wait(); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"xlsx", "csv"} {
		pages := 0
		f, err := e.Export(ctx, ExportParams{Entity: "companies", Format: format, TimeZone: "Europe/Berlin", Filter: ExportFilterParams{Query: "Acme"}},
			func(p ExportProgressInfo) { pages = p.Pages })
		if err != nil {
			t.Fatalf("Export(%s) = %v", format, err)
		}
		if !strings.HasSuffix(f.Name, "."+format) || f.Rows != 1 || pages == 0 {
			t.Errorf("Export(%s) = %s with %d rows after %d pages, want one row (Acme)", format, f.Name, f.Rows, pages)
		}
		t2, err := sheet.Open(f.Name, bytes.NewReader(f.Data), int64(len(f.Data)), sheet.ReadOptions{})
		if err != nil {
			t.Fatalf("reading the %s export back: %v", format, err)
		}
		rec, err := t2.Next()
		if err != nil || !strings.Contains(strings.Join(rec.Values, "|"), "Acme GmbH") {
			t.Errorf("export %s first row = %v, %v; want Acme GmbH", format, rec.Values, err)
		}
		t2.Close()
	}
	for _, p := range []ExportParams{
		{Entity: "deals"},
		{Entity: "leads", Format: "pdf"},
		{Entity: "leads", Filter: ExportFilterParams{CreatedFrom: "yesterday"}},
		{Entity: "leads", Filter: ExportFilterParams{CreatedFrom: "2026-02-01", CreatedTo: "2026-01-01"}},
		{Entity: "leads", TimeZone: "Mars/Olympus"},
	} {
		if _, err := e.Export(ctx, p, nil); err == nil {
			t.Errorf("Export(%+v) = nil error, want one", p)
		}
	}
}

func TestNotConfigured(t *testing.T) {
	e := New()
	if _, err := e.Schema(context.Background()); err == nil || !strings.Contains(err.Error(), "configure") {
		t.Errorf("Schema() before Configure = %v, want a configure error", err)
	}
	if err := e.Configure(Config{}); err == nil {
		t.Error("Configure(no baseURL) = nil, want an error")
	}
	if err := e.Configure(Config{BaseURL: "ftp://x"}); err == nil {
		t.Error("Configure(ftp) = nil, want an error")
	}
}

func TestSchemaInfo(t *testing.T) {
	e, _ := setup(t)
	s, err := e.Schema(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Pipelines) == 0 || len(s.Pipelines[0].Stages) == 0 || len(s.Users) == 0 {
		t.Errorf("schema = %+v, want pipelines with stages and users", s)
	}
	// Every field the schema offers compiles in a spec: the page's field
	// pickers never offer a name the mapping layer rejects.
	schema, err := e.accountSchema(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for ent, fs := range s.Fields {
		for _, f := range fs {
			tg := mapping.Target{Field: f.Field}
			if len(f.Enums) > 0 {
				tg.Enum = f.Enums[len(f.Enums)-1]
			}
			spec := &mapping.Spec{Entity: kommo.EntityType(ent), Columns: []mapping.ColumnSpec{{Column: "A", Target: tg}}}
			if _, err := mapping.Compile(spec, schema, []string{"A"}); err != nil {
				t.Errorf("%s field %q does not compile: %v", ent, f.Field, err)
			}
		}
	}
}

func TestSpecConversions(t *testing.T) {
	y, err := SpecYAML(`{"entity":"contacts","columns":[{"column":"E","field":"EMAIL"}]}`)
	if err != nil || !strings.Contains(y, "field: EMAIL") {
		t.Errorf("SpecYAML = %q, %v", y, err)
	}
	j, err := SpecJSON("entity: leads\ncolumns:\n  - column: Deal\n    field: name\n")
	if err != nil || !strings.Contains(string(j), `"field":"name"`) {
		t.Errorf("SpecJSON = %s, %v", j, err)
	}
	if _, err := SpecJSON("entity: [oops"); err == nil {
		t.Error("SpecJSON(bad yaml) = nil error")
	}
}

func TestDateRange(t *testing.T) {
	r, err := dateRange("2026-01-01", "2026-01-01", time.UTC)
	if err != nil || r.To-r.From != 86399 {
		t.Errorf("dateRange(day, same day) = %+v, %v; want the whole day", r, err)
	}
	if r, err := dateRange("", "", time.UTC); r != nil || err != nil {
		t.Errorf("dateRange(empty) = %+v, %v; want nil, nil", r, err)
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// TestJobsStartAtTheConfiguredRate runs two imports in one session (one
// limiter): the first draws a 429, which halves the rate, and ends before
// it recovers; the second starts at the configured rate again.
func TestJobsStartAtTheConfiguredRate(t *testing.T) {
	e, emu := setup(t)
	ctx := t.Context()
	cfg := e.cfg
	cfg.Rate = 1000
	if err := e.Configure(cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := e.accountSchema(ctx); err != nil { // before the 429, which a job should draw
		t.Fatal(err)
	}
	co := openDemo(t, e, "companies.csv")
	spec := demoSpec(t, "companies.yaml")
	emu.FailNext(1, http.StatusTooManyRequests)
	j, err := e.StartImport(ctx, co.ID, spec, ImportParams{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := j.Wait(); err != nil || res.Created != 3 {
		t.Fatalf("first job = %+v, %v; want 3 created", res, err)
	}
	if got := e.limiter.Limit(); got != 500 {
		t.Fatalf("after the first job's 429 the rate is %v, want 500 (halved)", got)
	}
	j, err = e.StartImport(ctx, co.ID, spec, ImportParams{Mode: "upsert"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.limiter.Limit(); got != 1000 {
		t.Errorf("the second job starts at %v requests/s, want the configured 1000", got)
	}
	if res, err := j.Wait(); err != nil || res.Skipped != 3 {
		t.Fatalf("second job = %+v, %v; want 3 skipped (found unchanged)", res, err)
	}
	if got, want := emu.Stats().ByStatus[http.StatusTooManyRequests], 1; got != want {
		t.Errorf("%d 429s answered, want %d", got, want)
	}
}
