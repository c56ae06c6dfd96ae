package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// TestExportCommandOptionsOnTheWire: the export runs in the engine (as the
// page's does) through the CLI's own client, and the options the page has
// no use for (--page-size, --entity, --event-types) still reach Kommo's
// lists.
func TestExportCommandOptionsOnTheWire(t *testing.T) {
	srv, err := kommotest.NewServer(kommotest.Options{Tokens: []string{exportTestToken}, Rate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	type get struct {
		path, agent string
		query       url.Values
	}
	var mu sync.Mutex
	var gets []get
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			mu.Lock()
			gets = append(gets, get{r.URL.Path, r.UserAgent(), r.URL.Query()})
			mu.Unlock()
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	c, err := kommo.NewClient(ts.URL, kommo.WithToken(exportTestToken), kommo.WithRateLimit(rate.Inf, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Leads.Create(t.Context(), []kommo.LeadRequest{{Name: "One"}, {Name: "Two"}, {Name: "Three"}}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"KOMMO_BASE_URL": ts.URL, "KOMMO_TOKEN": exportTestToken}
	tests := []struct {
		name  string
		args  []string
		path  string
		lists int
		query map[string]string
	}{
		{name: "page size", args: []string{"leads", "--page-size", "2"}, path: "/api/v4/leads", lists: 2,
			query: map[string]string{"limit": "2"}},
		{name: "tasks of leads", args: []string{"tasks", "--entity", "leads"}, path: "/api/v4/tasks", lists: 1,
			query: map[string]string{"filter[entity_type]": "leads"}},
		{name: "events", args: []string{"events", "--entity", "leads", "--event-types", "lead_added"}, path: "/api/v4/events", lists: 1,
			query: map[string]string{"filter[entity]": "lead", "filter[type]": "lead_added"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			gets = nil
			mu.Unlock()
			code, _, errs := runExport(t, env, append(tt.args, "-o", "-", "--quiet")...)
			if code != exitOK {
				t.Fatalf("export %q = %d\n%s", tt.args, code, errs)
			}
			mu.Lock()
			defer mu.Unlock()
			lists := 0
			for _, g := range gets {
				if !strings.HasPrefix(g.agent, "kommo-bulk-cli/") {
					t.Errorf("export %q: GET %s with user agent %q, want the CLI's client", tt.args, g.path, g.agent)
				}
				if g.path != tt.path {
					continue
				}
				lists++
				for k, want := range tt.query {
					if got := g.query.Get(k); got != want {
						t.Errorf("export %q: GET %s?%s: %s = %q, want %q", tt.args, g.path, g.query.Encode(), k, got, want)
					}
				}
			}
			if lists != tt.lists {
				t.Errorf("export %q: %d GET %s, want %d", tt.args, lists, tt.path, tt.lists)
			}
		})
	}
}

// TestExportCommandFailsMidway: an error after the first page is the
// export's: the counts come with it (--json), and no file is left.
func TestExportCommandFailsMidway(t *testing.T) {
	srv, err := kommotest.NewServer(kommotest.Options{Tokens: []string{exportTestToken}, Rate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	lists := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/api/v4/leads" {
			mu.Lock()
			lists++
			n := lists
			mu.Unlock()
			if n > 1 {
				http.Error(w, `{"title":"Bad Request","status":400}`, http.StatusBadRequest)
				return
			}
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	c, err := kommo.NewClient(ts.URL, kommo.WithToken(exportTestToken), kommo.WithRateLimit(rate.Inf, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Leads.Create(t.Context(), []kommo.LeadRequest{{Name: "One"}, {Name: "Two"}}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"KOMMO_BASE_URL": ts.URL, "KOMMO_TOKEN": exportTestToken}
	out := filepath.Join(t.TempDir(), "leads.csv")
	m, stdoutb, errb := testMain(env)
	code := m.Run(t.Context(), []string{"export", "leads", "--page-size", "1", "--json", "--rate", "0", "-o", out})
	stdout, errs := stdoutb.String(), errb.String()
	if code != exitFailed || !strings.Contains(stdout+errs, "(1 rows written before the error)") {
		t.Errorf("export = %d, want a failure after one row\n%s", code, errs)
	}
	var got struct {
		Rows, Pages int
		Error       struct{ Code string }
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || got.Rows != 1 || got.Pages != 1 || got.Error.Code != "failed" {
		t.Errorf("--json = %+v, %v, want 1 row, 1 page and the failure:\n%s", got, err, stdout)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the output file is left behind: %v", err)
	}
}
