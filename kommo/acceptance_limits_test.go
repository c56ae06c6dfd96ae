package kommo_test

// Acceptance tests of Kommo's size limits: entities per write, page sizes,
// URL lengths.

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

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
