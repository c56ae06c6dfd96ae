package bulk

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// seedLeads is the default seed with n leads last changed an hour
// before 14:00, ids 10000001...
func seedLeads(n int) *kt.Seed {
	seed := kt.DefaultSeed()
	at := time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC).Unix()
	for i := range n {
		seed.Leads = append(seed.Leads, kt.Lead{ID: 10000001 + i, Name: fmt.Sprintf("Lead %d", i), StatusID: kt.SeedStatusSalesNew,
			PipelineID: kt.SeedPipelineSales, ResponsibleUserID: kt.SeedUserAna, CreatedBy: kt.SeedUserAna, UpdatedBy: kt.SeedUserAna,
			CreatedAt: at, UpdatedAt: at})
	}
	return seed
}

// sinceRun is one ExportSince into CSV, parsed.
type sinceRun struct {
	header  []string
	live    []int // ids of the rows of records
	deleted []int // ids of the tombstones
	next    *SinceState
	reqs    map[string]int // requests per endpoint
	total   int
}

func runSince(t testing.TB, ce *clockEnv, schema *mapping.Schema, statePath string) *sinceRun {
	t.Helper()
	prev, err := ReadSinceState(statePath)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := sheet.NewCSVWriter(&buf, sheet.CSVWriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := ce.emu.Stats()
	_, next, err := ExportSince(t.Context(), ce.c, w, ExportOptions{Entity: kommo.EntityLeads, Schema: schema}, prev,
		SinceOptions{Now: func() time.Time { return time.Unix(ce.now.Load(), 0) }})
	if err != nil {
		t.Fatal(err)
	}
	after := ce.emu.Stats()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := SaveSinceState(statePath, next); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	r := &sinceRun{header: recs[0], next: next, reqs: map[string]int{}, total: after.Requests - before.Requests}
	for k, n := range after.ByEndpoint {
		if d := n - before.ByEndpoint[k]; d > 0 {
			r.reqs[k] = d
		}
	}
	idCol := slices.Index(r.header, "ID")
	for _, rec := range recs[1:] {
		id, err := strconv.Atoi(rec[idCol])
		if err != nil {
			t.Fatalf("row %v: id: %v", rec, err)
		}
		switch rec[len(rec)-1] {
		case "":
			r.live = append(r.live, id)
		case "TRUE", "true":
			r.deleted = append(r.deleted, id)
			for i, c := range rec[:len(rec)-1] {
				if i != idCol && c != "" {
					t.Errorf("tombstone of %d has %q in %s", id, c, r.header[i])
				}
			}
		default:
			t.Errorf("row of %d: %s = %q", id, DeletedColumn, rec[len(rec)-1])
		}
	}
	slices.Sort(r.live)
	slices.Sort(r.deleted)
	return r
}

// TestExportSinceReadsOnlyTheChange: a 10k-lead account exported in full,
// then another user changes 1% of it and deletes 7 leads; the incremental
// export writes exactly those (the deleted as tombstones) in one list
// page and one events page; with nothing changed it writes nothing in
// the same two requests.
func TestExportSinceReadsOnlyTheChange(t *testing.T) {
	const n = 10000
	ce := newClockEnv(t, seedLeads(n))
	ctx := t.Context()
	schema, err := FetchSchema(ctx, ce.c)
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "leads.since.json")

	full := runSince(t, ce, schema, state)
	if len(full.live) != n || len(full.deleted) != 0 || full.header[len(full.header)-1] != DeletedColumn {
		t.Fatalf("first export: %d rows, %d tombstones, header %v", len(full.live), len(full.deleted), full.header)
	}
	if full.reqs["GET /api/v4/events"] != 0 {
		t.Errorf("first export read events: %v", full.reqs)
	}
	b, _ := os.ReadFile(state)
	if st, _ := ReadSinceState(state); st == nil || st.Cursor != ce.now.Load() || st.Rows != n {
		t.Errorf("state after the first export: %s", b)
	}

	ce.tick(10 * time.Minute)
	var changed, deleted []int
	var upd []kommo.LeadRequest
	for i := 0; i < n; i += 100 {
		id := 10000001 + i
		changed = append(changed, id)
		upd = append(upd, kommo.LeadRequest{ID: id, Name: fmt.Sprintf("Renamed %d", i)})
	}
	for chunk := range slices.Chunk(upd, 50) {
		if _, _, err := ce.boris.Leads.Update(ctx, chunk); err != nil {
			t.Fatal(err)
		}
	}
	for i := 55; i < n; i += 1500 { // never one of the changed
		id := 10000001 + i
		deleted = append(deleted, id)
		if err := ce.emu.Delete("leads", id, kt.SeedUserBoris); err != nil {
			t.Fatal(err)
		}
	}
	ce.tick(10 * time.Minute)

	inc := runSince(t, ce, schema, state)
	if !slices.Equal(inc.live, changed) {
		t.Errorf("incremental export: %d rows %v..., want the %d changed", len(inc.live), inc.live[:min(5, len(inc.live))], len(changed))
	}
	if !slices.Equal(inc.deleted, deleted) {
		t.Errorf("tombstones %v, want %v", inc.deleted, deleted)
	}
	want := map[string]int{"GET /api/v4/leads": 1, "GET /api/v4/events": 1}
	if fmt.Sprint(inc.reqs) != fmt.Sprint(want) || inc.total != 2 {
		t.Errorf("incremental export requests %v (%d), want %v", inc.reqs, inc.total, want)
	}
	if inc.next.Rows != len(changed) || inc.next.Deleted != len(deleted) {
		t.Errorf("state = %+v", inc.next)
	}

	ce.tick(24 * time.Hour)
	none := runSince(t, ce, schema, state)
	if len(none.live)+len(none.deleted) != 0 || fmt.Sprint(none.reqs) != fmt.Sprint(want) {
		t.Errorf("export of nothing changed: %d rows, %d tombstones, requests %v", len(none.live), len(none.deleted), none.reqs)
	}
}
