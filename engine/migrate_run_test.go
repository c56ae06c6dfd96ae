package engine

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/migrate"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// diskFiles are the HubSpot fixtures as the CLI gives them to Migrate:
// read from disk when the migration opens them, with a journal each in
// dir.
func diskFiles(t *testing.T, dir string) []migrate.File {
	t.Helper()
	var out []migrate.File
	for _, n := range hubspotFixtures {
		path := filepath.Join("..", "testdata", "migrate", "hubspot", n)
		open := func() (sheet.Table, error) {
			b, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			return sheet.Open(n, strings.NewReader(string(b)), int64(len(b)), sheet.ReadOptions{})
		}
		tb, err := open()
		if err != nil {
			t.Fatal(err)
		}
		header := tb.Header()
		tb.Close()
		ds := migrate.Detect(migrate.Presets(), n, header)
		if len(ds) == 0 {
			t.Fatalf("%s: not detected", n)
		}
		fit := ds[0].File.Fit(header, migrate.DefaultIDField)
		out = append(out, migrate.File{Name: n, Spec: fit.Spec, Open: open, FieldTypes: fit.Types,
			Journal: filepath.Join(dir, "cli-job-"+string(ds[0].Entity)+".journal"), History: fit.History})
	}
	return out
}

// TestMigrateWithClient is the CLI's migration: Migrate through a client
// the front end built (every request carries its user agent), with the
// files it opened (and their journals), its tables, delta state and
// progress; jobs refuse that client.
func TestMigrateWithClient(t *testing.T) {
	emu, err := kommotest.NewServer(kommotest.Options{Tokens: []string{testToken}, Rate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	agents := map[string]int{}
	writes := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents[r.UserAgent()]++
		if r.Method != http.MethodGet {
			writes++
		}
		mu.Unlock()
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { ts.Close(); emu.Close() })
	const agent = "front-end-client/1"
	c, err := kommo.NewClient(ts.URL, kommo.WithToken(testToken), kommo.WithRateLimit(rate.Inf, 1), kommo.WithUserAgent(agent))
	if err != nil {
		t.Fatal(err)
	}
	e := New()
	if err := e.Configure(Config{Client: c}); err != nil {
		t.Fatal(err)
	}
	dir, state := t.TempDir(), t.TempDir()
	p := MigrateParams{
		JobID:        "cli-job",
		Users:        map[string]string{"Jane Roe": "ana@example.com"},
		Pipelines:    map[string]string{"Sales Pipeline": "Sales"},
		Stages:       map[string]string{"Appointment scheduled": "Qualified", "Sales Pipeline/Contract sent": "Sales/Proposal"},
		CreateFields: true,
		OverdueTasks: "open",
	}
	var pmu sync.Mutex
	progressed := map[string]bool{}
	run := MigrateRun{
		Files: diskFiles(t, dir),
		Delta: &migrate.DeltaOptions{Dir: state},
		Progress: func(name string, _ bulk.Progress) {
			pmu.Lock()
			progressed[name] = true
			pmu.Unlock()
		},
	}
	rep, err := e.Migrate(t.Context(), p, run)
	if err != nil {
		t.Fatalf("Migrate = %v", err)
	}
	if got := records(emu.Snapshot()); got != [4]int{3, 5, 4, 2} {
		t.Errorf("migrated %v, want 3 companies, 5 contacts, 4 leads, 2 tasks", got)
	}
	if len(rep.Files) != 4 {
		t.Errorf("report of %d files, want 4", len(rep.Files))
	}
	for _, f := range rep.Files {
		if f.Delta == nil || !f.Delta.First {
			t.Errorf("%s: delta %+v, want a first delta run", f.File, f.Delta)
		}
		if !progressed[f.File] {
			t.Errorf("no progress for %s", f.File)
		}
	}
	journals, _ := filepath.Glob(filepath.Join(dir, "cli-job-*.journal"))
	if len(journals) != 4 {
		t.Errorf("journals %v, want one per file in the results directory", journals)
	}
	for _, j := range journals {
		if b, err := os.ReadFile(j); err != nil || !strings.Contains(string(b), `"cli-job-`) {
			t.Errorf("journal %s (%v) does not name the job cli-job:\n%.300s", j, err, b)
		}
	}
	mu.Lock()
	if writes == 0 {
		t.Error("nothing was written through the given client")
	}
	for a, n := range agents {
		if !strings.HasPrefix(a, agent+" ") {
			t.Errorf("%d requests with user agent %q, want the given client's", n, a)
		}
	}
	mu.Unlock()

	// Again with the same state: a delta run sends nothing unchanged.
	run.Files = diskFiles(t, t.TempDir())
	rep, err = e.Migrate(t.Context(), p, run)
	if err != nil {
		t.Fatalf("second Migrate = %v", err)
	}
	for _, f := range rep.Files {
		if f.Delta == nil || f.Delta.First || f.Delta.Sent != 0 || f.Delta.Unchanged == 0 {
			t.Errorf("%s: second delta %+v, want every row unchanged", f.File, f.Delta)
		}
	}
	if got := records(emu.Snapshot()); got != [4]int{3, 5, 4, 2} {
		t.Errorf("after the delta run: %v, want the records unchanged", got)
	}

	// Options are checked as the page's are.
	if _, err := e.Migrate(t.Context(), MigrateParams{OverdueTasks: "later"}, run); err == nil || !strings.Contains(err.Error(), "overdue") {
		t.Errorf("Migrate(overdue later) = %v, want refused", err)
	}
	// A job needs its own client.
	ids := openHubSpot(t, e)
	if _, err := e.StartMigration(t.Context(), hubspotParams(t, e, ids), nil); err == nil || !strings.Contains(err.Error(), "own client") {
		t.Errorf("StartMigration with Config.Client = %v, want refused", err)
	}
}
