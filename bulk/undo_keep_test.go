package bulk

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

const otherUserToken = "boris-token"

// clockEnv is a test account with a clock the test moves, the import's
// token (Ana Admin, the account's user) and another user's (Boris).
type clockEnv struct {
	*testEnv
	now   atomic.Int64
	boris *kommo.Client
}

func newClockEnv(t testing.TB, seed *kt.Seed) *clockEnv {
	t.Helper()
	ce := &clockEnv{}
	ce.now.Store(time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC).Unix())
	emu, err := kt.NewServer(kt.Options{Tokens: []string{importToken}, NonAdminTokens: []string{otherUserToken}, Rate: rate.Inf,
		Now: func() time.Time { return time.Unix(ce.now.Load(), 0) }, Seed: seed})
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
	ce.testEnv = &testEnv{emu: emu, c: client(importToken), dir: t.TempDir()}
	ce.boris = client(otherUserToken)
	return ce
}

func (ce *clockEnv) tick(d time.Duration) { ce.now.Add(int64(d / time.Second)) }

func budget(n float64) kommo.CustomFieldValues {
	return kommo.CustomFieldValues{{FieldID: kt.SeedLeadBudget, Values: []kommo.FieldValue{kommo.Number(n)}}}
}

func leadBudget(l *kommo.Lead) string {
	f, ok := l.CustomFieldsValues.Field(kt.SeedLeadBudget, "")
	if !ok || len(f.Values) == 0 {
		return ""
	}
	return f.Values[0].String()
}

