package bulk

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// deltaSource is a source of n lead rows keyed "src-{i}"; name and price
// override some rows' values.
func deltaSource(n int, name, price map[int]string) []*mapping.Row {
	rows := make([]*mapping.Row, 0, n)
	for i := range n {
		nm := fmt.Sprintf("Lead %d", i)
		if v, ok := name[i]; ok {
			nm = v
		}
		p := float64(i)
		if v, ok := price[i]; ok {
			fmt.Sscan(v, &p)
		}
		rows = append(rows, &mapping.Row{Line: i + 2, Key: fmt.Sprintf("src-%d", i), Entity: kommo.EntityLeads,
			Lead:    &kommo.LeadRequest{Name: nm, Price: &p, CustomFieldsValues: budget(float64(i % 7))},
			Columns: map[string]string{"leads:name": "Name", "leads:price": "Price"}})
	}
	return rows
}

type deltaRun struct {
	rep   *DeltaReport
	reqs  map[string]int
	total int
}

func runDelta(t testing.TB, ce *clockEnv, job string, rows []*mapping.Row, d DeltaOptions) deltaRun {
	t.Helper()
	before := ce.emu.Stats()
	o := ce.opts(job, kommo.EntityLeads, ModeUpsert)
	o.Now = func() time.Time { return time.Unix(ce.now.Load(), 0) }
	rep, err := ImportDelta(t.Context(), ce.c, items(rows...), o, d)
	if err != nil {
		t.Fatal(err)
	}
	after := ce.emu.Stats()
	r := deltaRun{rep: rep, reqs: map[string]int{}, total: after.Requests - before.Requests}
	for k, n := range after.ByEndpoint {
		if dd := n - before.ByEndpoint[k]; dd > 0 {
			r.reqs[k] = dd
		}
	}
	return r
}

