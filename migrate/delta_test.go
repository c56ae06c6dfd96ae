package migrate

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

const borisToken = "boris-token"

// clockEnv is a testEnv whose emulator's clock the test moves, with a
// client of a second user (Boris) who edits records between runs.
type clockEnv struct {
	*testEnv
	boris *kommo.Client
	now   atomic.Int64
}

func newClockEnv(t testing.TB) *clockEnv {
	t.Helper()
	ce := &clockEnv{}
	ce.now.Store(time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC).Unix())
	emu, err := kt.NewServer(kt.Options{Tokens: []string{testToken}, NonAdminTokens: []string{borisToken}, Rate: rate.Inf,
		Now: func() time.Time { return time.Unix(ce.now.Load(), 0) }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(func() { srv.Close(); emu.Close() })
	client := func(tok string) *kommo.Client {
		c, err := kommo.NewClient(srv.URL, kommo.WithToken(tok), kommo.WithRateLimit(rate.Inf, 1),
			kommo.WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ce.testEnv = &testEnv{emu: emu, c: client(testToken), dir: t.TempDir()}
	ce.boris = client(borisToken)
	return ce
}

func (ce *clockEnv) tick(d time.Duration) { ce.now.Add(int64(d / time.Second)) }

// deltaSpecs are the specs of a small source of four files.
var deltaSpecs = map[string]string{
	"companies.csv": `entity: companies
key: ID
match: field:External ID
columns:
  - {column: ID, field: External ID}
  - {column: Name, field: name}
`,
	"contacts.csv": `entity: contacts
key: ID
match: field:External ID
columns:
  - {column: ID, field: External ID}
  - {column: Name, field: name}
  - {column: Email, field: EMAIL}
refs:
  - {column: Company ID, entity: companies}
`,
	"deals.csv": `entity: leads
key: ID
match: field:External ID
columns:
  - {column: ID, field: External ID}
  - {column: Deal, field: name}
  - {column: Amount, field: price}
refs:
  - {column: Contact IDs, entity: contacts}
  - {column: Company ID, entity: companies}
`,
	"tasks.csv": `entity: tasks
key: ID
options: {date_layouts: ["yyyy-mm-dd"], time_zone: UTC}
columns:
  - {column: Task, field: text}
  - {column: Due, field: complete_till}
refs:
  - {column: Deal ID, entity: leads}
`,
}

// deltaSource is the source's text per file.
type deltaSource map[string][]string

func baseSource() deltaSource {
	return deltaSource{
		"companies.csv": {"ID,Name", "c1,Acme", "c2,Globex", "c3,Initech"},
		"contacts.csv": {"ID,Name,Email,Company ID", "p1,Ada,ada@acme.io,c1", "p2,Bob,bob@globex.io,c2",
			"p3,Cy,cy@initech.io,c3", "p4,Dee,dee@acme.io,c1"},
		"deals.csv": {"ID,Deal,Amount,Contact IDs,Company ID", "d1,Big deal,1000,p1,c1", "d2,Small deal,200,p2,c2",
			"d3,Renewal,300,p3;p4,c3", "d4,Upsell,400,p4,c1"},
		"tasks.csv": {"ID,Task,Due,Deal ID", "t1,Call Ada,2026-12-10,d1", "t2,Send quote,2026-12-11,d2"},
	}
}

func (s deltaSource) clone() deltaSource {
	out := deltaSource{}
	for k, v := range s {
		out[k] = append([]string(nil), v...)
	}
	return out
}

func (s deltaSource) files(t *testing.T, dir string) []File {
	t.Helper()
	var out []File
	for _, name := range []string{"companies.csv", "contacts.csv", "deals.csv", "tasks.csv"} {
		f := csvFile(t, name, deltaSpecs[name], strings.Join(s[name], "\n")+"\n")
		f.Journal = filepath.Join(dir, strings.TrimSuffix(name, ".csv")+".journal")
		out = append(out, f)
	}
	return out
}

// requests are the requests a Stats delta counts per endpoint.
func requests(before, after kt.Stats) map[string]int {
	out := map[string]int{}
	for k, n := range after.ByEndpoint {
		if d := n - before.ByEndpoint[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

func sortedKeys(m map[string]int) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(out)
	return out
}

// contactID is the id of the contact named name.
func contactID(t *testing.T, emu *kt.Server, name string) int {
	t.Helper()
	for _, c := range emu.Snapshot().Contacts {
		if c.Name == name {
			return c.ID
		}
	}
	t.Fatalf("no contact %q", name)
	return 0
}

// A plain re-run (no delta state, fresh journals, as the CLI's default job
// id gives) upserts every row again: it reads the whole account, re-sends
// links, and puts back a name a salesperson changed since. This is what
// Options.Delta is for.
func TestMigrateAgainWithoutDeltaOverwrites(t *testing.T) {
	ce := newClockEnv(t)
	src := baseSource()
	if _, err := Run(t.Context(), ce.c, src.files(t, ce.dir), Options{CreateFields: true}); err != nil {
		t.Fatal(err)
	}
	ce.tick(time.Hour)
	ada := contactID(t, ce.emu, "Ada")
	if _, _, err := ce.boris.Contacts.Update(t.Context(), []kommo.ContactRequest{{ID: ada, Name: "Ada Lovelace"}}); err != nil {
		t.Fatal(err)
	}
	ce.tick(time.Hour)
	before := ce.emu.Stats()
	if _, err := Run(t.Context(), ce.c, src.files(t, t.TempDir()), Options{CreateFields: true}); err != nil {
		t.Fatal(err)
	}
	reqs := requests(before, ce.emu.Stats())
	t.Logf("requests: %v", sortedKeys(reqs))
	if reqs["PATCH /api/v4/contacts"] != 1 || reqs["POST /api/v4/leads/link"] == 0 {
		t.Errorf("requests %v: want Ada's contact patched and the deals' links sent again", sortedKeys(reqs))
	}
	for _, c := range ce.emu.Snapshot().Contacts {
		if c.ID == ada && c.Name != "Ada" {
			t.Errorf("Ada is %q: a plain re-run no longer overwrites (update this test and the README)", c.Name)
		}
	}
}

// set replaces the row of key in file with row.
func (s deltaSource) set(file, key, row string) {
	for i, r := range s[file] {
		if strings.HasPrefix(r, key+",") {
			s[file][i] = row
			return
		}
	}
	s[file] = append(s[file], row)
}

// drop removes the row of key from file.
func (s deltaSource) drop(file, key string) {
	for i, r := range s[file] {
		if strings.HasPrefix(r, key+",") {
			s[file] = append(s[file][:i], s[file][i+1:]...)
			return
		}
	}
}

// runDelta runs a delta migration of src with journals in a new directory
// (a new job, as the CLI's default job id gives) and returns its report
// and the requests it made by endpoint.
func (ce *clockEnv) runDelta(t *testing.T, src deltaSource, o Options) (*Report, map[string]int) {
	t.Helper()
	before := ce.emu.Stats()
	o.CreateFields = true
	o.Now = func() time.Time { return time.Unix(ce.now.Load(), 0) }
	if o.Delta == nil {
		o.Delta = &DeltaOptions{Dir: ce.dir}
	}
	rep, err := Run(t.Context(), ce.c, src.files(t, t.TempDir()), o)
	if err != nil {
		t.Fatal(err)
	}
	return rep, requests(before, ce.emu.Stats())
}

// writes are the write requests of reqs.
func writes(reqs map[string]int) []string {
	var out []string
	for _, k := range sortedKeys(reqs) {
		if !strings.HasPrefix(k, "GET ") {
			out = append(out, k)
		}
	}
	return out
}

// schemaReads are the requests every migration makes to read the
// account's schema.
var schemaReads = []string{"GET /api/v4/account=1", "GET /api/v4/companies/custom_fields=1", "GET /api/v4/contacts/custom_fields=1",
	"GET /api/v4/leads/custom_fields=1", "GET /api/v4/leads/pipelines=1", "GET /api/v4/users=1"}

// A consultant migrates four files; Boris works in Kommo for a while; the
// source changes some rows, two of them on fields Boris changed too. The
// delta re-run writes exactly the changed rows (and the new one), reports
// both overlaps as conflicts and overwrites neither; links of the changed
// rows follow the source; a run of the unchanged source then writes
// nothing and reads only the schema; a dry run changes nothing.
func TestMigrateDeltaKeepsSalesEdits(t *testing.T) {
	ce := newClockEnv(t)
	ctx := t.Context()
	src := baseSource()
	first, _ := ce.runDelta(t, src, Options{})
	for _, f := range first.Files {
		if f.Delta == nil || !f.Delta.First || f.Delta.Sent != f.Rows || f.Delta.Unchanged != 0 {
			t.Errorf("first run, %s: %+v", f.File, f.Delta)
		}
	}
	ce.tick(time.Hour)
	st := ce.emu.Snapshot()
	lead := map[string]int{}
	for _, l := range st.Leads {
		lead[l.Name] = l.ID
	}
	company := map[string]int{}
	for _, c := range st.Companies {
		company[c.Name] = c.ID
	}
	ada := contactID(t, ce.emu, "Ada")
	// Boris renames Ada and Globex and reprices the small deal.
	if _, _, err := ce.boris.Contacts.Update(ctx, []kommo.ContactRequest{{ID: ada, Name: "Ada Lovelace"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ce.boris.Companies.Update(ctx, []kommo.CompanyRequest{{ID: company["Globex"], Name: "Globex Corp"}}); err != nil {
		t.Fatal(err)
	}
	price := 250.0
	if _, _, err := ce.boris.Leads.Update(ctx, []kommo.LeadRequest{{ID: lead["Small deal"], Price: &price}}); err != nil {
		t.Fatal(err)
	}
	// ... and takes Dee off the renewal.
	if _, err := ce.boris.Links.UnlinkMany(ctx, kommo.EntityLeads, []kommo.EntityLink{{EntityID: lead["Renewal"], ToEntityID: contactID(t, ce.emu, "Dee"), ToEntityType: kommo.EntityContacts}}); err != nil {
		t.Fatal(err)
	}
	ce.tick(time.Hour)
	// The source renames Ada (overlap), reprices the small deal (overlap),
	// renames the renewal, moves Dee to Initech, adds Eve and loses task t2.
	src.set("contacts.csv", "p1", "p1,Ada King,ada@acme.io,c1")
	src.set("contacts.csv", "p4", "p4,Dee,dee@acme.io,c3")
	src.set("contacts.csv", "p5", "p5,Eve,eve@globex.io,c2")
	src.set("deals.csv", "d2", "d2,Small deal,220,p2,c2")
	src.set("deals.csv", "d3", "d3,Renewal 2027,300,p3;p4,c3")
	src.drop("tasks.csv", "t2")

	// A dry run first: it reports the same, and changes nothing.
	dryBefore := ce.emu.Stats().Writes
	dry, _ := ce.runDelta(t, src, Options{DryRun: true})
	if w := ce.emu.Stats().Writes - dryBefore; w != 0 || len(dry.Conflicts) != 2 {
		t.Errorf("dry run: %d writes, %d conflicts; want 0 and 2", w, len(dry.Conflicts))
	}

	rep, reqs := ce.runDelta(t, src, Options{})
	t.Logf("second run: %v", sortedKeys(reqs))
	got := map[string]FileDelta{}
	for _, f := range rep.Files {
		got[f.File] = *f.Delta
		got[f.File] = FileDelta{Unchanged: f.Delta.Unchanged, Sent: f.Delta.Sent, Conflicts: f.Delta.Conflicts, Gone: f.Delta.Gone}
		if f.Landed != f.Rows || f.Failed != 0 {
			t.Errorf("%s: %d of %d rows landed, %d failed", f.File, f.Landed, f.Rows, f.Failed)
		}
	}
	want := map[string]FileDelta{
		"companies.csv": {Unchanged: 3},
		"contacts.csv":  {Unchanged: 2, Sent: 3, Conflicts: 1},
		"deals.csv":     {Unchanged: 2, Sent: 2, Conflicts: 1},
		"tasks.csv":     {Unchanged: 1, Gone: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("per file (-want +got):\n%s", diff)
	}
	// Contacts: Eve created and linked, Dee moved (unlinked from Acme,
	// linked to Initech), Ada's rename a conflict: nothing written. Deals:
	// the renewal renamed; the changed deals' links are as they were in
	// the source, so none is sent (Dee stays off the renewal).
	wantWrites := []string{"PATCH /api/v4/leads=1", "POST /api/v4/contacts/link=2", "POST /api/v4/contacts/unlink=1", "POST /api/v4/contacts=1"}
	if diff := cmp.Diff(wantWrites, writes(reqs)); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
	var conflicts []string
	for _, c := range rep.Conflicts {
		conflicts = append(conflicts, fmt.Sprintf("%s %s %d %s: source %q, kommo %q, by %s at %s, %s", c.File, c.Key, c.ID, c.Field, c.Source, c.Kommo,
			c.ByName, time.Unix(c.At, 0).UTC().Format("15:04"), c.Resolution))
	}
	wantConflicts := []string{
		fmt.Sprintf(`contacts.csv p1 %d name: source "Ada King", kommo "Ada Lovelace", by Boris Manager at 15:00, keep-kommo`, ada),
		fmt.Sprintf(`deals.csv d2 %d price: source "220", kommo "250", by Boris Manager at 15:00, keep-kommo`, lead["Small deal"]),
	}
	if diff := cmp.Diff(wantConflicts, conflicts); diff != "" {
		t.Errorf("conflicts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]GoneRow{{File: "tasks.csv", Entity: kommo.EntityTasks, Key: "t2", ID: goneTaskID(t, ce.emu)}}, rep.Gone); diff != "" {
		t.Errorf("gone (-want +got):\n%s", diff)
	}
	// Kommo: Boris's edits stand, the source's other changes landed.
	st = ce.emu.Snapshot()
	wantAccount := []string{
		"company Acme → Ada Lovelace",
		"company Globex Corp → Bob, Eve",
		"company Initech → Cy, Dee",
		"contact Ada Lovelace → Acme",
		"contact Bob → Globex Corp",
		"contact Cy → Initech",
		"contact Dee → Initech",
		"contact Eve → Globex Corp",
		"lead Big deal 1000 → Acme, Ada Lovelace",
		"lead Renewal 2027 300 → Cy, Initech",
		"lead Small deal 250 → Bob, Globex Corp",
		"lead Upsell 400 → Acme, Dee",
	}
	if diff := cmp.Diff(wantAccount, deltaAccount(st)); diff != "" {
		t.Errorf("account (-want +got):\n%s", diff)
	}

	// Unchanged source: nothing written, only the schema read.
	ce.tick(time.Hour)
	rep, reqs = ce.runDelta(t, src, Options{})
	if diff := cmp.Diff(schemaReads, sortedKeys(reqs)); diff != "" {
		t.Errorf("unchanged run's requests (-want +got):\n%s", diff)
	}
	for _, f := range rep.Files {
		if f.Delta.Sent != 0 || f.Delta.Unchanged != f.Rows || f.Landed != f.Rows {
			t.Errorf("unchanged run, %s: %+v, %d of %d landed", f.File, f.Delta, f.Landed, f.Rows)
		}
	}
	if len(rep.Conflicts) != 0 {
		t.Errorf("unchanged run: conflicts %v", rep.Conflicts)
	}
}

// goneTaskID is the id of task "Send quote".
func goneTaskID(t *testing.T, emu *kt.Server) int {
	for _, tk := range emu.Snapshot().Tasks {
		if tk.Text == "Send quote" {
			return tk.ID
		}
	}
	t.Fatal("no task Send quote")
	return 0
}

// deltaAccount are the account's companies, contacts and leads, one line
// each with their links by name: "lead Big deal 1000 → Ada, Acme".
func deltaAccount(st kt.State) []string {
	names := map[string]string{}
	for _, c := range st.Companies {
		names[fmt.Sprintf("companies/%d", c.ID)] = c.Name
	}
	for _, c := range st.Contacts {
		names[fmt.Sprintf("contacts/%d", c.ID)] = c.Name
	}
	for _, l := range st.Leads {
		names[fmt.Sprintf("leads/%d", l.ID)] = l.Name
	}
	linked := map[string][]string{}
	for _, l := range st.Links {
		from, to := fmt.Sprintf("%s/%d", l.EntityType, l.EntityID), fmt.Sprintf("%s/%d", l.ToEntityType, l.ToEntityID)
		linked[from] = append(linked[from], names[to])
		if l.EntityType != "leads" {
			linked[to] = append(linked[to], names[from])
		}
	}
	line := func(head, key string) string {
		ls := linked[key]
		sort.Strings(ls)
		if len(ls) == 0 {
			return head
		}
		return head + " → " + strings.Join(ls, ", ")
	}
	var out []string
	for _, c := range st.Companies {
		out = append(out, line("company "+c.Name, fmt.Sprintf("companies/%d", c.ID)))
	}
	for _, c := range st.Contacts {
		out = append(out, line("contact "+c.Name, fmt.Sprintf("contacts/%d", c.ID)))
	}
	for _, l := range st.Leads {
		out = append(out, line(fmt.Sprintf("lead %s %g", l.Name, l.Price), fmt.Sprintf("leads/%d", l.ID)))
	}
	sort.Strings(out)
	return out
}

// Under take-source the source's value is written over the salesperson's,
// and still reported; a contact gone from the source is tagged once.
// A delta run refuses a sample and files without journals.
func TestMigrateDeltaPolicies(t *testing.T) {
	ce := newClockEnv(t)
	src := baseSource()
	ce.runDelta(t, src, Options{})
	ce.tick(time.Hour)
	ada := contactID(t, ce.emu, "Ada")
	bob := contactID(t, ce.emu, "Bob")
	if _, _, err := ce.boris.Contacts.Update(t.Context(), []kommo.ContactRequest{{ID: ada, Name: "Ada Lovelace"}}); err != nil {
		t.Fatal(err)
	}
	ce.tick(time.Hour)
	src.set("contacts.csv", "p1", "p1,Ada King,ada@acme.io,c1")
	src.drop("contacts.csv", "p2")
	d := &DeltaOptions{Dir: ce.dir, Policy: bulk.TakeSource, Gone: bulk.GoneAction{Action: "tag"}}
	rep, _ := ce.runDelta(t, src, Options{Delta: d})
	if len(rep.Conflicts) != 1 || rep.Conflicts[0].Resolution != bulk.TakeSource || rep.Conflicts[0].ID != ada {
		t.Errorf("conflicts %+v", rep.Conflicts)
	}
	tagged := func() []string {
		var out []string
		for _, c := range ce.emu.Snapshot().Contacts {
			for _, tg := range c.Tags {
				out = append(out, fmt.Sprintf("%d %s", c.ID, tg.Name))
			}
		}
		return out
	}
	for _, c := range ce.emu.Snapshot().Contacts {
		if c.ID == ada && c.Name != "Ada King" {
			t.Errorf("take-source: Ada is %q", c.Name)
		}
	}
	if got, want := tagged(), []string{fmt.Sprintf("%d %s", bob, bulk.DefaultGoneTag)}; !slices.Equal(got, want) {
		t.Errorf("tags %v, want %v", got, want)
	}
	if len(rep.Gone) != 1 || rep.Gone[0].ID != bob {
		t.Errorf("gone %+v", rep.Gone)
	}
	// Again: Bob is listed, not tagged twice.
	writes := ce.emu.Stats().Writes
	rep, _ = ce.runDelta(t, src, Options{Delta: d})
	if len(rep.Gone) != 1 || ce.emu.Stats().Writes != writes {
		t.Errorf("third run: gone %+v, %d writes", rep.Gone, ce.emu.Stats().Writes-writes)
	}

	if _, err := Run(t.Context(), ce.c, src.files(t, t.TempDir()), Options{Sample: 1, Delta: d}); err == nil || !strings.Contains(err.Error(), "sample") {
		t.Errorf("sample and delta: %v", err)
	}
	files := src.files(t, t.TempDir())
	files[1].Journal = ""
	if _, err := Run(t.Context(), ce.c, files, Options{Delta: d}); err == nil || !strings.Contains(err.Error(), "journal") {
		t.Errorf("no journal: %v", err)
	}
}

// A contact the source moved to another company is moved in Kommo (linked
// to the new one, unlinked from the old); one that a salesperson moved
// too is a conflict (who, when) and stays where the salesperson put it
// under keep-kommo, and goes where the source says under take-source.
func TestMigrateDeltaCompanyMoves(t *testing.T) {
	for _, p := range []bulk.ConflictPolicy{bulk.KeepKommo, bulk.TakeSource} {
		t.Run(string(p), func(t *testing.T) {
			ce := newClockEnv(t)
			ctx := t.Context()
			src := baseSource()
			ce.runDelta(t, src, Options{})
			ce.tick(time.Hour)
			company := map[string]int{}
			for _, c := range ce.emu.Snapshot().Companies {
				company[c.Name] = c.ID
			}
			cy := contactID(t, ce.emu, "Cy")
			// Boris moves Cy from Initech to Globex.
			if _, err := ce.boris.Links.UnlinkMany(ctx, kommo.EntityContacts, []kommo.EntityLink{{EntityID: cy, ToEntityID: company["Initech"], ToEntityType: kommo.EntityCompanies}}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := ce.boris.Links.LinkMany(ctx, kommo.EntityContacts, []kommo.EntityLink{{EntityID: cy, ToEntityID: company["Globex"], ToEntityType: kommo.EntityCompanies}}); err != nil {
				t.Fatal(err)
			}
			ce.tick(time.Hour)
			// The source moves Cy to Acme, and Dee from Acme to Globex.
			src.set("contacts.csv", "p3", "p3,Cy,cy@initech.io,c1")
			src.set("contacts.csv", "p4", "p4,Dee,dee@acme.io,c2")
			rep, _ := ce.runDelta(t, src, Options{Delta: &DeltaOptions{Dir: ce.dir, Policy: p}})
			cyCompany := "Cy → Globex" // where Boris put Cy
			if p == bulk.TakeSource {
				cyCompany = "Cy → Acme"
			}
			var got []string
			for _, l := range deltaAccount(ce.emu.Snapshot()) {
				if strings.HasPrefix(l, "contact Cy") || strings.HasPrefix(l, "contact Dee") {
					got = append(got, l)
				}
			}
			want := []string{"contact " + cyCompany, "contact Dee → Globex"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("contacts (-want +got):\n%s", diff)
			}
			if len(rep.Conflicts) != 1 {
				t.Fatalf("conflicts %+v", rep.Conflicts)
			}
			c := rep.Conflicts[0]
			if c.Field != "company" || c.ID != cy || c.ByName != "Boris Manager" || c.At != time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC).Unix() ||
				c.Source != fmt.Sprintf("company %d", company["Acme"]) || c.Kommo != fmt.Sprintf("company %d", company["Globex"]) || c.Resolution != p {
				t.Errorf("conflict %+v", c)
			}
			for _, f := range rep.Files {
				if f.File == "contacts.csv" && (f.Delta.Sent != 2 || f.Delta.Conflicts != 1) {
					t.Errorf("contacts: %+v", f.Delta)
				}
			}
		})
	}
}

// TestMigrateDeltaDealLinks: a deal's company and contacts moved by the
// source are relinked by the delta run, checked against Kommo: a company
// someone changed in Kommo since the last run is a conflict decided by
// the policy (the import used to relink it silently), contacts the source
// dropped are unlinked (they used to stay), and a contact someone linked
// in Kommo stays.
func TestMigrateDeltaDealLinks(t *testing.T) {
	for _, p := range []bulk.ConflictPolicy{bulk.KeepKommo, bulk.TakeSource} {
		t.Run(string(p), func(t *testing.T) {
			ce := newClockEnv(t)
			ctx := t.Context()
			src := baseSource()
			ce.runDelta(t, src, Options{})
			ce.tick(time.Hour)
			snap := ce.emu.Snapshot()
			company, lead := map[string]int{}, map[string]int{}
			for _, c := range snap.Companies {
				company[c.Name] = c.ID
			}
			for _, l := range snap.Leads {
				lead[l.Name] = l.ID
			}
			// Boris moves Small deal from Globex to Initech, and adds Ada
			// to Renewal; he moves Bob to Initech too.
			small, renewal, bob := lead["Small deal"], lead["Renewal"], contactID(t, ce.emu, "Bob")
			if _, err := ce.boris.Links.UnlinkMany(ctx, kommo.EntityLeads, []kommo.EntityLink{{EntityID: small, ToEntityID: company["Globex"], ToEntityType: kommo.EntityCompanies}}); err != nil {
				t.Fatal(err)
			}
			if _, err := ce.boris.Links.UnlinkMany(ctx, kommo.EntityContacts, []kommo.EntityLink{{EntityID: bob, ToEntityID: company["Globex"], ToEntityType: kommo.EntityCompanies}}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := ce.boris.Links.LinkMany(ctx, kommo.EntityContacts, []kommo.EntityLink{{EntityID: bob, ToEntityID: company["Initech"], ToEntityType: kommo.EntityCompanies}}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := ce.boris.Links.LinkMany(ctx, kommo.EntityLeads, []kommo.EntityLink{
				{EntityID: small, ToEntityID: company["Initech"], ToEntityType: kommo.EntityCompanies},
				{EntityID: renewal, ToEntityID: contactID(t, ce.emu, "Ada"), ToEntityType: kommo.EntityContacts},
			}); err != nil {
				t.Fatal(err)
			}
			ce.tick(time.Hour)
			// The source moves Small deal to Acme, drops Cy from Renewal,
			// and moves Upsell to Initech with Ada instead of Dee; Bob gets
			// a new e-mail and Acme (an update and a move: the import used
			// to link him to Acme beside Boris's Initech).
			src.set("contacts.csv", "p2", "p2,Bob,bob@acme.io,c1")
			src.set("deals.csv", "d2", "d2,Small deal,200,p2,c1")
			src.set("deals.csv", "d3", "d3,Renewal,300,p4,c3")
			src.set("deals.csv", "d4", "d4,Upsell,400,p1,c3")
			// A dry run reads the links and reports the conflicts, writing
			// nothing.
			before := deltaAccount(ce.emu.Snapshot())
			dry, reqs := ce.runDelta(t, src, Options{DryRun: true, Delta: &DeltaOptions{Dir: ce.dir, Policy: p}})
			if len(dry.Conflicts) != 2 || !slices.Equal(before, deltaAccount(ce.emu.Snapshot())) {
				t.Errorf("dry run: conflicts %+v, account changed %v", dry.Conflicts, !slices.Equal(before, deltaAccount(ce.emu.Snapshot())))
			}
			for k := range reqs {
				if !strings.HasPrefix(k, "GET ") {
					t.Errorf("dry run sent %s", k)
				}
			}
			rep, _ := ce.runDelta(t, src, Options{Delta: &DeltaOptions{Dir: ce.dir, Policy: p}})
			small2, bob2 := "lead Small deal 200 → Bob, Initech", "contact Bob → Initech" // where Boris put them
			if p == bulk.TakeSource {
				small2, bob2 = "lead Small deal 200 → Acme, Bob", "contact Bob → Acme"
			}
			var got []string
			for _, l := range deltaAccount(ce.emu.Snapshot()) {
				if strings.HasPrefix(l, "lead ") || strings.HasPrefix(l, "contact Bob") {
					got = append(got, l)
				}
			}
			want := []string{bob2, "lead Big deal 1000 → Acme, Ada", "lead Renewal 300 → Ada, Dee, Initech", small2, "lead Upsell 400 → Ada, Initech"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("deals (-want +got):\n%s", diff)
			}
			if len(rep.Conflicts) != 2 || rep.Conflicts[0].ID != bob || rep.Conflicts[0].Entity != kommo.EntityContacts {
				t.Fatalf("conflicts %+v, want Bob's company and Small deal's", rep.Conflicts)
			}
			c := rep.Conflicts[1]
			if c.Entity != kommo.EntityLeads || c.Field != "company" || c.ID != small || c.ByName != "Boris Manager" ||
				c.Source != fmt.Sprintf("company %d", company["Acme"]) || c.Kommo != fmt.Sprintf("company %d", company["Initech"]) || c.Resolution != p {
				t.Errorf("conflict %+v", c)
			}
			for _, f := range rep.Files {
				if f.File == "deals.csv" && (f.Delta.Sent != 3 || f.Delta.Conflicts != 1) {
					t.Errorf("deals: %+v", f.Delta)
				}
			}
		})
	}
}
