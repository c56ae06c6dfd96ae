package bulk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

const importToken = "bulk-test-token"

type testEnv struct {
	emu *kt.Server
	c   *kommo.Client
	dir string
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	emu, err := kt.NewServer(kt.Options{Tokens: []string{importToken}, Rate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(func() { srv.Close(); emu.Close() })
	c, err := kommo.NewClient(srv.URL, kommo.WithToken(importToken), kommo.WithRateLimit(rate.Inf, 1),
		kommo.WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{emu: emu, c: c, dir: t.TempDir()}
}

func (e *testEnv) opts(id string, entity kommo.EntityType, mode Mode) ImportOptions {
	return ImportOptions{Job: JobHeader{ID: id, Entity: entity, Mode: mode}, Journal: filepath.Join(e.dir, id+".journal"), NoSync: true}
}

func emailKey(v string) mapping.MatchKey {
	return mapping.MatchKey{Kind: mapping.MatchEmail, Values: []string{strings.ToLower(v)}}
}

// contactRow is a contact with an email (its match key) and optionally a
// company by name.
func contactRow(line int, name, email, company string) *mapping.Row {
	r := &mapping.Row{Line: line, Entity: kommo.EntityContacts,
		Contact: &kommo.ContactRequest{Name: name},
		Match:   map[kommo.EntityType]mapping.MatchKey{},
		Columns: map[string]string{"contacts:name": "Name", "contacts:custom_fields_values.0": "Email"},
	}
	if email != "" {
		r.Contact.CustomFieldsValues = kommo.CustomFieldValues{{FieldCode: "EMAIL", Values: []kommo.FieldValue{kommo.Multitext(email, "WORK")}}}
		r.Match[kommo.EntityContacts] = emailKey(email)
	}
	if company != "" {
		r.Company = &kommo.CompanyRequest{Name: company}
		r.Columns["companies:name"] = "Company"
	}
	return r
}

func items(rows ...*mapping.Row) func(func(Item) bool) {
	return func(yield func(Item) bool) {
		for _, r := range rows {
			if !yield(Item{Row: r}) {
				return
			}
		}
	}
}

func actions(res *Result) map[int]Action {
	out := map[int]Action{}
	for l, rr := range res.Rows {
		out[l] = rr.Action
	}
	return out
}

func TestImportCreateWithRelatedCompanies(t *testing.T) {
	e := newTestEnv(t)
	rows := []*mapping.Row{
		contactRow(2, "Ada", "ada@x.org", "Acme"),
		contactRow(3, "Bob", "bob@x.org", "ACME "), // same company, spelled differently
		contactRow(4, "Cy", "cy@x.org", "Globex"),
		contactRow(5, "Di", "", ""),
		contactRow(6, "Ed", "ed@x.org", "Acme"),
	}
	o := e.opts("create", kommo.EntityContacts, ModeCreate)
	o.BatchSize = 2 // the Acme rows fall into different batches
	res, err := Import(t.Context(), e.c, items(rows...), o)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]Action{2: ActionCreate, 3: ActionCreate, 4: ActionCreate, 5: ActionCreate, 6: ActionCreate}
	if diff := cmp.Diff(want, actions(res)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	st := e.emu.Snapshot()
	if len(st.Contacts) != 5 || len(st.Companies) != 2 {
		t.Fatalf("%d contacts, %d companies; want 5 and 2", len(st.Contacts), len(st.Companies))
	}
	acme := res.Rows[2].IDs[kommo.EntityCompanies]
	if acme == 0 || res.Rows[3].IDs[kommo.EntityCompanies] != acme || res.Rows[6].IDs[kommo.EntityCompanies] != acme {
		t.Errorf("Acme ids = %v %v %v", res.Rows[2].IDs, res.Rows[3].IDs, res.Rows[6].IDs)
	}
	// Every contact with a company is linked to it.
	for _, line := range []int{2, 3, 4, 6} {
		ids := res.Rows[line].IDs
		c, _, err := e.c.Contacts.Get(t.Context(), ids[kommo.EntityContacts])
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Embedded.Companies) != 1 || c.Embedded.Companies[0].ID != ids[kommo.EntityCompanies] {
			t.Errorf("row %d: contact companies %+v, want %d", line, c.Embedded.Companies, ids[kommo.EntityCompanies])
		}
	}
	if res.Created != 5 || res.Failed != 0 {
		t.Errorf("counts = %+v", res)
	}
}

func TestImportUpsertDedupesFileAndAccount(t *testing.T) {
	e := newTestEnv(t)
	ctx := t.Context()
	existing, _, err := e.c.Contacts.Create(ctx, []kommo.ContactRequest{{Name: "Old Ada", CustomFieldsValues: kommo.CustomFieldValues{
		{FieldCode: "EMAIL", Values: []kommo.FieldValue{kommo.Multitext("ADA@x.org", "WORK")}},
		{FieldCode: "POSITION", Values: []kommo.FieldValue{kommo.Text("Analyst")}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	oldID := existing[0].ID
	rows := []*mapping.Row{
		contactRow(2, "Ada Lovelace", "ada@x.org", ""), // matches the account (email case differs)
		contactRow(3, "Bob", "bob@x.org", ""),
		contactRow(4, "Bobby", "BOB@x.org", ""), // same as row 3 within the file
		contactRow(5, "Cy", "cy@x.org", ""),
	}
	for _, strategy := range []LookupStrategy{LookupQuery, LookupScan} {
		t.Run(string(strategy), func(t *testing.T) {
			o := e.opts("upsert-"+string(strategy), kommo.EntityContacts, ModeUpsert)
			o.Lookup = strategy
			res, err := Import(ctx, e.c, items(rows...), o)
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows[2].IDs[kommo.EntityContacts] != oldID || res.Rows[3].IDs[kommo.EntityContacts] != res.Rows[4].IDs[kommo.EntityContacts] {
				t.Errorf("ids: %v %v %v", res.Rows[2].IDs, res.Rows[3].IDs, res.Rows[4].IDs)
			}
		})
	}
	st := e.emu.Snapshot()
	if len(st.Contacts) != 3 {
		t.Fatalf("%d contacts, want 3 (Ada, Bob, Cy and nothing twice)", len(st.Contacts))
	}
	ada, _, err := e.c.Contacts.Get(ctx, oldID)
	if err != nil {
		t.Fatal(err)
	}
	if ada.Name != "Ada Lovelace" {
		t.Errorf("upserted name = %q", ada.Name)
	}
	if pos, _ := ada.CustomFieldsValues.Field(0, "POSITION"); len(pos.Values) != 1 {
		t.Errorf("an upsert cleared a field it did not send: %+v", ada.CustomFieldsValues)
	}
	bob := st.Contacts[slices.IndexFunc(st.Contacts, func(c kt.Contact) bool { return strings.HasPrefix(c.Name, "Bob") })]
	if bob.Name != "Bobby" {
		t.Errorf("bob = %q, want the later row's name", bob.Name)
	}
}

func TestImportSkipExistingAndUpdateByID(t *testing.T) {
	e := newTestEnv(t)
	ctx := t.Context()
	pre, _, err := e.c.Contacts.Create(ctx, []kommo.ContactRequest{{Name: "Ada", CustomFieldsValues: kommo.CustomFieldValues{
		{FieldCode: "EMAIL", Values: []kommo.FieldValue{kommo.Multitext("ada@x.org", "WORK")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Import(ctx, e.c, items(contactRow(2, "Ada 2", "ada@x.org", ""), contactRow(3, "New", "new@x.org", "")),
		e.opts("skip", kommo.EntityContacts, ModeSkipExisting))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[int]Action{2: ActionSkip, 3: ActionCreate}, actions(res)); diff != "" {
		t.Errorf("skip-existing (-want +got):\n%s", diff)
	}
	if c, _, _ := e.c.Contacts.Get(ctx, pre[0].ID); c.Name != "Ada" {
		t.Errorf("skipped contact changed: %q", c.Name)
	}

	upd := func(line, id int, name string) *mapping.Row {
		return &mapping.Row{Line: line, Entity: kommo.EntityContacts, Contact: &kommo.ContactRequest{Name: name},
			Match:   map[kommo.EntityType]mapping.MatchKey{kommo.EntityContacts: {Kind: mapping.MatchID, Values: []string{fmt.Sprint(id)}}},
			Columns: map[string]string{"contacts:id": "ID"}}
	}
	res, err = Import(ctx, e.c, items(upd(2, pre[0].ID, "Ada Updated"), upd(3, 99999999, "Ghost"), upd(4, pre[0].ID, "Ada Updated")),
		e.opts("update", kommo.EntityContacts, ModeUpdate))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[int]Action{2: ActionUpdate, 3: ActionError, 4: ActionSkip}, actions(res)); diff != "" {
		t.Errorf("update (-want +got):\n%s", diff)
	}
	if rr := res.Rows[3]; rr.Column != "ID" || !strings.Contains(rr.Err.Error(), "does not exist") {
		t.Errorf("missing id row = %+v", rr)
	}
	if ch := res.Rows[2].Changes; len(ch) != 1 || ch[0].Field != "name" || ch[0].Old != "Ada" || ch[0].New != "Ada Updated" {
		t.Errorf("changes = %v", ch)
	}
	if c, _, _ := e.c.Contacts.Get(ctx, pre[0].ID); c.Name != "Ada Updated" {
		t.Errorf("updated name = %q", c.Name)
	}
}

func TestImportSplitsInvalidItems(t *testing.T) {
	e := newTestEnv(t)
	bad := contactRow(3, "Bad", "bad@x.org", "")
	bad.Contact.CustomFieldsValues = append(bad.Contact.CustomFieldsValues,
		kommo.CustomFieldValue{FieldID: kt.SeedContactSource, Values: []kommo.FieldValue{kommo.OptionText("Pigeon")}})
	bad.Columns["contacts:custom_fields_values.1"] = "Source"
	rows := []*mapping.Row{contactRow(2, "A", "a@x.org", ""), bad, contactRow(4, "C", "c@x.org", "")}
	seq := func(yield func(Item) bool) {
		for _, r := range rows {
			if !yield(Item{Row: r}) {
				return
			}
		}
		yield(Item{Line: 5, Errs: []*sheet.RowError{{File: "c.csv", Row: 5, Column: "Email", Err: errors.New("invalid email")}}})
	}
	res, err := Import(t.Context(), e.c, seq, e.opts("split", kommo.EntityContacts, ModeCreate))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[int]Action{2: ActionCreate, 3: ActionError, 4: ActionCreate, 5: ActionError}, actions(res)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	if rr := res.Rows[3]; rr.Column != "Source" || !strings.Contains(rr.Err.Error(), "NotSupportedChoice") {
		t.Errorf("bad row = %+v", rr)
	}
	if rr := res.Rows[5]; rr.Column != "Email" || !strings.Contains(rr.Err.Error(), "invalid email") {
		t.Errorf("mapping failure row = %+v", rr)
	}
	if n := len(e.emu.Snapshot().Contacts); n != 2 {
		t.Errorf("%d contacts, want 2", n)
	}
}

func TestImportSurvivesFaults(t *testing.T) {
	tests := []struct {
		name   string
		inject func(*kt.Server)
	}{
		{"504 above 3 items: halve", func(s *kt.Server) { s.Set504Above(3) }},
		{"connection dropped after the write", func(s *kt.Server) { s.DropNext(2, true) }},
		{"connection dropped before the write", func(s *kt.Server) { s.DropNext(2, false) }},
		{"503 twice", func(s *kt.Server) { s.FailNext(2, 503) }},
		{"429 burst", func(s *kt.Server) { s.FailNext(3, 429) }},
		{"random 5xx", func(s *kt.Server) { s.SetErrorRate(0.2, 502, 7) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			var rows []*mapping.Row
			for i := range 20 {
				rows = append(rows, contactRow(i+2, fmt.Sprintf("Person %d", i), fmt.Sprintf("p%d@x.org", i), fmt.Sprintf("Co %d", i%3)))
			}
			tt.inject(e.emu)
			o := e.opts("faults", kommo.EntityContacts, ModeCreate)
			o.BatchSize = 8
			o.Workers = 2
			res, err := Import(t.Context(), e.c, items(rows...), o)
			if err != nil {
				t.Fatal(err)
			}
			if res.Created != 20 || res.Failed != 0 {
				t.Fatalf("created %d, failed %d: %v", res.Created, res.Failed, res.Rows)
			}
			st := e.emu.Snapshot()
			if len(st.Contacts) != 20 || len(st.Companies) != 3 {
				t.Errorf("%d contacts, %d companies; want exactly 20 and 3", len(st.Contacts), len(st.Companies))
			}
			names := map[string]int{}
			for _, c := range st.Contacts {
				names[c.Name]++
			}
			for n, k := range names {
				if k != 1 {
					t.Errorf("%q written %d times", n, k)
				}
			}
		})
	}
}

// dropFirstWrite applies the first POST to path and closes the
// connection without an answer: a write whose outcome the client cannot
// know.
type dropFirstWrite struct {
	emu  *kt.Server
	path string
	done atomic.Bool
}

func (d *dropFirstWrite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == d.path && d.done.CompareAndSwap(false, true) {
		d.emu.DropNext(1, true)
	}
	d.emu.ServeHTTP(w, r)
}

// TestReconcileFindsDatedRecords loses the answer to a create of records
// that carry their own created_at (a migration's source dates): the read
// back must find them by that date, not by the time they were sent, or
// they are created again.
func TestReconcileFindsDatedRecords(t *testing.T) {
	for _, mode := range []Mode{ModeCreate, ModeUpsert} {
		t.Run(string(mode), func(t *testing.T) {
			e := newTestEnv(t)
			srv := httptest.NewServer(&dropFirstWrite{emu: e.emu, path: "/api/v4/contacts"})
			t.Cleanup(srv.Close)
			c, err := kommo.NewClient(srv.URL, kommo.WithToken(importToken), kommo.WithRateLimit(rate.Inf, 1),
				kommo.WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
			if err != nil {
				t.Fatal(err)
			}
			var rows []*mapping.Row
			for i := range 5 {
				rows = append(rows, contactRow(i+2, fmt.Sprintf("Person %d", i), fmt.Sprintf("p%d@x.org", i), ""))
				rows[i].Contact.CreatedAt = time.Date(2019, 5, 1+i, 9, 0, 0, 0, time.UTC).Unix()
			}
			o := e.opts("dated", kommo.EntityContacts, mode)
			o.Workers = 1
			res, err := Import(t.Context(), c, items(rows...), o)
			if err != nil {
				t.Fatal(err)
			}
			st := e.emu.Snapshot()
			if len(st.Contacts) != 5 || res.Created != 5 {
				t.Errorf("%d contacts, %d created; want 5 and 5", len(st.Contacts), res.Created)
			}
		})
	}
}

// TestImportWaitsByTheClientsPolicy: before sending again a write whose
// outcome was unknown, the engine waits as the client's retry policy says
// (with jitter), through the client's sleep, whatever NoSync says.
func TestImportWaitsByTheClientsPolicy(t *testing.T) {
	for _, noSync := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoSync=%v", noSync), func(t *testing.T) {
			emu, err := kt.NewServer(kt.Options{Tokens: []string{importToken}, Rate: rate.Inf})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(emu)
			t.Cleanup(func() { srv.Close(); emu.Close() })
			// The first three creates answer 500 without reaching Kommo:
			// each may have been applied, so the engine waits, reads back,
			// and sends it again.
			var posts atomic.Int32
			hc := *srv.Client()
			hc.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
				if r.Method == http.MethodPost && posts.Add(1) <= 3 {
					return &http.Response{StatusCode: 500, Status: "500 Internal Server Error", Header: http.Header{},
						Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
				}
				return srv.Client().Transport.RoundTrip(r)
			})
			var mu sync.Mutex
			var waits []time.Duration
			policy := kommo.RetryPolicy{MaxRetries: 2, MinWait: 40 * time.Millisecond, MaxWait: 100 * time.Millisecond}
			c, err := kommo.NewClient(srv.URL, kommo.WithToken(importToken), kommo.WithRateLimit(rate.Inf, 1), kommo.WithRetry(policy),
				kommo.WithHTTPClient(&hc), kommo.WithSleep(func(ctx context.Context, d time.Duration) error {
					mu.Lock()
					waits = append(waits, d)
					mu.Unlock()
					return ctx.Err()
				}))
			if err != nil {
				t.Fatal(err)
			}
			o := ImportOptions{Job: JobHeader{ID: "waits", Entity: kommo.EntityContacts, Mode: ModeCreate},
				Journal: filepath.Join(t.TempDir(), "waits.journal"), NoSync: noSync}
			res, err := Import(t.Context(), c, items(contactRow(2, "Ada", "", ""), contactRow(3, "Bob", "", "")), o)
			if err != nil {
				t.Fatal(err)
			}
			if res.Created != 2 || len(emu.Snapshot().Contacts) != 2 || posts.Load() != 4 {
				t.Fatalf("created %d, %d contacts, %d creates sent; want 2, 2, 4", res.Created, len(emu.Snapshot().Contacts), posts.Load())
			}
			// Backoff(1..3) of the policy: 40, 80, 100 (capped) ms, each
			// jittered to 75-100 %.
			mu.Lock()
			defer mu.Unlock()
			full := []time.Duration{40 * time.Millisecond, 80 * time.Millisecond, 100 * time.Millisecond}
			if len(waits) != len(full) {
				t.Fatalf("waits = %v, want %d (one per failure, through the client's sleep)", waits, len(full))
			}
			for i, d := range waits {
				if d < full[i]*3/4 || d >= full[i] {
					t.Errorf("wait %d = %v, want the policy's %v with 75-100 %% jitter", i+1, d, full[i])
				}
			}
		})
	}
}

func TestImportFatalErrorsStopTheJob(t *testing.T) {
	e := newTestEnv(t)
	e.emu.SetPaymentRequired(true)
	_, err := Import(t.Context(), e.c, items(contactRow(2, "A", "a@x.org", "")), e.opts("unpaid", kommo.EntityContacts, ModeCreate))
	if !errors.Is(err, kommo.ErrPaymentRequired) {
		t.Errorf("err = %v, want payment required", err)
	}
}

func TestImportRefusesToRestartAJob(t *testing.T) {
	e := newTestEnv(t)
	o := e.opts("twice", kommo.EntityContacts, ModeCreate)
	if _, err := Import(t.Context(), e.c, items(contactRow(2, "A", "", "")), o); err != nil {
		t.Fatal(err)
	}
	if _, err := Import(t.Context(), e.c, items(contactRow(2, "A", "", "")), o); !errors.Is(err, ErrJournalExists) {
		t.Errorf("second start err = %v, want ErrJournalExists", err)
	}
	o.Resume = true
	res, err := Import(t.Context(), e.c, items(contactRow(2, "A", "", "")), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Resumed != 1 || len(e.emu.Snapshot().Contacts) != 1 {
		t.Errorf("resume of a finished job: resumed %d, %d contacts", res.Resumed, len(e.emu.Snapshot().Contacts))
	}
}

// TestResumeReconcilesUnansweredCreates writes a journal as a crash would
// leave it: a create sent, its answer lost, though Kommo applied it. The
// resume must find the record, not create it again.
func TestResumeReconcilesUnansweredCreates(t *testing.T) {
	for _, keyed := range []bool{true, false} {
		t.Run(fmt.Sprintf("keyed=%v", keyed), func(t *testing.T) {
			e := newTestEnv(t)
			ctx := t.Context()
			email := ""
			if keyed {
				email = "ada@x.org"
			}
			rows := []*mapping.Row{contactRow(2, "Ada", email, "Acme"), contactRow(3, "Bob", "", "")}
			rows[0].Key, rows[1].Key = "K-ada", "K-bob"
			mode := ModeCreate
			o := e.opts("crash", kommo.EntityContacts, mode)
			// What happened before the crash: Acme and Ada were created; the
			// journal saw the sends, not the answers.
			co, _, _ := e.c.Companies.Create(ctx, []kommo.CompanyRequest{{Name: "Acme"}})
			req := *rows[0].Contact
			ct, _, _ := e.c.Contacts.Create(ctx, []kommo.ContactRequest{req})
			j, err := createJournal(o.Journal, false)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().Unix()
			j.append(true,
				entry{Op: opStart, Job: &JobHeader{ID: "crash", Entity: kommo.EntityContacts, Mode: mode}},
				entry{Op: opSent, Entity: kommo.EntityCompanies, Action: ActionCreate, Rows: []int{2}, At: now},
				entry{Op: opAck, Entity: kommo.EntityCompanies, Action: ActionCreate, IDs: map[int]int{2: co[0].ID}},
				entry{Op: opSent, Entity: kommo.EntityContacts, Action: ActionCreate, Rows: []int{2, 3}, At: now},
			)
			j.close()
			// A torn last line, as a kill mid-write leaves.
			f, _ := os.OpenFile(o.Journal, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString(`{"op":"ack","e":"contacts","ids":{"2":`)
			f.Close()

			o.Resume = true
			res, err := Import(ctx, e.c, items(rows...), o)
			if err != nil {
				t.Fatal(err)
			}
			st := e.emu.Snapshot()
			if len(st.Contacts) != 2 || len(st.Companies) != 1 {
				t.Fatalf("%d contacts, %d companies after resume; want 2 and 1", len(st.Contacts), len(st.Companies))
			}
			if got := res.Rows[2].IDs[kommo.EntityContacts]; got != ct[0].ID {
				t.Errorf("row 2 contact = %d, want the reconciled %d", got, ct[0].ID)
			}
			if got := res.Rows[2].IDs[kommo.EntityCompanies]; got != co[0].ID {
				t.Errorf("row 2 company = %d, want %d", got, co[0].ID)
			}
			if res.Rows[3].Action != ActionCreate || res.Rows[2].Action != ActionCreate {
				t.Errorf("actions = %v", actions(res))
			}

			// The torn line was cut before the resume appended: the
			// journal reads back whole, by a second resume and by every
			// reader of journals.
			checkJournalLines(t, o.Journal)
			res, err = Import(ctx, e.c, items(rows...), o)
			if err != nil {
				t.Fatalf("second resume: %v", err)
			}
			if res.Resumed != 2 || res.Created != 2 {
				t.Errorf("second resume: resumed %d, created %d; want 2 and 2", res.Resumed, res.Created)
			}
			if _, ended, err := JobStatus(o.Journal); err != nil || !ended {
				t.Errorf("JobStatus = ended %v, %v", ended, err)
			}
			keys, err := KeysFromJournal(o.Journal)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(map[string]int{"K-ada": ct[0].ID, "K-bob": res.Rows[3].IDs[kommo.EntityContacts]}, keys[kommo.EntityContacts]); diff != "" {
				t.Errorf("KeysFromJournal (-want +got):\n%s", diff)
			}
			u, err := Undo(ctx, e.c, o.Journal)
			if err != nil {
				t.Fatal(err)
			}
			if len(u.Created[kommo.EntityContacts]) != 2 || !slices.Equal(u.Created[kommo.EntityCompanies], []int{co[0].ID}) {
				t.Errorf("undo created = %v", u.Created)
			}
			if st := e.emu.Snapshot(); len(st.Contacts) != 2 || len(st.Companies) != 1 {
				t.Errorf("%d contacts, %d companies after the second resume; want 2 and 1", len(st.Contacts), len(st.Companies))
			}
		})
	}
}

// checkJournalLines fails unless every line of the journal file is one
// whole entry ending in a newline.
func checkJournalLines(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 || b[len(b)-1] != '\n' {
		t.Errorf("%s does not end with a newline", path)
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		var e entry
		if err := json.Unmarshal([]byte(line), &e); err != nil || e.Op == "" {
			t.Errorf("%s line %d = %q: %v", path, i+1, line, err)
		}
	}
}

// TestResumeMendsTheJournalTail resumes journals whose end a crash (or an
// earlier version) left in each possible shape, twice, and reads them
// back.
func TestResumeMendsTheJournalTail(t *testing.T) {
	for _, tt := range []struct {
		name string
		tail string // what follows the header and row 2's create
	}{
		// A crash between an entry and its newline: the entry is whole.
		{"unterminated", `{"op":"row","row":2,"key":"K-ada","res":"create","row_ids":{"contacts":%d}}`},
		// A crash mid-entry.
		{"torn", `{"op":"row","row":2,"key":"K-ada","res":"cre`},
		// What earlier versions left: a resume's first entry appended to
		// a torn line.
		{"glued", `{"op":"row","row":2,"key":"K-a{"op":"row","row":2,"key":"K-ada","res":"create","row_ids":{"contacts":%d}}` + "\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			ctx := t.Context()
			rows := []*mapping.Row{contactRow(2, "Ada", "ada@x.org", ""), contactRow(3, "Bob", "bob@x.org", "")}
			rows[0].Key, rows[1].Key = "K-ada", "K-bob"
			o := e.opts("tail", kommo.EntityContacts, ModeCreate)
			ct, _, err := e.c.Contacts.Create(ctx, []kommo.ContactRequest{*rows[0].Contact})
			if err != nil {
				t.Fatal(err)
			}
			tail := tt.tail
			if strings.Contains(tail, "%d") {
				tail = fmt.Sprintf(tail, ct[0].ID)
			}
			journal := fmt.Sprintf(`{"op":"start","job":{"id":"tail","entity":"contacts","mode":"create","started":1}}
{"op":"sent","e":"contacts","a":"create","rows":[2],"at":%d}
{"op":"ack","e":"contacts","a":"create","ids":{"2":%d}}
%s`, time.Now().Unix(), ct[0].ID, tail)
			if err := os.WriteFile(o.Journal, []byte(journal), 0o600); err != nil {
				t.Fatal(err)
			}
			o.Resume = true
			for run := 1; run <= 2; run++ {
				res, err := Import(ctx, e.c, items(rows...), o)
				if err != nil {
					t.Fatalf("resume %d: %v", run, err)
				}
				if res.Created != 2 || res.Updated != 0 || res.Skipped != 0 {
					t.Errorf("resume %d: %d created, %d updated, %d skipped; want 2, 0, 0", run, res.Created, res.Updated, res.Skipped)
				}
			}
			if tt.name != "glued" { // the glued line stays; readers cope with it
				checkJournalLines(t, o.Journal)
			}
			if n := len(e.emu.Snapshot().Contacts); n != 2 {
				t.Errorf("%d contacts, want 2", n)
			}
			keys, err := KeysFromJournal(o.Journal)
			if err != nil {
				t.Fatal(err)
			}
			if len(keys[kommo.EntityContacts]) != 2 || keys[kommo.EntityContacts]["K-ada"] != ct[0].ID {
				t.Errorf("KeysFromJournal = %v", keys)
			}
			if _, ended, err := JobStatus(o.Journal); err != nil || !ended {
				t.Errorf("JobStatus = ended %v, %v", ended, err)
			}
			if u, err := Undo(ctx, e.c, o.Journal); err != nil || len(u.Created[kommo.EntityContacts]) != 2 {
				t.Errorf("Undo = %+v, %v", u, err)
			}
		})
	}
}

// TestResumeCountsWhatTheJournalWrote resumes an upsert a kill stopped
// after Kommo had created rows 2 and 3 (row 2's answer journaled, row
// 3's lost) and updated row 5's existing record: the rows are counted as
// what the stopped run did to them, not as updates of what it left.
func TestResumeCountsWhatTheJournalWrote(t *testing.T) {
	e := newTestEnv(t)
	ctx := t.Context()
	eve, _, err := e.c.Contacts.Create(ctx, []kommo.ContactRequest{{Name: "Eve Old", CustomFieldsValues: kommo.CustomFieldValues{
		{FieldCode: "EMAIL", Values: []kommo.FieldValue{kommo.Multitext("eve@x.org", "WORK")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	rows := []*mapping.Row{contactRow(2, "Ada", "ada@x.org", ""), contactRow(3, "Bob", "bob@x.org", ""),
		contactRow(4, "Cy", "cy@x.org", ""), contactRow(5, "Eve", "eve@x.org", "")}
	// What the stopped run did in the account.
	ct, _, err := e.c.Contacts.Create(ctx, []kommo.ContactRequest{*rows[0].Contact, *rows[1].Contact})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.c.Contacts.Update(ctx, []kommo.ContactRequest{{ID: eve[0].ID, Name: "Eve"}}); err != nil {
		t.Fatal(err)
	}
	o := e.opts("counts", kommo.EntityContacts, ModeUpsert)
	now := time.Now().Unix()
	journal := fmt.Sprintf(`{"op":"start","job":{"id":"counts","entity":"contacts","mode":"upsert","started":1}}
{"op":"sent","e":"contacts","a":"create","rows":[2,3],"at":%d}
{"op":"ack","e":"contacts","a":"create","ids":{"2":%d}}
{"op":"prev","e":"contacts","row":5,"id":%d,"prev":{"id":%d,"name":"Eve Old"}}
{"op":"sent","e":"contacts","a":"update","rows":[5],"at":%d}
{"op":"ack","e":"contacts","a":"update","ids":{"5":%d}}
`, now, ct[0].ID, eve[0].ID, eve[0].ID, now, eve[0].ID)
	if err := os.WriteFile(o.Journal, []byte(journal), 0o600); err != nil {
		t.Fatal(err)
	}
	o.Resume = true
	res, err := Import(ctx, e.c, items(rows...), o)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]Action{2: ActionCreate, 3: ActionCreate, 4: ActionCreate, 5: ActionUpdate}
	if diff := cmp.Diff(want, actions(res)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	if res.Created != 3 || res.Updated != 1 || res.Skipped != 0 {
		t.Errorf("counts: %d created, %d updated, %d skipped; want 3, 1, 0", res.Created, res.Updated, res.Skipped)
	}
	if n := len(e.emu.Snapshot().Contacts); n != 4 {
		t.Errorf("%d contacts, want 4", n)
	}
	// What the journal says now is what a later resume reports.
	res, err = Import(ctx, e.c, items(rows...), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 3 || res.Updated != 1 || res.Resumed != 4 {
		t.Errorf("resume of the finished job: %d created, %d updated, %d resumed; want 3, 1, 4", res.Created, res.Updated, res.Resumed)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	e := newTestEnv(t)
	ctx := t.Context()
	pre, _, _ := e.c.Contacts.Create(ctx, []kommo.ContactRequest{{Name: "Ada", CustomFieldsValues: kommo.CustomFieldValues{
		{FieldCode: "EMAIL", Values: []kommo.FieldValue{kommo.Multitext("ada@x.org", "WORK")}}}}})
	before := e.emu.Stats().Writes
	o := e.opts("dry", kommo.EntityContacts, ModeUpsert)
	o.DryRun = true
	res, err := Import(ctx, e.c, items(contactRow(2, "Ada Lovelace", "ada@x.org", "Acme"), contactRow(3, "New", "new@x.org", "")), o)
	if err != nil {
		t.Fatal(err)
	}
	if w := e.emu.Stats().Writes; w != before {
		t.Errorf("dry run wrote %d times", w-before)
	}
	if _, err := os.Stat(o.Journal); !os.IsNotExist(err) {
		t.Errorf("dry run left a journal: %v", err)
	}
	if diff := cmp.Diff(map[int]Action{2: ActionUpdate, 3: ActionCreate}, actions(res)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	want := []FieldChange{{Entity: kommo.EntityContacts, Field: "name", Old: "Ada", New: "Ada Lovelace"}}
	if diff := cmp.Diff(want, res.Rows[2].Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if res.Rows[2].IDs[kommo.EntityContacts] != pre[0].ID {
		t.Errorf("dry run match = %v", res.Rows[2].IDs)
	}
}

func TestUndoRestoresAndTags(t *testing.T) {
	e := newTestEnv(t)
	ctx := t.Context()
	pre, _, _ := e.c.Contacts.Create(ctx, []kommo.ContactRequest{{Name: "Ada", ResponsibleUserID: kt.SeedUserBoris, CustomFieldsValues: kommo.CustomFieldValues{
		{FieldCode: "EMAIL", Values: []kommo.FieldValue{kommo.Multitext("ada@x.org", "WORK")}},
		{FieldCode: "POSITION", Values: []kommo.FieldValue{kommo.Text("Analyst")}}}}})
	r := contactRow(2, "Ada Lovelace", "ada@x.org", "")
	r.Contact.ResponsibleUserID = kt.SeedUserChen
	r.Contact.CustomFieldsValues = append(r.Contact.CustomFieldsValues,
		kommo.CustomFieldValue{FieldCode: "POSITION", Values: []kommo.FieldValue{kommo.Text("Countess")}},
		kommo.CustomFieldValue{FieldID: kt.SeedContactScore, Values: []kommo.FieldValue{kommo.Number(5)}})
	o := e.opts("undo", kommo.EntityContacts, ModeUpsert)
	if _, err := Import(ctx, e.c, items(r, contactRow(3, "New", "new@x.org", "")), o); err != nil {
		t.Fatal(err)
	}
	u, err := Undo(ctx, e.c, o.Journal)
	if err != nil {
		t.Fatal(err)
	}
	if u.Restored != 1 || len(u.Created[kommo.EntityContacts]) != 1 {
		t.Errorf("undo = %+v", u)
	}
	ada, _, _ := e.c.Contacts.Get(ctx, pre[0].ID)
	if ada.Name != "Ada" || ada.ResponsibleUserID != kt.SeedUserBoris {
		t.Errorf("restored contact = %q, responsible %d", ada.Name, ada.ResponsibleUserID)
	}
	if pos, _ := ada.CustomFieldsValues.Field(0, "POSITION"); len(pos.Values) != 1 || pos.Values[0].String() != "Analyst" {
		t.Errorf("position = %+v", pos)
	}
	if _, ok := ada.CustomFieldsValues.Field(kt.SeedContactScore, ""); ok {
		t.Errorf("score not cleared: %+v", ada.CustomFieldsValues)
	}
	created, _, _ := e.c.Contacts.Get(ctx, u.Created[kommo.EntityContacts][0])
	if len(created.Embedded.Tags) != 1 || created.Embedded.Tags[0].Name != UndoTag("undo") {
		t.Errorf("created contact tags = %+v", created.Embedded.Tags)
	}
}

func TestImportLeadsWithContactCompanyAndTasks(t *testing.T) {
	e := newTestEnv(t)
	ctx := t.Context()
	row := func(line int, lead, contact, email, company, task string) *mapping.Row {
		r := contactRow(line, contact, email, company)
		r.Entity = kommo.EntityLeads
		r.Lead = &kommo.LeadRequest{Name: lead, StatusID: kt.SeedStatusSalesQualified, PipelineID: kt.SeedPipelineSales}
		if task != "" {
			r.Task = &kommo.TaskRequest{Text: task, CompleteTill: 1800000000}
		}
		return r
	}
	existingLead, _, _ := e.c.Leads.Create(ctx, []kommo.LeadRequest{{Name: "Old deal"}})
	upd := row(4, "Old deal renamed", "Cy", "cy@x.org", "Acme", "")
	upd.Match[kommo.EntityLeads] = mapping.MatchKey{Kind: mapping.MatchID, Values: []string{fmt.Sprint(existingLead[0].ID)}}
	res, err := Import(ctx, e.c, items(row(2, "Deal 1", "Ada", "ada@x.org", "Acme", "Call Ada"), row(3, "Deal 2", "Ada", "ada@x.org", "", "")),
		e.opts("leads", kommo.EntityLeads, ModeCreate))
	if err != nil {
		t.Fatal(err)
	}
	st := e.emu.Snapshot()
	if len(st.Leads) != 3 || len(st.Contacts) != 1 || len(st.Companies) != 1 || len(st.Tasks) != 1 {
		t.Fatalf("leads %d contacts %d companies %d tasks %d", len(st.Leads), len(st.Contacts), len(st.Companies), len(st.Tasks))
	}
	l1, _, _ := e.c.Leads.Get(ctx, res.Rows[2].IDs[kommo.EntityLeads], "contacts")
	if len(l1.Embedded.Contacts) != 1 || l1.Embedded.Contacts[0].ID != res.Rows[2].IDs[kommo.EntityContacts] ||
		len(l1.Embedded.Companies) != 1 || l1.StatusID != kt.SeedStatusSalesQualified {
		t.Errorf("lead 1 = %+v", l1)
	}
	l2, _, _ := e.c.Leads.Get(ctx, res.Rows[3].IDs[kommo.EntityLeads], "contacts")
	if len(l2.Embedded.Contacts) != 1 || l2.Embedded.Contacts[0].ID != l1.Embedded.Contacts[0].ID {
		t.Errorf("lead 2 contacts = %+v (the same Ada)", l2.Embedded.Contacts)
	}
	task := st.Tasks[0]
	if task.EntityType != "leads" || task.EntityID != l1.ID {
		t.Errorf("task attached to %s %d, want lead %d", task.EntityType, task.EntityID, l1.ID)
	}

	res, err = Import(ctx, e.c, items(upd), e.opts("leads-update", kommo.EntityLeads, ModeUpdate))
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows[4].Action != ActionUpdate {
		t.Fatalf("row 4 = %+v", res.Rows[4])
	}
	ol, _, _ := e.c.Leads.Get(ctx, existingLead[0].ID, "contacts")
	if ol.Name != "Old deal renamed" || len(ol.Embedded.Contacts) != 1 || len(ol.Embedded.Companies) != 1 {
		t.Errorf("updated lead = %+v (linked to its contact and company)", ol)
	}
}

func TestResultName(t *testing.T) {
	for in, want := range map[string]string{
		"contacts.csv": "contacts.success.csv", "dir.v2/leads.xlsx": "dir.v2/leads.success.xlsx", "noext": "noext.success", "dir.x/noext": "dir.x/noext.success",
	} {
		if got := ResultName(in, "success"); got != want {
			t.Errorf("ResultName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestImportRefsAcrossFiles(t *testing.T) {
	e := newTestEnv(t)
	ctx := t.Context()
	company := func(line int, key, name string) *mapping.Row {
		return &mapping.Row{Line: line, Key: key, Entity: kommo.EntityCompanies, Company: &kommo.CompanyRequest{Name: name}}
	}
	co := e.opts("companies", kommo.EntityCompanies, ModeCreate)
	if _, err := Import(ctx, e.c, items(company(2, "C-1", "Acme"), company(3, "C-2", "Globex")), co); err != nil {
		t.Fatal(err)
	}
	keys, err := KeysFromJournal(co.Journal)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys[kommo.EntityCompanies]) != 2 {
		t.Fatalf("keys = %v", keys)
	}
	withRef := func(line int, name, ref string) *mapping.Row {
		r := contactRow(line, name, "", "")
		r.Refs = map[kommo.EntityType]string{kommo.EntityCompanies: ref}
		return r
	}
	o := e.opts("contacts", kommo.EntityContacts, ModeCreate)
	o.Refs = func(ent kommo.EntityType, key string) (int, bool) {
		id, ok := keys[ent][key]
		return id, ok
	}
	// Bob's company is in no file given: he lands without the link, with
	// a warning. Cy's is too, but his spec marks the reference required.
	bob := withRef(3, "Bob", "C-9")
	bob.Columns = map[string]string{"companies:ref": "Company ID"}
	cy := withRef(4, "Cy", "C-9")
	cy.Columns, cy.RequiredRefs = bob.Columns, []kommo.EntityType{kommo.EntityCompanies}
	res, err := Import(ctx, e.c, items(withRef(2, "Ada", "C-2"), bob, cy), o)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[int]Action{2: ActionCreate, 3: ActionCreate, 4: ActionError}, actions(res)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	if rr := res.Rows[4]; rr.Column != "Company ID" || !strings.Contains(rr.Err.Error(), `"C-9"`) || !strings.Contains(rr.Err.Error(), "required") {
		t.Errorf("required unresolved ref: column %q, error %v", rr.Column, rr.Err)
	}
	ws := res.Rows[3].Warnings
	if len(ws) != 1 || ws[0].Code != mapping.WarnRefNotFound || ws[0].Column != "Company ID" || ws[0].Value != "C-9" || ws[0].Row != 3 {
		t.Errorf("bob's warnings = %v", ws)
	}
	if res.Warned != 1 || len(res.Warnings) != 1 || res.Landed() != 2 || res.Failed != 1 {
		t.Errorf("result: warned %d, causes %v, landed %d, failed %d; want 1, 1, 2, 1", res.Warned, res.Warnings.Causes(), res.Landed(), res.Failed)
	}
	ada, _, _ := e.c.Contacts.Get(ctx, res.Rows[2].IDs[kommo.EntityContacts])
	if len(ada.Embedded.Companies) != 1 || ada.Embedded.Companies[0].ID != keys[kommo.EntityCompanies]["C-2"] {
		t.Errorf("ada's companies = %+v, want Globex", ada.Embedded.Companies)
	}
	bobK, _, _ := e.c.Contacts.Get(ctx, res.Rows[3].IDs[kommo.EntityContacts])
	if bobK == nil || bobK.Name != "Bob" || len(bobK.Embedded.Companies) != 0 {
		t.Errorf("bob = %+v, want him without a company", bobK)
	}
	if n := len(e.emu.Snapshot().Companies); n != 2 {
		t.Errorf("%d companies, want 2", n)
	}
	// The journal keeps what the row landed without: a resume of the
	// finished job gives the warning back.
	o.Resume = true
	again, err := Import(ctx, e.c, items(withRef(2, "Ada", "C-2"), bob, cy), o)
	if err != nil {
		t.Fatal(err)
	}
	if ws := again.Rows[3].Warnings; again.Resumed != 3 || len(ws) != 1 || ws[0].Code != mapping.WarnRefNotFound || again.Warned != 1 {
		t.Errorf("resumed: %d resumed, row 3 warnings %v, warned %d", again.Resumed, ws, again.Warned)
	}
}

func TestOnRowStreamsInInputOrder(t *testing.T) {
	e := newTestEnv(t)
	e.emu.SetLatency(time.Millisecond)
	seq := func(yield func(Item) bool) {
		for i := range 60 {
			line := i + 2
			if i%7 == 3 {
				if !yield(Item{Line: line, Errs: []*sheet.RowError{{Row: line, Column: "Email", Err: errors.New("bad")}}, Values: []string{"bad"}}) {
					return
				}
				continue
			}
			r := contactRow(line, fmt.Sprintf("P%d", i), fmt.Sprintf("p%d@x.org", i), fmt.Sprintf("Co %d", i%4))
			if !yield(Item{Row: r, Values: []string{r.Contact.Name}}) {
				return
			}
		}
	}
	o := e.opts("stream", kommo.EntityContacts, ModeCreate)
	o.BatchSize, o.Workers = 5, 4
	var got []RowResult
	o.OnRow = func(rr RowResult) { got = append(got, rr) }
	res, err := Import(t.Context(), e.c, seq, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 0 {
		t.Errorf("Result kept %d rows with OnRow set", len(res.Rows))
	}
	if len(got) != 60 {
		t.Fatalf("OnRow got %d rows, want 60", len(got))
	}
	for i, rr := range got {
		if rr.Line != i+2 {
			t.Fatalf("row %d came as line %d: not in input order", i, rr.Line)
		}
		if len(rr.Values) != 1 {
			t.Errorf("line %d lost its values", rr.Line)
		}
	}
	if res.Created+res.Failed != 60 || res.Failed != 9 {
		t.Errorf("counts: created %d failed %d", res.Created, res.Failed)
	}
}

// TestImportBacksOffWhenTheBudgetIsShared runs an import while another
// integration spends part of the account's budget: the emulator answers
// 429s, the client's adaptive rate slows the job down, and every row still lands once.
// It runs in real time (about two seconds).
func TestImportBacksOffWhenTheBudgetIsShared(t *testing.T) {
	emu, err := kt.NewServer(kt.Options{Tokens: []string{importToken}, Rate: 40, Burst: 4})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	defer srv.Close()
	limiter := rate.NewLimiter(40, 1)
	c, err := kommo.NewClient(srv.URL, kommo.WithToken(importToken), kommo.WithLimiter(limiter), kommo.WithHTTPClient(srv.Client()),
		kommo.WithAdaptiveRate(kommo.AdaptiveRate{Max: 40, Recover: 5}),
		kommo.WithRetry(kommo.RetryPolicy{MaxRetries: 20, MinWait: 20 * time.Millisecond, MaxWait: 200 * time.Millisecond, RateLimitWait: 50 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	// The other integration: 25 requests/s for as long as the job runs.
	other, _ := kommo.NewClient(srv.URL, kommo.WithToken(importToken), kommo.WithRateLimit(25, 1), kommo.WithRetry(kommo.RetryPolicy{}))
	ctx, stop := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			other.Account.Get(ctx)
		}
	}()
	var rows []*mapping.Row
	for i := range 60 {
		rows = append(rows, contactRow(i+2, fmt.Sprintf("P%d", i), "", ""))
	}
	o := ImportOptions{Job: JobHeader{ID: "shared", Entity: kommo.EntityContacts, Mode: ModeCreate}, BatchSize: 1, Workers: 2}
	res, err := Import(t.Context(), c, items(rows...), o)
	stop()
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 60 || len(emu.Snapshot().Contacts) != 60 {
		t.Fatalf("created %d, %d contacts; want 60", res.Created, len(emu.Snapshot().Contacts))
	}
	if c.Pacing().Throttled == 0 {
		t.Error("the shared budget never answered 429: the test proved nothing")
	}
	if low := c.Pacing().Lowest; low == 0 || low >= 40 {
		t.Errorf("the adaptive rate never slowed the job (lowest rate %v)", low)
	}
}

// TestImportUpsertScanConcurrent upserts with a scan lookup and 8 workers:
// the workers read the scan indexes while others add the records they
// create to them. Under -race (make test) it catches unguarded access to
// the indexes: 9 runs in 10 of the unguarded code failed with 400 rows
// (1 in 3 with 200); TestFinderScanConcurrent catches it every time.
func TestImportUpsertScanConcurrent(t *testing.T) {
	const n, old, fresh = 400, 80, 160 // rows, matching the account, new; the rest repeat the new
	e := newTestEnv(t)
	ctx := t.Context()
	var pre []kommo.ContactRequest
	for i := range old {
		pre = append(pre, kommo.ContactRequest{Name: fmt.Sprintf("Old %d", i), CustomFieldsValues: kommo.CustomFieldValues{
			{FieldCode: "EMAIL", Values: []kommo.FieldValue{kommo.Multitext(fmt.Sprintf("p%d@x.org", i), "WORK")}}}})
	}
	existing, _, err := e.c.Contacts.Create(ctx, pre)
	if err != nil {
		t.Fatal(err)
	}
	// Rows [0, old) match the account, [old, old+fresh) are new and the
	// rest repeat the e-mails of those (in other batches). Every two rows
	// name a company, looked up by its own scan.
	var rows []*mapping.Row
	for i := range n {
		k := i
		if i >= old+fresh {
			k = i - fresh
		}
		rows = append(rows, contactRow(i+2, fmt.Sprintf("P%d", i), fmt.Sprintf("P%d@x.org", k), fmt.Sprintf("Co %d", i/2)))
	}
	// A little latency keeps the 8 batches in flight together.
	e.emu.SetLatency(time.Millisecond)
	o := e.opts("upsert-scan", kommo.EntityContacts, ModeUpsert)
	o.Lookup, o.Workers, o.BatchSize = LookupScan, 8, 4
	res, err := Import(ctx, e.c, items(rows...), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 0 || res.Created != fresh || res.Updated != n-fresh {
		t.Errorf("created %d, updated %d, failed %d; want %d, %d, 0", res.Created, res.Updated, res.Failed, fresh, n-fresh)
	}
	for i := range old {
		if got := res.Rows[i+2].IDs[kommo.EntityContacts]; got != existing[i].ID {
			t.Errorf("row %d: contact %d, want the existing %d", i+2, got, existing[i].ID)
		}
	}
	for i := old + fresh; i < n; i++ {
		if got, want := res.Rows[i+2].IDs[kommo.EntityContacts], res.Rows[i-fresh+2].IDs[kommo.EntityContacts]; got != want {
			t.Errorf("row %d: contact %d, want %d (row %d's)", i+2, got, want, i-fresh+2)
		}
	}
	st := e.emu.Snapshot()
	if len(st.Contacts) != old+fresh || len(st.Companies) != n/2 {
		t.Errorf("%d contacts, %d companies in the account; want %d and %d", len(st.Contacts), len(st.Companies), old+fresh, n/2)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