// TestDeltaRunKeepsKommoEdits: 10k source rows imported; then the source
// changes 150 rows (50 renamed, 100 repriced) and another user renames
// 100 records in Kommo, 50 of them among the renamed rows. The re-run
// sends exactly the 150 changed rows, reports the 50 overlaps as
// conflicts and overwrites none of Boris's names; a run of the unchanged
// source sends nothing and makes no request; rows gone from the source
// are tagged once.
func TestDeltaRunKeepsKommoEdits(t *testing.T) {
	const n = 10000
	ce := newClockEnv(t, nil)
	ctx := t.Context()
	d := DeltaOptions{State: filepath.Join(ce.dir, "leads.delta.json")}

	first := runDelta(t, ce, "night1", deltaSource(n, nil, nil), d)
	if first.rep.Result == nil || first.rep.Result.Created != n || first.rep.Skipped != 0 {
		t.Fatalf("first run: %+v", first.rep)
	}
	snap := ce.emu.Snapshot()
	idOf := map[string]int{}
	for _, l := range snap.Leads {
		idOf[l.Name] = l.ID
	}
	id := func(i int) int { return idOf[fmt.Sprintf("Lead %d", i)] }

	ce.tick(10 * time.Minute)
	// Boris renames every 100th lead (1%).
	var upd []kommo.LeadRequest
	for i := 0; i < n; i += 100 {
		upd = append(upd, kommo.LeadRequest{ID: id(i), Name: fmt.Sprintf("Boris %d", i)})
	}
	for chunk := range slices.Chunk(upd, 50) {
		if _, _, err := ce.boris.Leads.Update(ctx, chunk); err != nil {
			t.Fatal(err)
		}
	}
	ce.tick(10 * time.Minute)
	// The source renames the first 50 of those (the overlap), reprices the
	// other 50 of them and 50 more.
	name, price := map[int]string{}, map[int]string{}
	for i := 0; i < n; i += 100 {
		if i < n/2 {
			name[i] = fmt.Sprintf("Source %d", i)
		} else {
			price[i] = "123456"
		}
	}
	for i := 50; i < n; i += 200 {
		price[i] = "654321"
	}
	writes := ce.emu.Stats().Writes
	second := runDelta(t, ce, "night2", deltaSource(n, name, price), d)
	rep := second.rep
	if rep.Skipped != n-150 || rep.Sent != 150 {
		t.Errorf("second run: skipped %d, sent %d; want %d and 150", rep.Skipped, rep.Sent, n-150)
	}
	if rep.Result.Created != 0 || rep.Result.Updated != 100 || rep.Result.Failed != 0 {
		t.Errorf("second run result: %d created, %d updated, %d failed; want 0, 100, 0", rep.Result.Created, rep.Result.Updated, rep.Result.Failed)
	}
	if len(rep.Conflicts) != 50 {
		t.Errorf("%d conflicts, want 50", len(rep.Conflicts))
	}
	for _, c := range rep.Conflicts {
		var i int
		fmt.Sscanf(c.Key, "src-%d", &i)
		if c.Field != "name" || c.ID != id(i) || c.Source != name[i] || c.Kommo != fmt.Sprintf("Boris %d", i) ||
			c.By != kt.SeedUserBoris || c.ByName != "Boris Manager" || c.Resolution != KeepKommo || c.Line != i+2 {
			t.Errorf("conflict %+v", c)
		}
	}
	var sb strings.Builder
	if err := WriteConflicts(&sb, rep.Conflicts[:1]); err != nil {
		t.Fatal(err)
	}
	c0 := rep.Conflicts[0]
	wantCSV := fmt.Sprintf("key,line,entity,id,field,source value,kommo value,changed by,changed at,resolution\n%s,%d,leads,%d,name,%s,%s,Boris Manager,2026-12-03T14:10:00Z,keep-kommo\n",
		c0.Key, c0.Line, c0.ID, c0.Source, c0.Kommo)
	if sb.String() != wantCSV {
		t.Errorf("conflicts file:\n%s\nwant:\n%s", sb.String(), wantCSV)
	}
	// Every name Boris gave survives; the repriced rows have their price.
	snap = ce.emu.Snapshot()
	byID := map[int]kt.Lead{}
	for _, l := range snap.Leads {
		byID[l.ID] = l
	}
	for i := 0; i < n; i += 50 {
		l := byID[id(i)]
		wantName, wantPrice := fmt.Sprintf("Lead %d", i), float64(i)
		if i%100 == 0 {
			wantName = fmt.Sprintf("Boris %d", i)
		}
		if p, ok := price[i]; ok {
			fmt.Sscan(p, &wantPrice)
		}
		if l.Name != wantName || l.Price != wantPrice {
			t.Errorf("lead of row %d: %q %v, want %q %v", i, l.Name, l.Price, wantName, wantPrice)
		}
	}
	if ce.emu.Stats().Writes-writes > 4 || second.reqs["POST /api/v4/leads"] != 0 {
		t.Errorf("second run wrote %d times: %v", ce.emu.Stats().Writes-writes, second.reqs)
	}
	// Reads: the 150 records twice (the delta's check, the import's
	// previous values; ids split for short URLs), the events of the 100
	// Boris changed (10 a request), the users for his name; 3 writes.
	wantReqs := map[string]int{"GET /api/v4/leads": 7, "GET /api/v4/events": 10, "GET /api/v4/users": 1, "PATCH /api/v4/leads": 3}
	if fmt.Sprint(second.reqs) != fmt.Sprint(wantReqs) {
		t.Errorf("second run requests %v, want %v", second.reqs, wantReqs)
	}

	// The same source again: nothing sent, nothing read.
	ce.tick(time.Hour)
	third := runDelta(t, ce, "night3", deltaSource(n, name, price), d)
	if third.rep.Skipped != n || third.rep.Sent != 0 || third.total != 0 {
		t.Errorf("unchanged source: skipped %d, sent %d, %d requests %v", third.rep.Skipped, third.rep.Sent, third.total, third.reqs)
	}

	// The last 10 rows disappear: tagged once, listed every time.
	d.Gone = GoneAction{Action: "tag"}
	src := deltaSource(n, name, price)[:n-10]
	fourth := runDelta(t, ce, "night4", src, d)
	if fourth.rep.GoneApplied != 10 || len(fourth.rep.Gone) != 10 || fourth.reqs["PATCH /api/v4/leads"] != 1 {
		t.Errorf("gone: applied %d, listed %d, requests %v", fourth.rep.GoneApplied, len(fourth.rep.Gone), fourth.reqs)
	}
	l, _, err := ce.c.Leads.Get(ctx, id(n-1))
	if err != nil || len(l.Embedded.Tags) != 1 || l.Embedded.Tags[0].Name != DefaultGoneTag {
		t.Errorf("gone lead tags %+v, %v", l.Embedded.Tags, err)
	}
	fifth := runDelta(t, ce, "night5", src, d)
	if fifth.rep.GoneApplied != 0 || len(fifth.rep.Gone) != 10 || fifth.total != 0 {
		t.Errorf("gone again: applied %d, listed %d, %d requests", fifth.rep.GoneApplied, len(fifth.rep.Gone), fifth.total)
	}
}

