package migrate

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// BenchmarkMigrateDelta: a delta re-run of a migration of 10,000 records
// (1,000 companies, 4,000 contacts, 5,000 deals linked to both; 2,000
// with -short) after the source changed 1% of the contacts and deals and
// another user renamed 1% of the deals, half of them among the changed.
// Reports requests per changed row (and the rows): the cost follows the
// change, not the migration. Run it alone:
//
//	go test -run '^$' -bench MigrateDelta -benchtime 1x ./migrate
func BenchmarkMigrateDelta(b *testing.B) {
	n := 10_000
	if testing.Short() {
		n = 2_000
	}
	nCo, nCt, nDl := n/10, n*4/10, n/2
	source := func(changed map[string]bool) deltaSource {
		s := deltaSource{"companies.csv": {"ID,Name"}, "contacts.csv": {"ID,Name,Email,Company ID"},
			"deals.csv": {"ID,Deal,Amount,Contact IDs,Company ID"}, "tasks.csv": {"ID,Task,Due,Deal ID"}}
		for i := range nCo {
			s["companies.csv"] = append(s["companies.csv"], fmt.Sprintf("c%d,Company %d", i, i))
		}
		for i := range nCt {
			name := fmt.Sprintf("Person %d", i)
			if changed[fmt.Sprintf("p%d", i)] {
				name += " (new)"
			}
			s["contacts.csv"] = append(s["contacts.csv"], fmt.Sprintf("p%d,%s,p%d@example.org,c%d", i, name, i, i%nCo))
		}
		for i := range nDl {
			amount := 100 + i
			if changed[fmt.Sprintf("d%d", i)] {
				amount++
			}
			s["deals.csv"] = append(s["deals.csv"], fmt.Sprintf("d%d,Deal %d,%d,p%d,c%d", i, i, amount, i%nCt, i%nCo))
		}
		return s
	}
	files := func(s deltaSource, dir string) []File {
		var out []File
		for _, name := range []string{"companies.csv", "contacts.csv", "deals.csv", "tasks.csv"} {
			spec, err := mapping.ParseSpec([]byte(deltaSpecs[name]))
			if err != nil {
				b.Fatal(err)
			}
			text := strings.Join(s[name], "\n") + "\n"
			out = append(out, File{Name: name, Spec: spec, Journal: filepath.Join(dir, name+".journal"),
				Open: func() (sheet.Table, error) {
					return sheet.OpenCSV(strings.NewReader(text), sheet.CSVOptions{Name: name})
				}})
		}
		return out
	}
	for b.Loop() {
		b.StopTimer()
		ce := newClockEnv(b)
		opts := Options{CreateFields: true, Delta: &DeltaOptions{Dir: ce.dir}, Now: func() time.Time { return time.Unix(ce.now.Load(), 0) }}
		if _, err := Run(b.Context(), ce.c, files(source(nil), b.TempDir()), opts); err != nil {
			b.Fatal(err)
		}
		ce.tick(time.Hour)
		ids := map[string]int{}
		for _, l := range ce.emu.Snapshot().Leads {
			ids[l.Name] = l.ID
		}
		var upd []kommo.LeadRequest
		for i := 50; i < nDl; i += 100 {
			upd = append(upd, kommo.LeadRequest{ID: ids[fmt.Sprintf("Deal %d", i)], Name: fmt.Sprintf("Boris %d", i)})
		}
		for chunk := range slices.Chunk(upd, 50) {
			if _, _, err := ce.boris.Leads.Update(b.Context(), chunk); err != nil {
				b.Fatal(err)
			}
		}
		ce.tick(time.Hour)
		changed := map[string]bool{}
		for i := 0; i < nCt; i += 100 {
			changed[fmt.Sprintf("p%d", i)] = true
		}
		for i := 0; i < nDl; i += 200 { // half of them Boris's
			changed[fmt.Sprintf("d%d", i)] = true
			changed[fmt.Sprintf("d%d", i+50)] = true
		}
		src := files(source(changed), b.TempDir())
		before := ce.emu.Stats()
		b.StartTimer()
		rep, err := Run(b.Context(), ce.c, src, opts)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		sent := 0
		for _, f := range rep.Files {
			sent += f.Delta.Sent
		}
		if sent != len(changed) {
			b.Fatalf("sent %d rows, want %d", sent, len(changed))
		}
		b.ReportMetric(float64(ce.emu.Stats().Requests-before.Requests)/float64(sent), "requests/changed-row")
		b.ReportMetric(float64(sent), "changed-rows")
		b.StartTimer()
	}
}
