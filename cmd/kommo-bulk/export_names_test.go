package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// TestExportCommandNamesOnTheWire: --stage, --pipeline, --responsible and
// --task-type written as a person writes them (other case, accents, won
// in Spanish or Russian) reach Kommo's list as the right ids.
func TestExportCommandNamesOnTheWire(t *testing.T) {
	srv, err := kommotest.NewServer(kommotest.Options{Tokens: []string{exportTestToken}, Rate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	lists := map[string][]url.Values{} // path → queries of its GETs
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			mu.Lock()
			lists[r.URL.Path] = append(lists[r.URL.Path], r.URL.Query())
			mu.Unlock()
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	c, err := kommo.NewClient(ts.URL, kommo.WithToken(exportTestToken), kommo.WithRateLimit(rate.Inf, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Leads.Create(t.Context(), []kommo.LeadRequest{
		{Name: "Won in Sales", PipelineID: kommotest.SeedPipelineSales, StatusID: kommo.StatusWon, ResponsibleUserID: kommotest.SeedUserBoris},
		{Name: "Won in Partners", PipelineID: kommotest.SeedPipelinePartners, StatusID: kommo.StatusWon},
		{Name: "Negotiating", PipelineID: kommotest.SeedPipelinePartners, StatusID: kommotest.SeedStatusPartnersNegotiation},
	}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"KOMMO_BASE_URL": ts.URL, "KOMMO_TOKEN": exportTestToken}
	tests := []struct {
		name  string
		args  []string
		path  string
		query map[string][]string
		rows  []string
	}{
		{name: "won in Spanish", args: []string{"leads", "--stage", "GANADO"}, path: "/api/v4/leads",
			query: map[string][]string{"filter[statuses][0][pipeline_id]": {"7000001"}, "filter[statuses][0][status_id]": {"142"},
				"filter[statuses][1][pipeline_id]": {"7000002"}, "filter[statuses][1][status_id]": {"142"}},
			rows: []string{"Won in Sales", "Won in Partners"}},
		{name: "won in Russian, of one pipeline", args: []string{"leads", "--pipeline", "partners", "--stage", "Успешно реализовано"}, path: "/api/v4/leads",
			query: map[string][]string{"filter[statuses][0][pipeline_id]": {"7000002"}, "filter[statuses][0][status_id]": {"142"}},
			rows:  []string{"Won in Partners"}},
		{name: "accents and case", args: []string{"leads", "--stage", "negotiatión", "--stage", "won", "--responsible", "BORIS manager"}, path: "/api/v4/leads",
			query: map[string][]string{"filter[statuses][0][status_id]": {"7100013"}, "filter[statuses][1][status_id]": {"142"},
				"filter[responsible_user_id][]": {"1002"}},
			rows: []string{"Won in Sales"}},
		{name: "task types", args: []string{"tasks", "--task-type", "send QUOTE", "--task-type", "Reunión", "--created-by", "ana admin"}, path: "/api/v4/tasks",
			query: map[string][]string{"filter[task_type][]": {"3001", "2"}, "filter[created_by][]": {"1001"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			clear(lists)
			mu.Unlock()
			code, out, errs := runExport(t, env, append(tt.args, "-o", "-", "--quiet")...)
			if code != exitOK {
				t.Fatalf("export %q = %d\n%s", tt.args, code, errs)
			}
			mu.Lock()
			qs := lists[tt.path]
			mu.Unlock()
			if len(qs) != 1 {
				t.Fatalf("export %q: %d GET %s, want 1", tt.args, len(qs), tt.path)
			}
			for k, want := range tt.query {
				if got := qs[0][k]; !slices.Equal(got, want) {
					t.Errorf("export %q: GET %s?%s: %s = %q, want %q", tt.args, tt.path, qs[0].Encode(), k, got, want)
				}
			}
			if tt.path == "/api/v4/leads" {
				if diff := cmp.Diff(tt.rows, names(readCSV(t, out))); diff != "" {
					t.Errorf("export %q names (-want +got):\n%s", tt.args, diff)
				}
			}
		})
	}
}
