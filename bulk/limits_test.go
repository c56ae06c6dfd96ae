package bulk

// Tests of the engine against Kommo's limits as Kommo documents them:
// 429s with retry_after, definitive 4xx rejections, batches that may be
// partly applied, and If-Modified-Since on lists read again.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// limitClock is a clock that moves only when told to.
type limitClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *limitClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *limitClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// reqLog is a Doer that records the method, URL and If-Modified-Since
// header of every request.
type reqLog struct {
	mu   sync.Mutex
	reqs []string // "GET /api/v4/contacts?... ims=<header>"
}

func (l *reqLog) Do(r *http.Request) (*http.Response, error) {
	l.mu.Lock()
	l.reqs = append(l.reqs, r.Method+" "+r.URL.RequestURI()+" ims="+r.Header.Get("If-Modified-Since"))
	l.mu.Unlock()
	return http.DefaultClient.Do(r)
}

func (l *reqLog) sent() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.reqs
	l.reqs = nil
	return out
}

// limitsEnv is an emulator with opts, on clk, and a client on it that
// records its requests and sleeps by moving clk.
type limitsEnv struct {
	emu *kt.Server
	url string
	c   *kommo.Client
	log *reqLog
	clk *limitClock
	dir string
}

func newLimitsEnv(t *testing.T, opts kt.Options, copts ...kommo.Option) *limitsEnv {
	t.Helper()
	clk := &limitClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	opts.Tokens, opts.Now = []string{importToken}, clk.Now
	if opts.Rate == 0 {
		opts.Rate = rate.Inf
	}
	emu, err := kt.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(func() { srv.Close(); emu.Close() })
	e := &limitsEnv{emu: emu, url: srv.URL, log: &reqLog{}, clk: clk, dir: t.TempDir()}
	e.c = e.client(t, copts...)
	return e
}

