package engine

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// TestExportTo is the CLI's export: through a client the front end built
// (every request carries its user agent, none the engine's), into the
// writer it gives, with its page size, event filters, notes callback and
// incremental state.
func TestExportTo(t *testing.T) {
	emu, err := kommotest.NewServer(kommotest.Options{Tokens: []string{testToken}, Rate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	type request struct {
		path, agent string
		query       url.Values
	}
	var mu sync.Mutex
	var reqs []request
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		reqs = append(reqs, request{r.URL.Path, r.UserAgent(), r.URL.Query()})
		mu.Unlock()
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { ts.Close(); emu.Close() })
	const agent = "front-end-client/1"
	c, err := kommo.NewClient(ts.URL, kommo.WithToken(testToken), kommo.WithRateLimit(rate.Inf, 1), kommo.WithUserAgent(agent))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	leads, _, err := c.Leads.Create(ctx, []kommo.LeadRequest{{Name: "One"}, {Name: "Two"}, {Name: "Three"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Notes.Create(ctx, kommo.EntityLeads, []kommo.NoteRequest{
		{EntityID: leads[0].ID, NoteType: "common", Params: map[string]any{"text": "Called back"}},
		{EntityID: leads[1].ID, NoteType: "common", Params: map[string]any{"text": "Not this lead's"}},
	}); err != nil {
		t.Fatal(err)
	}
	e := New()
	if err := e.Configure(Config{Client: c}); err != nil {
		t.Fatal(err)
	}
	taken := func() []request {
		mu.Lock()
		defer mu.Unlock()
		r := reqs
		reqs = nil
		return r
	}
	taken()

	var buf bytes.Buffer
	var schema *mapping.Schema
	notes, pages := false, 0
	res, err := e.ExportTo(ctx, ExportParams{Entity: "leads", Format: "xlsx"}, ExportRun{
		Writer: func(s *mapping.Schema) (sheet.TableWriter, error) {
			schema = s
			return sheet.NewCSVWriter(&buf, sheet.CSVWriteOptions{Comma: ';'})
		},
		PageSize:    2,
		SchemaNotes: func([]string) { notes = true },
		Progress:    func(p ExportProgressInfo) { pages = p.Pages },
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if res.Rows != 3 || res.Pages != 2 || pages != 2 || len(lines) != 4 || !strings.HasPrefix(lines[0], "ID;") ||
		!strings.Contains(buf.String(), "Three") || schema == nil || !notes || res.Next != nil {
		t.Errorf("ExportTo(leads) = %+v, %d pages seen, notes %v, schema %v; wrote\n%s", res, pages, notes, schema != nil, buf.String())
	}
	leadLists := 0
	for _, r := range taken() {
		if !strings.HasPrefix(r.agent, agent+" ") {
			t.Errorf("%s sent with user agent %q, want the given client's", r.path, r.agent)
		}
		if r.path == "/api/v4/leads" {
			leadLists++
			if r.query.Get("limit") != "2" {
				t.Errorf("leads listed with limit %q, want the page size 2", r.query.Get("limit"))
			}
		}
	}
	if leadLists != 2 {
		t.Errorf("%d lists of leads, want 2 pages", leadLists)
	}

	// The events' filters reach Kommo's list.
	buf.Reset()
	if _, err := e.ExportTo(ctx, ExportParams{Entity: string(bulk.ExportEvents)}, ExportRun{
		Writer: func(*mapping.Schema) (sheet.TableWriter, error) {
			return sheet.NewCSVWriter(&buf, sheet.CSVWriteOptions{})
		},
		EventTypes:    []string{kommo.EventLeadAdded},
		EventEntities: []string{"lead"},
	}); err != nil {
		t.Fatal(err)
	}
	events := 0
	for _, r := range taken() {
		if r.path == "/api/v4/events" {
			events++
			if r.query.Get("filter[type]") != kommo.EventLeadAdded || r.query.Get("filter[entity]") != "lead" {
				t.Errorf("events listed with %v, want type lead_added of leads", r.query)
			}
		}
	}
	if events == 0 {
		t.Error("no list of events")
	}

	// The notes of some leads, of some types.
	buf.Reset()
	res, err = e.ExportTo(ctx, ExportParams{Entity: string(bulk.NotesJob), Filter: ExportFilterParams{IDs: []int{leads[0].ID}}}, ExportRun{
		Writer: func(*mapping.Schema) (sheet.TableWriter, error) {
			return sheet.NewCSVWriter(&buf, sheet.CSVWriteOptions{})
		},
		NoteEntities: []kommo.EntityType{kommo.EntityLeads},
		NoteTypes:    []string{"common"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 1 || !strings.Contains(buf.String(), "Called back") {
		t.Errorf("ExportTo(notes) = %+v; wrote\n%s", res, buf.String())
	}
	noteLists := 0
	for _, r := range taken() {
		if strings.HasSuffix(r.path, "/notes") {
			noteLists++
			if !strings.HasPrefix(r.path, "/api/v4/leads/") || !slices.Contains(r.query["filter[note_type][]"], "common") {
				t.Errorf("notes listed with GET %s?%s, want the leads' common notes", r.path, r.query.Encode())
			}
		}
	}
	if noteLists == 0 {
		t.Error("no list of notes")
	}

	// Incremental: the first run writes everything with the deletions
	// column and returns the state to keep.
	buf.Reset()
	res, err = e.ExportTo(ctx, ExportParams{Entity: "leads"}, ExportRun{
		Writer: func(*mapping.Schema) (sheet.TableWriter, error) {
			return sheet.NewCSVWriter(&buf, sheet.CSVWriteOptions{})
		},
		Since: &ExportSince{},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 3 || res.Next == nil || res.Next.Entity != "leads" ||
		!strings.HasSuffix(strings.SplitN(buf.String(), "\n", 2)[0], ","+bulk.DeletedColumn) {
		t.Errorf("ExportTo(leads, since) = %+v; wrote\n%s", res, buf.String())
	}

	// Nothing is asked of the writer when a name does not resolve, and a
	// job cannot run on the given client.
	_, err = e.ExportTo(ctx, ExportParams{Entity: "leads", Filter: ExportFilterParams{Pipeline: "Nowhere"}}, ExportRun{
		Writer: func(*mapping.Schema) (sheet.TableWriter, error) {
			t.Error("writer asked for although the pipeline is unknown")
			return sheet.NewCSVWriter(&buf, sheet.CSVWriteOptions{})
		},
	})
	if ne := (*bulk.ExportNameError)(nil); err == nil || !errors.As(err, &ne) {
		t.Errorf("ExportTo(unknown pipeline) = %v, want an ExportNameError", err)
	}
	if _, err := e.jobClient(newGate()); err == nil {
		t.Error("jobClient with Config.Client = nil error, want one")
	}
}