// TestUndoKeepsHumanEdits: an import updates four leads; then another
// user (Boris) renames lead 1, changes lead 2's budget and tags lead 3.
// Undo restores everything else, keeps and lists exactly those two
// fields, reads the events of only the records that changed, and a
// second undo (and one resumed after a crash before its last journal
// line) writes nothing more and lists the same fields.
func TestUndoKeepsHumanEdits(t *testing.T) {
	ce := newClockEnv(t, nil)
	ctx := t.Context()
	var reqs []kommo.LeadRequest
	for i := range 4 {
		p := float64(100 * (i + 1))
		reqs = append(reqs, kommo.LeadRequest{Name: fmt.Sprintf("Deal %d", i+1), Price: &p, CustomFieldsValues: budget(float64(i + 1))})
	}
	pre, _, err := ce.c.Leads.Create(ctx, reqs)
	if err != nil {
		t.Fatal(err)
	}
	ce.tick(time.Minute)
	var rows []*mapping.Row
	for i, l := range pre {
		p := float64(999)
		rows = append(rows, &mapping.Row{Line: i + 2, Entity: kommo.EntityLeads,
			Lead:    &kommo.LeadRequest{Name: fmt.Sprintf("Imported %d", i+1), Price: &p, CustomFieldsValues: budget(50)},
			Match:   map[kommo.EntityType]mapping.MatchKey{kommo.EntityLeads: {Kind: mapping.MatchID, Values: []string{fmt.Sprint(l.ID)}}},
			Columns: map[string]string{"leads:name": "Name"}})
	}
	o := ce.opts("keep", kommo.EntityLeads, ModeUpdate)
	if _, err := Import(ctx, ce.c, items(rows...), o); err != nil {
		t.Fatal(err)
	}
	ce.tick(2 * time.Minute) // 14:03
	if _, _, err := ce.boris.Leads.Update(ctx, []kommo.LeadRequest{
		{ID: pre[0].ID, Name: "Boris's name"},
		{ID: pre[1].ID, CustomFieldsValues: budget(77)},
		{ID: pre[2].ID, TagsToAdd: []kommo.TagRef{{Name: "hot"}}},
	}); err != nil {
		t.Fatal(err)
	}
	ce.tick(time.Minute)

	before := ce.emu.Stats()
	u, err := Undo(ctx, ce.c, o.Journal)
	if err != nil {
		t.Fatal(err)
	}
	after := ce.emu.Stats()
	at := time.Date(2026, 12, 3, 14, 3, 0, 0, time.UTC).Unix()
	want := []string{
		fmt.Sprintf("lead %d name: kept: changed by Boris Manager at 2026-12-03 14:03 UTC", pre[0].ID),
		fmt.Sprintf("lead %d field %d: kept: changed by Boris Manager at 2026-12-03 14:03 UTC", pre[1].ID, kt.SeedLeadBudget),
	}
	var got []string
	for _, k := range u.Kept {
		got = append(got, k.String())
		if k.By != kt.SeedUserBoris || k.At != at {
			t.Errorf("kept %+v: want by %d at %d", k, kt.SeedUserBoris, at)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("kept:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if u.Restored != 4 {
		t.Errorf("restored %d records, want 4", u.Restored)
	}
	// One read of the four leads, one events page for the three Boris
	// touched, one users list for his name, one restore.
	ep := func(s kt.Stats, k string) int { return s.ByEndpoint[k] }
	for k, n := range map[string]int{"GET /api/v4/leads": 1, "GET /api/v4/events": 1, "GET /api/v4/users": 1, "PATCH /api/v4/leads": 1} {
		if d := ep(after, k) - ep(before, k); d != n {
			t.Errorf("%s: %d requests, want %d (all: %v)", k, d, n, after.ByEndpoint)
		}
	}
	wantLeads := []struct{ name, price, budget string }{
		{"Boris's name", "100", "1"}, {"Deal 2", "200", "77"}, {"Deal 3", "300", "3"}, {"Deal 4", "400", "4"},
	}
	check := func(when string) {
		t.Helper()
		for i, w := range wantLeads {
			l, _, err := ce.c.Leads.Get(ctx, pre[i].ID)
			if err != nil {
				t.Fatal(err)
			}
			if l.Name != w.name || fmt.Sprint(l.Price) != w.price || leadBudget(l) != w.budget {
				t.Errorf("%s: lead %d = %q %v %q, want %+v", when, i+1, l.Name, l.Price, leadBudget(l), w)
			}
		}
	}
	check("after undo")

	// Again: nothing to do, the same fields listed.
	w0 := ce.emu.Stats().Writes
	u2, err := Undo(ctx, ce.c, o.Journal)
	if err != nil {
		t.Fatal(err)
	}
	if w := ce.emu.Stats().Writes; w != w0 || u2.Restored != 0 || len(u2.Kept) != 2 {
		t.Errorf("second undo: %d writes, restored %d, kept %v", w-w0, u2.Restored, u2.Kept)
	}

	// A crash after Kommo applied the restore but before "undone" was
	// journaled: the resumed undo sends the planned restore again and
	// does not take its own write for someone's edit.
	data, err := os.ReadFile(o.Journal)
	if err != nil {
		t.Fatal(err)
	}
	var keep [][]byte
	for _, line := range bytes.Split(data, []byte("\n")) {
		if !bytes.Contains(line, []byte(`"op":"undone"`)) {
			keep = append(keep, line)
		}
	}
	crashed := filepath.Join(t.TempDir(), "crashed.journal")
	if err := os.WriteFile(crashed, bytes.Join(keep, []byte("\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	ce.tick(time.Minute)
	u3, err := Undo(ctx, ce.c, crashed)
	if err != nil {
		t.Fatal(err)
	}
	if len(u3.Kept) != 2 || u3.Restored != 4 {
		t.Errorf("resumed undo: restored %d, kept %v", u3.Restored, u3.Kept)
	}
	check("after the resumed undo")
}

// TestUndoKeepsHumanEditsOldJournal: a journal from before acks had a
// time is compared with the job's end: Boris's later edit is kept, the
// import's own changes are restored.
func TestUndoKeepsHumanEditsOldJournal(t *testing.T) {
	ce := newClockEnv(t, nil)
	ctx := t.Context()
	p := 100.0
	pre, _, err := ce.c.Leads.Create(ctx, []kommo.LeadRequest{{Name: "Deal", Price: &p}})
	if err != nil {
		t.Fatal(err)
	}
	ce.tick(time.Minute)
	np := 999.0
	row := &mapping.Row{Line: 2, Entity: kommo.EntityLeads, Lead: &kommo.LeadRequest{Name: "Imported", Price: &np},
		Match: map[kommo.EntityType]mapping.MatchKey{kommo.EntityLeads: {Kind: mapping.MatchID, Values: []string{fmt.Sprint(pre[0].ID)}}}}
	o := ce.opts("old", kommo.EntityLeads, ModeUpdate)
	o.Now = func() time.Time { return time.Unix(ce.now.Load(), 0) }
	if _, err := Import(ctx, ce.c, items(row), o); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(o.Journal)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, `"op":"ack"`) {
			i := strings.Index(l, `,"at":`)
			j := strings.Index(l[i+1:], ",") + i + 1
			if i < 0 || j <= i {
				t.Fatalf("ack line %s", l)
			}
			l = l[:i] + l[j:]
		}
		lines = append(lines, l)
	}
	if err := os.WriteFile(o.Journal, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	ce.tick(time.Minute)
	if _, _, err := ce.boris.Leads.Update(ctx, []kommo.LeadRequest{{ID: pre[0].ID, Name: "Boris"}}); err != nil {
		t.Fatal(err)
	}
	ce.tick(time.Minute)
	u, err := Undo(ctx, ce.c, o.Journal)
	if err != nil {
		t.Fatal(err)
	}
	l, _, _ := ce.c.Leads.Get(ctx, pre[0].ID)
	if len(u.Kept) != 1 || u.Kept[0].Field != "name" || l.Name != "Boris" || l.Price != 100 {
		t.Errorf("kept %v; lead %q %v, want Boris 100", u.Kept, l.Name, l.Price)
	}
}
