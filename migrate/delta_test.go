package migrate

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

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