// TestDeltaRunPolicies: take-source (here for the name) writes the
// source's value and reports the conflict; report-only writes nothing of
// a record with a conflict.
func TestDeltaRunPolicies(t *testing.T) {
	for _, p := range []ConflictPolicy{TakeSource, ReportOnly} {
		t.Run(string(p), func(t *testing.T) {
			ce := newClockEnv(t, nil)
			d := DeltaOptions{State: filepath.Join(ce.dir, "leads.delta.json"), FieldPolicy: map[string]ConflictPolicy{"name": p}}
			runDelta(t, ce, "n1", deltaSource(3, nil, nil), d)
			var lid int
			for _, l := range ce.emu.Snapshot().Leads {
				if l.Name == "Lead 1" {
					lid = l.ID
				}
			}
			ce.tick(time.Minute)
			if _, _, err := ce.boris.Leads.Update(t.Context(), []kommo.LeadRequest{{ID: lid, Name: "Boris"}}); err != nil {
				t.Fatal(err)
			}
			ce.tick(time.Minute)
			r := runDelta(t, ce, "n2", deltaSource(3, map[int]string{1: "Source"}, map[int]string{1: "77"}), d)
			if len(r.rep.Conflicts) != 1 || r.rep.Conflicts[0].Resolution != p || r.rep.Conflicts[0].Kommo != "Boris" {
				t.Fatalf("conflicts %+v", r.rep.Conflicts)
			}
			l, _, _ := ce.c.Leads.Get(t.Context(), lid)
			want, wantPrice := "Source", 77.0
			if p == ReportOnly {
				want, wantPrice = "Boris", 1
			}
			if l.Name != want || l.Price != wantPrice {
				t.Errorf("lead = %q %v, want %q %v", l.Name, l.Price, want, wantPrice)
			}
		})
	}
}

// TestDeltaGoneStage: gone: stage moves the leads of vanished rows to the
// stage, once.
func TestDeltaGoneStage(t *testing.T) {
	ce := newClockEnv(t, nil)
	d := DeltaOptions{State: filepath.Join(ce.dir, "leads.delta.json"), Gone: GoneAction{Action: "stage", StatusID: kt.StatusLost}}
	runDelta(t, ce, "n1", deltaSource(3, nil, nil), d)
	r := runDelta(t, ce, "n2", deltaSource(2, nil, nil), d)
	if r.rep.GoneApplied != 1 || len(r.rep.Gone) != 1 || r.rep.Gone[0] != "src-2" {
		t.Fatalf("gone %v, applied %d", r.rep.Gone, r.rep.GoneApplied)
	}
	for _, l := range ce.emu.Snapshot().Leads {
		if (l.StatusID == kt.StatusLost) != (l.Name == "Lead 2") {
			t.Errorf("lead %q in stage %d", l.Name, l.StatusID)
		}
	}
}

// TestDeltaDryRun: a dry delta run reports and changes neither Kommo nor
// the state.
func TestDeltaDryRun(t *testing.T) {
	ce := newClockEnv(t, nil)
	d := DeltaOptions{State: filepath.Join(ce.dir, "leads.delta.json"), Gone: GoneAction{Action: "tag"}}
	runDelta(t, ce, "n1", deltaSource(3, nil, nil), d)
	before, err := os.ReadFile(d.State)
	if err != nil {
		t.Fatal(err)
	}
	writes := ce.emu.Stats().Writes
	o := ce.opts("dry", kommo.EntityLeads, ModeUpsert)
	o.DryRun = true
	rep, err := ImportDelta(t.Context(), ce.c, items(deltaSource(2, map[int]string{0: "New"}, nil)...), o, d)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 1 || rep.Skipped != 1 || len(rep.Gone) != 1 || rep.GoneApplied != 0 {
		t.Errorf("dry run report %+v", rep)
	}
	after, _ := os.ReadFile(d.State)
	if w := ce.emu.Stats().Writes; w != writes || !bytes.Equal(before, after) {
		t.Errorf("dry run: %d writes, state changed: %v", w-writes, !bytes.Equal(before, after))
	}
}

