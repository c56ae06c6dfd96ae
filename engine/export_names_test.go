package engine

import (
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
)

// TestExportByNames: the page's filters by name are matched as an import
// matches names, and reach Kommo's list as the right ids.
func TestExportByNames(t *testing.T) {
	emu, err := kommotest.NewServer(kommotest.Options{Tokens: []string{testToken}, Rate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var queries []url.Values // of GET /api/v4/leads
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v4/leads" && r.Method == http.MethodGet {
			mu.Lock()
			queries = append(queries, r.URL.Query())
			mu.Unlock()
		}
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { ts.Close(); emu.Close() })
	e := New()
	if err := e.Configure(Config{BaseURL: ts.URL, Token: testToken, Rate: -1}); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	c, err := kommo.NewClient(ts.URL, kommo.WithToken(testToken), kommo.WithRateLimit(rate.Inf, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Leads.Create(ctx, []kommo.LeadRequest{
		{Name: "Won in Sales", PipelineID: kommotest.SeedPipelineSales, StatusID: kommo.StatusWon},
		{Name: "Won in Partners", PipelineID: kommotest.SeedPipelinePartners, StatusID: kommo.StatusWon, ResponsibleUserID: kommotest.SeedUserChen},
		{Name: "Negotiating", PipelineID: kommotest.SeedPipelinePartners, StatusID: kommotest.SeedStatusPartnersNegotiation},
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		filter ExportFilterParams
		query  map[string][]string
		rows   int
	}{
		{name: "won in Spanish, every pipeline", filter: ExportFilterParams{Stages: []string{"Ganado"}},
			query: map[string][]string{"filter[statuses][0][pipeline_id]": {"7000001"}, "filter[statuses][0][status_id]": {"142"},
				"filter[statuses][1][pipeline_id]": {"7000002"}, "filter[statuses][1][status_id]": {"142"}},
			rows: 2},
		{name: "won in Russian, one pipeline and user", filter: ExportFilterParams{Pipeline: "partners", Stages: []string{"успешно реализовано"}, Responsible: []string{"CHEN sales"}},
			query: map[string][]string{"filter[statuses][0][pipeline_id]": {"7000002"}, "filter[statuses][0][status_id]": {"142"},
				"filter[responsible_user_id][]": {"1003"}},
			rows: 1},
		{name: "stage with an accent", filter: ExportFilterParams{Stages: []string{"NEGOTIATIÓN"}},
			query: map[string][]string{"filter[statuses][0][pipeline_id]": {"7000002"}, "filter[statuses][0][status_id]": {"7100013"}},
			rows:  1},
		{name: "pipeline by name", filter: ExportFilterParams{Pipeline: "SALES"},
			query: map[string][]string{"filter[pipeline_id][]": {"7000001"}}, rows: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			queries = nil
			mu.Unlock()
			f, err := e.Export(ctx, ExportParams{Entity: "leads", Format: "csv", Filter: tt.filter}, nil)
			if err != nil {
				t.Fatalf("Export(%+v) = %v", tt.filter, err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(queries) != 1 {
				t.Fatalf("Export(%+v) listed leads %d times, want once", tt.filter, len(queries))
			}
			for k, want := range tt.query {
				if got := queries[0][k]; !slices.Equal(got, want) {
					t.Errorf("GET /api/v4/leads?%s: %s = %q, want %q", queries[0].Encode(), k, got, want)
				}
			}
			if f.Rows != tt.rows {
				t.Errorf("Export(%+v) = %d rows, want %d", tt.filter, f.Rows, tt.rows)
			}
		})
	}
	_, err = e.Export(ctx, ExportParams{Entity: "leads", Filter: ExportFilterParams{Stages: []string{"Qualifed"}}}, nil)
	var ne *mapping.NameError
	var ee *bulk.ExportNameError
	if !errors.As(err, &ne) || !errors.As(err, &ee) || !strings.Contains(err.Error(), `did you mean "Qualified"`) {
		t.Errorf("Export(a misspelt stage) = %v, want a NameError with a did-you-mean", err)
	}
}
