package kommo_test

// Acceptance tests of Kommo's size limits: entities per write, page sizes,
// URL lengths.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// TestAcceptanceOver250Is422: Kommo answers a write of more than 250
// entities, and a list limit over 250, with 422 problem+json "Limit 250
// per page"; the client makes it an ErrorResponse matching
// ErrUnprocessable, not retried.
func TestAcceptanceOver250Is422(t *testing.T) {
	e := newEnv(t, kt.Options{})
	ctx := t.Context()
	c := e.client
	want := map[string]any{"title": "Unprocessable Entity", "type": "https://httpstatus.es/422", "status": float64(422), "detail": "Limit 250 per page"}

	// The typed calls refuse 251 items before sending; the raw funnel
	// shows what Kommo answers.
	items := make([]kommo.LeadRequest, 251)
	for i := range items {
		items[i].Name = "x"
	}
	req, err := c.NewRequest(ctx, http.MethodPost, "api/v4/leads", items)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req, nil)
	var er *kommo.ErrorResponse
	if !errors.As(err, &er) || !errors.Is(err, kommo.ErrUnprocessable) || er.Status != 422 || er.Detail != "Limit 250 per page" {
		t.Fatalf("251 leads: err = %v, want a 422 ErrorResponse", err)
	}
	if errors.Is(err, kommo.ErrBadRequest) || errors.Is(err, kommo.ErrServer) {
		t.Errorf("422 also matches 400 or 5xx: %v", err)
	}
	if resp.Attempts != 1 {
		t.Errorf("422 sent %d times, want once", resp.Attempts)
	}
	if n := len(e.emu.Snapshot().Leads); n != 0 {
		t.Errorf("%d leads written from a refused batch", n)
	}

	_, resp, err = c.Leads.List(ctx, &kommo.LeadListOptions{ListOptions: kommo.ListOptions{Limit: 251}})
	if !errors.Is(err, kommo.ErrUnprocessable) || resp.Attempts != 1 {
		t.Fatalf("limit 251: err = %v, want 422 once", err)
	}

	// The body itself, as the emulator sends it.
	hreq, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.url+"/api/v4/contacts?limit=300", nil)
	hreq.Header.Set("Authorization", "Bearer "+token)
	hr, err := http.DefaultClient.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	defer hr.Body.Close()
	var got map[string]any
	b, _ := io.ReadAll(hr.Body)
	if err := json.Unmarshal(b, &got); err != nil || hr.StatusCode != 422 || !strings.HasPrefix(hr.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("limit 300 = %d %s %s", hr.StatusCode, hr.Header.Get("Content-Type"), b)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("422 body %s = %v, want %v", k, got[k], v)
		}
	}
}

// seedNineDigitLeads returns a seed with n leads whose ids have nine
// digits (as on real accounts), and those ids.
func seedNineDigitLeads(n int) (*kt.Seed, []int) {
	seed := kt.DefaultSeed()
	var ids []int
	for i := range n {
		id := 912345678 + 3*i
		ids = append(ids, id)
		seed.Leads = append(seed.Leads, kt.Lead{ID: id, Name: fmt.Sprintf("Deal %d", i), PipelineID: kt.SeedPipelineSales,
			StatusID: kt.SeedStatusSalesNew, ResponsibleUserID: kt.SeedUserAna, CreatedBy: kt.SeedUserAna})
	}
	return seed, ids
}