// TestDeltaFingerprintIgnoresPlace: the same row from another file, sheet
// or line is unchanged; another value is not.
func TestDeltaFingerprintIgnoresPlace(t *testing.T) {
	a := deltaSource(1, nil, nil)[0]
	b := *a
	b.File, b.Sheet, b.Line = "tonight.csv", "Sheet2", 99
	if fingerprint(a) == "" || fingerprint(a) != fingerprint(&b) {
		t.Errorf("fingerprints %q and %q differ", fingerprint(a), fingerprint(&b))
	}
	c := *a
	c.Lead = &kommo.LeadRequest{Name: "Other"}
	if fingerprint(a) == fingerprint(&c) {
		t.Error("another value, the same fingerprint")
	}
}

// TestDeltaRelinkUnsettled: a delta run relinks itself the leads whose
// company the source moved (the import sends no reference for them); when
// the relink fails, the state keeps the reference the last run linked and
// no fingerprint, so that the next run sends the row again and finishes
// the move, without taking its own half-done relink for a change made in
// Kommo; once settled, an unchanged source sends nothing.
func TestDeltaRelinkUnsettled(t *testing.T) {
	ce := newClockEnv(t, nil)
	var failLinks atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failLinks.Load() && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/link") {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"title":"Bad Request","status":400,"detail":"link refused"}`)
			return
		}
		ce.emu.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := kommo.NewClient(srv.URL, kommo.WithToken(importToken), kommo.WithRateLimit(rate.Inf, 1))
	if err != nil {
		t.Fatal(err)
	}
	cos, _, err := c.Companies.Create(t.Context(), []kommo.CompanyRequest{{Name: "One"}, {Name: "Two"}})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{"co-1": cos[0].ID, "co-2": cos[1].ID}
	src := func(company string) []*mapping.Row {
		rows := deltaSource(3, nil, nil)
		for _, r := range rows {
			r.Refs = map[kommo.EntityType]string{kommo.EntityCompanies: "co-1"}
		}
		rows[0].Refs[kommo.EntityCompanies] = company
		return rows
	}
	d := DeltaOptions{State: filepath.Join(ce.dir, "leads.delta.json")}
	run := func(job string, rows []*mapping.Row) (*DeltaReport, error) {
		o := ce.opts(job, kommo.EntityLeads, ModeUpsert)
		o.Now = func() time.Time { return time.Unix(ce.now.Load(), 0) }
		o.Refs = func(e kommo.EntityType, key string) (int, bool) { id, ok := ids[key]; return id, ok }
		return ImportDelta(t.Context(), c, items(rows...), o, d)
	}
	state := func() *DeltaRecord {
		st, err := ReadDeltaState(d.State)
		if err != nil {
			t.Fatal(err)
		}
		return st.Records["src-0"]
	}
	company := func() []int {
		var out []int
		for _, l := range ce.emu.Snapshot().Links {
			if l.EntityType == "leads" && l.EntityID == state().ID && l.ToEntityType == "companies" {
				out = append(out, l.ToEntityID)
			}
		}
		return out
	}
	if _, err := run("r1", src("co-1")); err != nil {
		t.Fatal(err)
	}
	if got := company(); !slices.Equal(got, []int{ids["co-1"]}) {
		t.Fatalf("after the first run lead 0 is in %v", got)
	}
	ce.tick(time.Hour)
	failLinks.Store(true)
	if _, err := run("r2", src("co-2")); err == nil || !strings.Contains(err.Error(), "link refused") {
		t.Fatalf("run 2: %v, want the relink's error", err)
	}
	if rec := state(); rec.Refs[kommo.EntityCompanies] != "co-1" || rec.FP != "" {
		t.Fatalf("after a failed relink the state holds %+v, want the old reference and no fingerprint", rec)
	}
	failLinks.Store(false)
	ce.tick(time.Hour)
	rep, err := run("r3", src("co-2"))
	if err != nil || rep.Sent != 1 || len(rep.Conflicts) != 0 {
		t.Fatalf("run 3: %v, %+v; want row 2 sent again, no conflict", err, rep)
	}
	if got := company(); !slices.Equal(got, []int{ids["co-2"]}) {
		t.Errorf("after run 3 lead 0 is in %v, want company Two", got)
	}
	if rec := state(); rec.Refs[kommo.EntityCompanies] != "co-2" || rec.FP == "" {
		t.Errorf("after relinking the state holds %+v", rec)
	}
	if rep, err = run("r4", src("co-2")); err != nil || rep.Sent != 0 {
		t.Errorf("run 4: %v, %+v; want nothing sent", err, rep)
	}
}
