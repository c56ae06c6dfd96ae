package bulk

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// wireLog is a Doer that records every request body before sending it.
type wireLog struct {
	mu     sync.Mutex
	bodies []string
	urls   []string
}

func (w *wireLog) Do(r *http.Request) (*http.Response, error) {
	var b []byte
	if r.Body != nil {
		b, _ = io.ReadAll(r.Body)
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	w.mu.Lock()
	w.bodies = append(w.bodies, r.Method+" "+r.URL.Path+" "+string(b))
	w.urls = append(w.urls, r.URL.String())
	w.mu.Unlock()
	return http.DefaultClient.Do(r)
}

// newWireTestEnv is newTestEnv with the client's requests recorded;
// seed, if not nil, is the emulator's initial state.
func newWireTestEnv(t *testing.T, seed ...*kt.Seed) (*testEnv, *wireLog) {
	t.Helper()
	// The emulator's clock moves a second per reading, so every event has
	// its own created_at.
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); now = now.Add(time.Second); return now }
	opts := kt.Options{Tokens: []string{importToken}, Rate: rate.Inf, Now: clock}
	if len(seed) > 0 {
		opts.Seed = seed[0]
	}
	emu, err := kt.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(func() { srv.Close(); emu.Close() })
	w := &wireLog{}
	c, err := kommo.NewClient(srv.URL, kommo.WithToken(importToken), kommo.WithRateLimit(rate.Inf, 1), kommo.WithDoer(w),
		kommo.WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{emu: emu, c: c, dir: t.TempDir()}, w
}