// TestAcceptanceLongIDFilters: 250 nine-digit ids as filter[id][N]= make
// a URL over 8 KB. The client sends filter[id][]= and splits long lists
// so that every URL stays under MaxURLLength, and ListIter merges the
// parts: every record comes back, once.
func TestAcceptanceLongIDFilters(t *testing.T) {
	seed, all := seedNineDigitLeads(700)
	e, w := newWireEnv(t, kt.Options{Seed: seed})
	ctx := t.Context()
	c := e.client

	for _, tt := range []struct {
		name  string
		ids   []int
		limit int
	}{
		{"250 ids, one page each", all[:250], 250},
		{"700 ids, pages of 50", all, 50},
		{"250 ids, 3 unknown", append(slices.Clone(all[400:647]), 100000001, 100000002, 999999999), 250},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w.sent()
			var got []int
			o := &kommo.LeadListOptions{ListOptions: kommo.ListOptions{Limit: tt.limit}, PipelineIDs: []int{kt.SeedPipelineSales},
				EntityFilters: kommo.EntityFilters{IDs: tt.ids, Order: &kommo.Order{Field: "id"}}}
			for l, err := range c.Leads.ListIter(ctx, o) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, l.ID)
			}
			want := slices.DeleteFunc(slices.Clone(tt.ids), func(id int) bool { return !slices.Contains(all, id) })
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("leads (-want +got):\n%s", diff)
			}
			reqs := w.sent()
			if len(reqs) < 2 {
				t.Errorf("%d requests: the list was not split", len(reqs))
			}
			for _, r := range reqs {
				if len(r.url) >= 8<<10 || len(r.url) > kommo.MaxURLLength {
					t.Errorf("URL of %d bytes on the wire", len(r.url))
				}
				if strings.Contains(r.url, "filter%5Bid%5D%5B0%5D") || !strings.Contains(r.url, "filter%5Bid%5D%5B%5D=") {
					t.Errorf("URL without filter[id][]= form: %.120s", r.url)
				}
			}
		})
	}

	// One page by hand cannot be split: List refuses before sending, and
	// SplitIDs gives runs that each fit.
	if _, _, err := c.Leads.List(ctx, &kommo.LeadListOptions{EntityFilters: kommo.EntityFilters{IDs: all[:250]}}); err == nil || !strings.Contains(err.Error(), "ListIter") {
		t.Errorf("List(250 ids) err = %v, want a refusal naming ListIter", err)
	}
	if n := len(w.sent()); n != 0 {
		t.Errorf("List(250 ids) sent %d requests", n)
	}
	runs := kommo.SplitIDs(all[:250])
	var n int
	for _, run := range runs {
		ls, _, err := c.Leads.List(ctx, &kommo.LeadListOptions{ListOptions: kommo.ListOptions{Limit: 250}, EntityFilters: kommo.EntityFilters{IDs: run}})
		if err != nil {
			t.Fatal(err)
		}
		n += len(ls)
	}
	if len(runs) < 2 || n != 250 {
		t.Errorf("SplitIDs: %d runs, %d leads; want several runs and 250 leads", len(runs), n)
	}
}

// TestAcceptanceCustomFieldsPagesOf50: Kommo returns up to 50 custom
// fields per request whatever limit says; the client follows
// _links.next and gets them all.
func TestAcceptanceCustomFieldsPagesOf50(t *testing.T) {
	e, w := newWireEnv(t, kt.Options{})
	ctx := t.Context()
	c := e.client
	seeded := len(must[[]*kommo.CustomField](t)(c.CustomFields.List(ctx, kommo.EntityLeads, nil)))
	var reqs []kommo.CustomFieldRequest
	for i := range 60 {
		reqs = append(reqs, kommo.CustomFieldRequest{Name: fmt.Sprintf("Field %d", i), Type: kommo.FieldText})
	}
	must[[]*kommo.CustomField](t)(c.CustomFields.Create(ctx, kommo.EntityLeads, reqs))
	total := seeded + 60

	page, resp, err := c.CustomFields.List(ctx, kommo.EntityLeads, &kommo.CustomFieldListOptions{ListOptions: kommo.ListOptions{Limit: 250}})
	if err != nil || len(page) != 50 || resp.NextURL == "" {
		t.Fatalf("limit 250: %d fields, next %q, %v; want 50 and a next page", len(page), resp.NextURL, err)
	}
	w.sent()
	all, err := c.CustomFields.All(ctx, kommo.EntityLeads)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[int]bool{}
	for _, f := range all {
		ids[f.ID] = true
	}
	if len(all) != total || len(ids) != total {
		t.Errorf("All = %d fields (%d distinct), want %d", len(all), len(ids), total)
	}
	if n := len(w.sent()); n != (total+49)/50 {
		t.Errorf("All took %d requests, want %d pages of 50", n, (total+49)/50)
	}
}
