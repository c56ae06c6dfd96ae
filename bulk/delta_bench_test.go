package bulk

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// BenchmarkDeltaRun: a delta run over 10k source rows of which 1% changed
// (and 1% of the records changed in Kommo by another user, half of them
// the same records). Reports requests per changed row.
func BenchmarkDeltaRun(b *testing.B) {
	const n = 10000
	for b.Loop() {
		b.StopTimer()
		ce := newClockEnv(b, nil)
		d := DeltaOptions{State: filepath.Join(ce.dir, "leads.delta.json")}
		runDelta(b, ce, "n1", deltaSource(n, nil, nil), d)
		ids := map[string]int{}
		for _, l := range ce.emu.Snapshot().Leads {
			ids[l.Name] = l.ID
		}
		ce.tick(time.Minute)
		var upd []kommo.LeadRequest
		for i := 50; i < n; i += 100 {
			upd = append(upd, kommo.LeadRequest{ID: ids[fmt.Sprintf("Lead %d", i)], Name: fmt.Sprintf("Boris %d", i)})
		}
		for chunk := range slices.Chunk(upd, 50) {
			if _, _, err := ce.boris.Leads.Update(b.Context(), chunk); err != nil {
				b.Fatal(err)
			}
		}
		ce.tick(time.Minute)
		name := map[int]string{}
		for i := 0; i < n; i += 200 { // 100 rows, 50 of them Boris's
			name[i] = fmt.Sprintf("Source %d", i)
			name[i+50] = fmt.Sprintf("Source %d", i+50)
		}
		src := deltaSource(n, name, nil)
		b.StartTimer()
		r := runDelta(b, ce, "n2", src, d)
		b.ReportMetric(float64(r.total)/float64(r.rep.Sent), "requests/changed-row")
		b.ReportMetric(float64(r.rep.Sent), "changed-rows")
	}
}

// BenchmarkExportSince: an incremental export of a 10k-lead account
// after another user changed 1% and deleted 10. Reports requests per
// changed record.
func BenchmarkExportSince(b *testing.B) {
	const n = 10000
	for b.Loop() {
		b.StopTimer()
		ce := newClockEnv(b, seedLeads(n))
		schema, err := FetchSchema(b.Context(), ce.c)
		if err != nil {
			b.Fatal(err)
		}
		state := filepath.Join(ce.dir, "since.json")
		runSince(b, ce, schema, state)
		ce.tick(10 * time.Minute)
		var upd []kommo.LeadRequest
		for i := 0; i < n; i += 100 {
			upd = append(upd, kommo.LeadRequest{ID: 10000001 + i, Name: "changed"})
		}
		for chunk := range slices.Chunk(upd, 50) {
			if _, _, err := ce.boris.Leads.Update(b.Context(), chunk); err != nil {
				b.Fatal(err)
			}
		}
		for i := 55; i < n; i += 1000 {
			if err := ce.emu.Delete("leads", 10000001+i, 1002); err != nil {
				b.Fatal(err)
			}
		}
		ce.tick(10 * time.Minute)
		b.StartTimer()
		r := runSince(b, ce, schema, state)
		changed := len(r.live) + len(r.deleted)
		b.ReportMetric(float64(r.total)/float64(changed), "requests/changed-record")
		b.ReportMetric(float64(changed), "changed-records")
	}
}