// TestImportClearsTags: a spec's "tags, clear_if_empty" on an empty cell
// reaches Kommo as "_embedded":{"tags":null} and detaches every tag; a
// row that only clears tags is a change, not a skip; undo puts them back.
func TestImportClearsTags(t *testing.T) {
	e, w := newWireTestEnv(t)
	ctx := t.Context()
	res0, _, err := e.c.Leads.Create(ctx, []kommo.LeadRequest{
		{Name: "A", Embedded: &kommo.LeadRequestEmbedded{Tags: kommo.TagRefs{{Name: "vip"}, {Name: "old"}}}},
		{Name: "B", Embedded: &kommo.LeadRequestEmbedded{Tags: kommo.TagRefs{{Name: "vip"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	a, b := res0[0].ID, res0[1].ID
	schema, err := FetchSchema(ctx, e.c)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := mapping.ParseSpec([]byte("entity: leads\nmatch: id\ncolumns:\n  - {column: ID, field: id}\n  - {column: Tags, field: tags, clear_if_empty: true}\n"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := mapping.Compile(spec, schema, []string{"ID", "Tags"})
	if err != nil {
		t.Fatal(err)
	}
	var rows []*mapping.Row
	for i, rec := range [][]string{{strconv.Itoa(a), ""}, {strconv.Itoa(b), "vip"}} {
		r, errs := m.Map(sheet.Record{Row: i + 2, Values: rec})
		if errs != nil {
			t.Fatal(errs)
		}
		rows = append(rows, r)
	}
	w.mu.Lock()
	w.bodies = nil
	w.mu.Unlock()
	o := e.opts("clear-tags", kommo.EntityLeads, ModeUpdate)
	res, err := Import(ctx, e.c, items(rows...), o)
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(res); got[2] != ActionUpdate || got[3] != ActionSkip {
		t.Errorf("actions = %v, want line 2 updated (tags cleared), line 3 skipped (tag already there)", got)
	}
	var patch string
	for _, body := range w.bodies {
		if strings.HasPrefix(body, "PATCH /api/v4/leads ") {
			patch = body
		}
	}
	if !strings.Contains(patch, `"id":`+strconv.Itoa(a)+`,`) || !strings.Contains(patch, `"_embedded":{"tags":null}`) {
		t.Errorf("PATCH on the wire = %q, want lead %d with \"_embedded\":{\"tags\":null}", patch, a)
	}
	if ch := res.Rows[2].Changes; len(ch) != 1 || ch[0].Field != "tags" || ch[0].Old != value.JoinValues([]string{"vip", "old"}) || ch[0].New != "" {
		t.Errorf("changes = %+v", ch)
	}
	l, _, err := e.c.Leads.Get(ctx, a)
	if err != nil || len(l.Embedded.Tags) != 0 {
		t.Fatalf("lead %d tags = %+v (%v), want none", a, l.Embedded.Tags, err)
	}

	if _, err := Undo(ctx, e.c, o.Journal); err != nil {
		t.Fatal(err)
	}
	l, _, _ = e.c.Leads.Get(ctx, a)
	var names []string
	for _, tg := range l.Embedded.Tags {
		names = append(names, tg.Name)
	}
	if strings.Join(names, ",") != "vip,old" {
		t.Errorf("tags after undo = %v, want [vip old]", names)
	}
}

// TestManyIDsShortURLs: the engine reads records by id (before updates,
// for undo and lookups) and exports by id; with hundreds of nine-digit
// ids every URL stays under kommo.MaxURLLength and every record is read.
func TestManyIDsShortURLs(t *testing.T) {
	seed := kt.DefaultSeed()
	var ids []int
	for i := range 600 {
		id := 912345678 + 7*i
		ids = append(ids, id)
		seed.Leads = append(seed.Leads, kt.Lead{ID: id, Name: "Deal " + strconv.Itoa(i), PipelineID: kt.SeedPipelineSales,
			StatusID: kt.SeedStatusSalesNew, ResponsibleUserID: kt.SeedUserAna})
	}
	e, w := newWireTestEnv(t, seed)
	ctx := t.Context()
	checkURLs := func(what string) {
		t.Helper()
		w.mu.Lock()
		defer w.mu.Unlock()
		if len(w.urls) < 2 {
			t.Errorf("%s: %d requests, want the ids split over several", what, len(w.urls))
		}
		for _, u := range w.urls {
			if len(u) > kommo.MaxURLLength {
				t.Errorf("%s: URL of %d bytes", what, len(u))
			}
		}
		w.urls, w.bodies = nil, nil
	}

	views, err := fetchViews(ctx, e.c, kommo.EntityLeads, append(slices.Clone(ids), 100000001))
	if err != nil {
		t.Fatal(err)
	}
	if len(views) != len(ids) {
		t.Errorf("fetchViews found %d of %d leads", len(views), len(ids))
	}
	checkURLs("fetchViews")

	schema, err := FetchSchema(ctx, e.c)
	if err != nil {
		t.Fatal(err)
	}
	w.mu.Lock()
	w.urls, w.bodies = nil, nil
	w.mu.Unlock()
	shuffled := slices.Clone(ids)
	slices.Reverse(shuffled)
	rows, st := exportCSV(t, e.c, ExportOptions{Entity: kommo.EntityLeads, Schema: schema, Filter: ExportFilter{IDs: shuffled}})
	if st.Rows != len(ids) || len(rows) != len(ids)+1 {
		t.Fatalf("export wrote %d rows, want %d", st.Rows, len(ids))
	}
	for i, r := range rows[1:] {
		if r[0] != strconv.Itoa(ids[i]) {
			t.Fatalf("row %d id = %s, want %d (rows by id)", i+2, r[0], ids[i])
		}
	}
	checkURLs("export")
}

// TestPriceWithCents: a decimal price in a file reaches Kommo with its
// cents (a JSON number on the wire), and export writes it back as a
// decimal; whole prices stay whole.
func TestPriceWithCents(t *testing.T) {
	e, w := newWireTestEnv(t)
	ctx := t.Context()
	schema, err := FetchSchema(ctx, e.c)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := mapping.ParseSpec([]byte("entity: leads\ncolumns:\n  - {column: Name, field: name}\n  - {column: Budget, field: price}\n"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := mapping.Compile(spec, schema, []string{"Name", "Budget"})
	if err != nil {
		t.Fatal(err)
	}
	var rows []*mapping.Row
	for i, rec := range [][]string{{"Cents", "1 234,56"}, {"Whole", "1500"}} {
		r, errs := m.Map(sheet.Record{Row: i + 2, Values: rec})
		if errs != nil {
			t.Fatal(errs)
		}
		rows = append(rows, r)
	}
	w.mu.Lock()
	w.bodies = nil
	w.mu.Unlock()
	if _, err := Import(ctx, e.c, items(rows...), e.opts("cents", kommo.EntityLeads, ModeCreate)); err != nil {
		t.Fatal(err)
	}
	var post string
	for _, b := range w.bodies {
		if strings.HasPrefix(b, "POST /api/v4/leads ") {
			post = b
		}
	}
	if !strings.Contains(post, `"price":1234.56`) || !strings.Contains(post, `"price":1500`) {
		t.Errorf("POST on the wire = %s, want prices 1234.56 and 1500", post)
	}
	st := e.emu.Snapshot()
	if len(st.Leads) != 2 || st.Leads[0].Price != 1234.56 || st.Leads[1].Price != 1500 {
		t.Fatalf("stored leads = %+v", st.Leads)
	}
	out, _ := exportCSV(t, e.c, ExportOptions{Entity: kommo.EntityLeads, Schema: schema})
	col := slices.Index(out[0], "Price")
	if col < 0 || len(out) != 3 || out[1][col] != "1234.56" || out[2][col] != "1500" {
		t.Errorf("exported prices = %v", out)
	}
}

// TestExportEventsSplitsFieldTypes: Kommo takes a
// custom_field_{ID}_value_changed type only alone in filter[type] (the
// emulator refuses a mix with 400), so an export asking for several types
// lists each field's type on its own, the others together, and merges the
// lists newest first, each event once.
func TestExportEventsSplitsFieldTypes(t *testing.T) {
	e, w := newWireTestEnv(t)
	ctx := t.Context()
	res, _, err := e.c.Leads.Create(ctx, []kommo.LeadRequest{{Name: "A"}, {Name: "B"}})
	if err != nil {
		t.Fatal(err)
	}
	a, b := res[0].ID, res[1].ID
	text := func(id int, v string) kommo.LeadRequest {
		return kommo.LeadRequest{ID: id, CustomFieldsValues: kommo.CustomFieldValues{{FieldID: kt.SeedLeadExternalID, Values: []kommo.FieldValue{kommo.Text(v)}}}}
	}
	budget := func(id int, v string) kommo.LeadRequest {
		return kommo.LeadRequest{ID: id, CustomFieldsValues: kommo.CustomFieldValues{{FieldID: kt.SeedLeadBudget, Values: []kommo.FieldValue{kommo.Text(v)}}}}
	}
	// Interleave the three kinds of changes in time.
	for _, req := range []kommo.LeadRequest{text(a, "x1"), budget(b, "10"), {ID: a, StatusID: kt.SeedStatusSalesQualified}, budget(a, "20"), text(b, "x2"), {ID: b, StatusID: kt.SeedStatusSalesProposal}} {
		if _, _, err := e.c.Leads.Update(ctx, []kommo.LeadRequest{req}); err != nil {
			t.Fatal(err)
		}
	}
	schema, err := FetchSchema(ctx, e.c)
	if err != nil {
		t.Fatal(err)
	}
	fText, fBudget := kommo.CustomFieldValueChanged(kt.SeedLeadExternalID), kommo.CustomFieldValueChanged(kt.SeedLeadBudget)
	// What the account holds, newest first.
	var want []string
	for ev, err := range e.c.Events.ListIter(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == fText || ev.Type == fBudget || ev.Type == kommo.EventLeadStatusChanged {
			want = append(want, ev.ID)
		}
	}
	if len(want) != 6 {
		t.Fatalf("%d matching events in the account, want 6", len(want))
	}
	w.mu.Lock()
	w.urls = nil
	w.mu.Unlock()
	for _, types := range [][]string{
		{fText, kommo.EventLeadStatusChanged, fBudget, fText},
		// custom_field_value_changed also matches the field types: each
		// event is still written once.
		{fBudget, kommo.EventCustomFieldValueChanged, fText, kommo.EventLeadStatusChanged},
	} {
		rows, st := exportCSV(t, e.c, ExportOptions{Entity: ExportEvents, Schema: schema, PageSize: 1, Filter: ExportFilter{EventTypes: types}})
		var got []string
		for _, r := range rows[1:] {
			got = append(got, r[0])
		}
		if !slices.Equal(got, want) || st.Rows != 6 {
			t.Errorf("types %v: exported events %v, want %v (newest first, once each)", types, got, want)
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var lists int
	for _, u := range w.urls {
		if !strings.Contains(u, "/api/v4/events?") {
			continue
		}
		lists++
		q, _ := url.ParseQuery(u[strings.Index(u, "?")+1:])
		types := strings.Split(q.Get("filter[type]"), ",")
		for _, ty := range types {
			if _, ok := kommo.FieldChangeEventType(ty); ok && len(types) > 1 {
				t.Errorf("request mixes %s with other types: %v", ty, types)
			}
		}
	}
	if lists < 3 {
		t.Errorf("%d events requests, want at least one per stream", lists)
	}
}