// client is a new client on the emulator, as a new process would make.
func (e *limitsEnv) client(t *testing.T, copts ...kommo.Option) *kommo.Client {
	t.Helper()
	base := []kommo.Option{kommo.WithToken(importToken), kommo.WithRateLimit(rate.Inf, 1), kommo.WithDoer(e.log), kommo.WithClock(e.clk.Now),
		kommo.WithSleep(func(ctx context.Context, d time.Duration) error { e.clk.advance(d); return ctx.Err() })}
	c, err := kommo.NewClient(e.url, append(base, copts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *limitsEnv) opts(id string, entity kommo.EntityType, mode Mode) ImportOptions {
	return ImportOptions{Job: JobHeader{ID: id, Entity: entity, Mode: mode}, Journal: filepath.Join(e.dir, id+".journal"), NoSync: true, Now: e.clk.Now}
}

func countMatching(reqs []string, prefix string) int {
	n := 0
	for _, r := range reqs {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

// TestImportPartialApplyNoDuplicate: Kommo may write the valid items of a
// batch it answers 400 (whether it does is not confirmed). Before the
// good rows are sent again the engine reads back, by their names, what
// the batch may have created: every good row then exists once, the bad
// one fails with Kommo's reason, and nothing is sent twice.
func TestImportPartialApplyNoDuplicate(t *testing.T) {
	for _, partial := range []bool{true, false} {
		t.Run(fmt.Sprintf("partial=%v", partial), func(t *testing.T) {
			e := newLimitsEnv(t, kt.Options{PartialApply: partial})
			bad := contactRow(3, "Bad Row", "bad@x.org", "")
			bad.Contact.CustomFieldsValues = append(bad.Contact.CustomFieldsValues,
				kommo.CustomFieldValue{FieldID: kt.SeedContactSource, Values: []kommo.FieldValue{kommo.OptionText("Pigeon")}})
			bad.Columns["contacts:custom_fields_values.1"] = "Source"
			rows := []*mapping.Row{contactRow(2, "Ann Keyed", "ann@x.org", ""), bad, contactRow(4, "Cy Keyed", "cy@x.org", ""),
				contactRow(5, "Dee Nokey", "", "")}
			res, err := Import(t.Context(), e.c, items(rows...), e.opts("partial", kommo.EntityContacts, ModeCreate))
			if err != nil {
				t.Fatal(err)
			}
			if res.Created != 3 || res.Failed != 1 || !strings.Contains(fmt.Sprint(res.Rows[3].Err), "NotSupportedChoice") {
				t.Fatalf("created %d, failed %d, row 3: %v", res.Created, res.Failed, res.Rows[3].Err)
			}
			byName := map[string][]int{}
			for _, c := range e.emu.Snapshot().Contacts {
				byName[c.Name] = append(byName[c.Name], c.ID)
			}
			for line, name := range map[int]string{2: "Ann Keyed", 4: "Cy Keyed", 5: "Dee Nokey"} {
				if ids := byName[name]; len(ids) != 1 || res.Rows[line].IDs[kommo.EntityContacts] != ids[0] {
					t.Errorf("%s: records %v, row %d has %d", name, ids, line, res.Rows[line].IDs[kommo.EntityContacts])
				}
			}
			if ids := byName["Bad Row"]; len(ids) != 0 {
				t.Errorf("the bad row was written: %v", ids)
			}
			reqs := e.log.sent()
			wantPosts := 2 // the batch, then the good rows again
			if partial {
				wantPosts = 1 // the read back found them all
			}
			if n := countMatching(reqs, "POST /api/v4/contacts"); n != wantPosts {
				t.Errorf("%d POSTs, want %d: %v", n, wantPosts, reqs)
			}
			if n := countMatching(reqs, "GET /api/v4/contacts?filter%5Bcreated_at%5D%5Bfrom%5D"); n != 1 ||
				!strings.Contains(strings.Join(reqs, "\n"), "filter%5Bname%5D%5B%5D=Ann+Keyed") {
				t.Errorf("no read back narrowed by name: %v", reqs)
			}
		})
	}
}

// failFirst answers the first request matching method and path with
// status (via FailNext), and passes everything else to the emulator.
type failFirst struct {
	emu          *kt.Server
	method, path string
	status       int
	done         atomic.Bool
}

func (f *failFirst) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == f.method && r.URL.Path == f.path && f.done.CompareAndSwap(false, true) {
		f.emu.FailNext(1, f.status)
	}
	f.emu.ServeHTTP(w, r)
}

// TestImportFinal4xx: a 4xx other than 408 and 429 (422 for more than 250
// entities, 404, 413) is a definitive rejection: the batch's rows fail
// with the reason, with no read back and nothing sent again. A 408 may
// have been applied: it is read back and sent again.
func TestImportFinal4xx(t *testing.T) {
	for _, tt := range []struct {
		status int
		final  bool
	}{{422, true}, {404, true}, {413, true}, {408, false}} {
		for _, mode := range []Mode{ModeCreate, ModeUpdate} {
			t.Run(fmt.Sprintf("%d %s", tt.status, mode), func(t *testing.T) {
				e := newLimitsEnv(t, kt.Options{})
				ctx := t.Context()
				rows := []*mapping.Row{contactRow(2, "Ann", "ann@x.org", ""), contactRow(3, "Bo", "bo@x.org", "")}
				method := http.MethodPost
				if mode == ModeUpdate {
					method = http.MethodPatch
					pre := written(t)(e.c.Contacts.Create(ctx, []kommo.ContactRequest{{Name: "old A"}, {Name: "old B"}}))
					for i, r := range rows {
						r.Contact.ID = pre[i].ID
						r.Match[kommo.EntityContacts] = mapping.MatchKey{Kind: mapping.MatchID, Values: []string{fmt.Sprint(pre[i].ID)}}
					}
				}
				ff := &failFirst{emu: e.emu, method: method, path: "/api/v4/contacts", status: tt.status}
				srv := httptest.NewServer(ff)
				defer srv.Close()
				e.url = srv.URL
				c := e.client(t)
				e.log.sent()
				res, err := Import(ctx, c, items(rows...), e.opts("final", kommo.EntityContacts, mode))
				if err != nil {
					t.Fatal(err)
				}
				reqs := e.log.sent()
				writes := countMatching(reqs, method+" /api/v4/contacts")
				if tt.final {
					if res.Failed != 2 || writes != 1 || !strings.Contains(fmt.Sprint(res.Rows[2].Err), fmt.Sprint(tt.status)) {
						t.Errorf("failed %d rows after %d writes (%v); want 2 after 1, with the status", res.Failed, writes, res.Rows[2].Err)
					}
					if mode == ModeCreate && countMatching(reqs, "GET /api/v4/contacts?filter%5Bcreated_at%5D") != 0 {
						t.Errorf("a definitive rejection was read back: %v", reqs)
					}
					return
				}
				if res.Failed != 0 || writes != 2 {
					t.Errorf("failed %d rows after %d writes; want 0 after 2", res.Failed, writes)
				}
			})
		}
	}
}

// written fails the test on a write's error and returns its results.
func written(t *testing.T) func([]*kommo.WriteResult, *kommo.Response, error) []*kommo.WriteResult {
	return func(v []*kommo.WriteResult, _ *kommo.Response, err error) []*kommo.WriteResult {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// TestImportStopsOn429AndResumes: Kommo's 429 asks to wait 300 s, longer
// than the client waits: the import stops at once with a
// *kommo.RetryLaterError, the batch journaled as not written, and a
// resume after the wait creates every row once, without reading back.
func TestImportStopsOn429AndResumes(t *testing.T) {
	e := newLimitsEnv(t, kt.Options{RateLimitJSON: true})
	var rows []*mapping.Row
	for i := range 6 {
		rows = append(rows, contactRow(i+2, fmt.Sprintf("P%d", i), fmt.Sprintf("p%d@x.org", i), ""))
	}
	ff := &failFirst{emu: e.emu, method: http.MethodPost, path: "/api/v4/contacts", status: 429}
	srv := httptest.NewServer(ff)
	defer srv.Close()
	e.url = srv.URL
	o := e.opts("stop429", kommo.EntityContacts, ModeCreate)
	o.BatchSize, o.Workers = 3, 1
	res, err := Import(t.Context(), e.client(t), items(rows...), o)
	var rle *kommo.RetryLaterError
	if !errors.As(err, &rle) || rle.Wait != 300*time.Second {
		t.Fatalf("err = %v, want a RetryLaterError of 300 s", err)
	}
	if n := len(e.emu.Snapshot().Contacts); n != 0 || res.Created != 0 {
		t.Fatalf("%d contacts, %d created before the stop", n, res.Created)
	}
	_, ended, err := JobStatus(o.Journal)
	if err != nil {
		t.Fatal(err)
	}
	if ended {
		t.Errorf("the stopped job's journal says it ended")
	}
	e.clk.advance(301 * time.Second)
	e.log.sent()
	o.Resume = true
	res, err = Import(t.Context(), e.client(t), items(rows...), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 6 || len(e.emu.Snapshot().Contacts) != 6 {
		t.Errorf("resume created %d, %d contacts; want 6 and 6", res.Created, len(e.emu.Snapshot().Contacts))
	}
	if reqs := e.log.sent(); countMatching(reqs, "GET /api/v4/contacts?filter%5Bcreated_at%5D") != 0 {
		t.Errorf("the resume read back a batch Kommo answered 429: %v", reqs)
	}
}

// TestScanCacheAfterDryRun: a dry run's scan lookup leaves its index in
// the scan cache; the run after it reads only the records changed since,
// with If-Modified-Since and filter[updated_at] from the dry run's time
// (less the clock allowance), and matches as a full read would. The cache
// holds no e-mail. When nothing changed, Kommo's 304 (or 204) leaves the
// cached index as it was.
func TestScanCacheAfterDryRun(t *testing.T) {
	for _, with304 := range []bool{false, true} {
		t.Run(fmt.Sprintf("304=%v", with304), func(t *testing.T) {
			e := newLimitsEnv(t, kt.Options{NotModified304: with304})
			ctx := t.Context()
			var pre []kommo.ContactRequest
			for i := range 300 {
				pre = append(pre, kommo.ContactRequest{Name: fmt.Sprintf("Old %d", i), CustomFieldsValues: kommo.CustomFieldValues{
					{FieldCode: "EMAIL", Values: []kommo.FieldValue{kommo.Multitext(fmt.Sprintf("old%d@x.org", i), "WORK")}}}})
			}
			var ids []int
			for _, part := range [][]kommo.ContactRequest{pre[:250], pre[250:]} {
				for _, r := range written(t)(e.c.Contacts.Create(ctx, part)) {
					ids = append(ids, r.ID)
				}
			}
			rows := []*mapping.Row{contactRow(2, "New 5", "old5@x.org", ""), contactRow(3, "Moved", "moved@x.org", ""),
				contactRow(4, "Fresh", "fresh@x.org", ""), contactRow(5, "New 299", "old299@x.org", "")}
			cache := filepath.Join(e.dir, "scan")
			run := func(id string, dry bool) *Result {
				t.Helper()
				o := e.opts(id, kommo.EntityContacts, ModeUpsert)
				o.Lookup, o.ScanCache, o.DryRun = LookupScan, cache, dry
				if dry {
					o.Journal = ""
				}
				res, err := Import(ctx, e.c, items(rows...), o)
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			e.clk.advance(10 * time.Minute)
			e.log.sent()
			dry := run("dry", true)
			if n := countMatching(e.log.sent(), "GET /api/v4/contacts?limit=250"); n != 2 {
				t.Errorf("the dry run read %d pages, want the whole list (2)", n)
			}
			if dry.Rows[2].Action != ActionUpdate || dry.Rows[3].Action != ActionCreate {
				t.Fatalf("dry run: %v", actions(dry))
			}
			dryAt := e.clk.Now()
			files, _ := filepath.Glob(filepath.Join(cache, "*.json"))
			if len(files) != 1 {
				t.Fatalf("scan cache files %v", files)
			}
			if b, _ := os.ReadFile(files[0]); strings.Contains(string(b), "@") || strings.Contains(string(b), "Old") {
				t.Errorf("the scan cache holds values: %.200s", b)
			}
			if with304 {
				// Nothing changed: the run keeps the dry run's index.
				e.clk.advance(5 * time.Minute)
				e.log.sent()
				real := run("real", false)
				reqs := e.log.sent()
				lists := countMatching(reqs, "GET /api/v4/contacts?filter%5Bupdated_at%5D")
				if lists != 1 || real.Rows[2].IDs[kommo.EntityContacts] != ids[5] || real.Rows[5].IDs[kommo.EntityContacts] != ids[299] {
					t.Errorf("unchanged account: %d delta reads, rows %v; want 1 and the old ids", lists, actions(real))
				}
				return
			}
			// Between the dry run and the run: an old contact takes the
			// e-mail of row 3, and a new one the e-mail of row 4.
			e.clk.advance(5 * time.Minute)
			written(t)(e.c.Contacts.Update(ctx, []kommo.ContactRequest{{ID: ids[7], CustomFieldsValues: kommo.CustomFieldValues{
				{FieldCode: "EMAIL", Values: []kommo.FieldValue{kommo.Multitext("moved@x.org", "WORK")}}}}}))
			fresh := written(t)(e.c.Contacts.Create(ctx, []kommo.ContactRequest{{Name: "Fresh", CustomFieldsValues: kommo.CustomFieldValues{
				{FieldCode: "EMAIL", Values: []kommo.FieldValue{kommo.Multitext("fresh@x.org", "WORK")}}}}}))[0].ID
			e.clk.advance(5 * time.Minute)
			e.log.sent()
			real := run("real", false)
			reqs := e.log.sent()
			since := dryAt.Unix() - clockSkew
			var lists []string
			for _, r := range reqs {
				if strings.HasPrefix(r, "GET /api/v4/contacts?") && !strings.Contains(r, "filter%5Bid%5D") {
					lists = append(lists, r)
				}
			}
			want := fmt.Sprintf("filter%%5Bupdated_at%%5D%%5Bfrom%%5D=%d", since)
			wantIMS := "ims=" + time.Unix(since, 0).UTC().Format(http.TimeFormat)
			if len(lists) != 1 || !strings.Contains(lists[0], want) || !strings.HasSuffix(lists[0], wantIMS) {
				t.Errorf("the run's scan: %v; want one read with %s and %s", lists, want, wantIMS)
			}
			for line, id := range map[int]int{2: ids[5], 3: ids[7], 4: fresh, 5: ids[299]} {
				if got := real.Rows[line].IDs[kommo.EntityContacts]; got != id {
					t.Errorf("row %d matched %d, want %d", line, got, id)
				}
			}
			if real.Created != 0 {
				t.Errorf("created %d: a changed record was missed", real.Created)
			}
		})
	}
}

// TestExportIfModifiedSince: an export of the records changed since a
// time sends If-Modified-Since a second before it with the updated_at
// filter; Kommo's 304 (or 204) for it is an empty export, not an error.
func TestExportIfModifiedSince(t *testing.T) {
	for _, with304 := range []bool{false, true} {
		t.Run(fmt.Sprintf("304=%v", with304), func(t *testing.T) {
			e := newLimitsEnv(t, kt.Options{NotModified304: with304})
			ctx := t.Context()
			written(t)(e.c.Leads.Create(ctx, []kommo.LeadRequest{{Name: "Before"}}))
			e.clk.advance(time.Hour)
			from := e.clk.Now()
			export := func() (ExportStats, string) {
				t.Helper()
				var b strings.Builder
				w, _ := sheet.NewCSVWriter(&b, sheet.CSVWriteOptions{})
				e.log.sent()
				st, err := Export(ctx, e.c, w, ExportOptions{Entity: kommo.EntityLeads, Filter: ExportFilter{UpdatedAt: &kommo.Range{From: from.Unix()}}})
				if err != nil {
					t.Fatal(err)
				}
				w.Close()
				for _, r := range e.log.sent() {
					if strings.HasPrefix(r, "GET /api/v4/leads?") {
						return st, r
					}
				}
				t.Fatal("no leads list on the wire")
				return st, ""
			}
			st, req := export()
			wantIMS := "ims=" + from.Add(-time.Second).UTC().Format(http.TimeFormat)
			if st.Rows != 0 || !strings.HasSuffix(req, wantIMS) || !strings.Contains(req, fmt.Sprintf("filter%%5Bupdated_at%%5D%%5Bfrom%%5D=%d", from.Unix())) {
				t.Errorf("nothing changed: %d rows, request %s", st.Rows, req)
			}
			written(t)(e.c.Leads.Create(ctx, []kommo.LeadRequest{{Name: "After"}}))
			if st, _ := export(); st.Rows != 1 {
				t.Errorf("one lead changed since: exported %d", st.Rows)
			}
		})
	}
}
