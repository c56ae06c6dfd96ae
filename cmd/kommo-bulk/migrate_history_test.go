package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// notesText renders the account's notes as sorted lines: the record's
// name, the type, the author's name, the date (UTC) and the text (a
// call's: duration, phone, source and result).
func notesText(st kt.State) string {
	users := map[int]string{}
	for _, u := range st.Users {
		users[u.ID] = u.Name
	}
	names := map[string]string{}
	for _, c := range st.Companies {
		names[fmt.Sprintf("companies/%d", c.ID)] = "company " + c.Name
	}
	for _, c := range st.Contacts {
		names[fmt.Sprintf("contacts/%d", c.ID)] = "contact " + c.Name
	}
	for _, l := range st.Leads {
		names[fmt.Sprintf("leads/%d", l.ID)] = "lead " + l.Name
	}
	var lines []string
	for _, n := range st.Notes {
		text, _ := n.Params["text"].(string)
		if n.NoteType == "call_in" || n.NoteType == "call_out" {
			text = fmt.Sprintf("%v s, %v, %v: %v", n.Params["duration"], n.Params["phone"], n.Params["source"], n.Params["call_result"])
		}
		lines = append(lines, fmt.Sprintf("%s | %s | %s | %s | %s", names[fmt.Sprintf("%s/%d", n.EntityType, n.EntityID)], n.NoteType,
			users[n.CreatedBy], time.Unix(n.CreatedAt, 0).UTC().Format("2006-01-02 15:04"), strings.ReplaceAll(text, "\n", " / ")))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

// hubspotNotesWant are the notes of the HubSpot history fixtures: each on
// the record of the source id it names first (deal, contact, company),
// signed by its author through the users table (Jane Roe is Ana), dated,
// with author, date and source in its first line; calls with their
// duration (HubSpot's milliseconds in seconds) and the phone as written.
const hubspotNotesWant = `company Globex | common | Chen Sales | 2024-03-12 16:45 | Chen Sales, 2024-03-12 16:45, from HubSpot / Globex pays by wire
contact Grace Hopper | common | Ana Admin | 2024-03-11 09:30 | Ana Admin, 2024-03-11 09:30, from HubSpot / Grace prefers calls in the morning
lead Acme rollout | call_out | Boris Manager | 2024-03-13 10:00 | 1800 s, +44 20 7946 0001, HubSpot: Boris Manager, 2024-03-13 10:00, from HubSpot / Subject: Kick-off / Agreed on the scope / Connected
lead Acme rollout | common | Boris Manager | 2024-03-10 14:02 | Boris Manager, 2024-03-10 14:02, from HubSpot / Ada asked for the rollout plan, with dates
lead Globex renewal | call_in | Chen Sales | 2024-03-14 15:20 | 95 s, +1 212 555 0101, HubSpot: Chen Sales, 2024-03-14 15:20, from HubSpot / Subject: Question on the invoice / Connected
`

// TestMigrateHubSpotHistory: the history files of a HubSpot export
// (notes, calls) migrate with its cards; the report counts the notes and
// lists the attachment; a second migration (another job) adds none.
func TestMigrateHubSpotHistory(t *testing.T) {
	e := newCLIEnv(t)
	tables := fixtureFiles(t, "hubspot", "tables.yaml")[0]
	files := append(hubspotFiles(t), fixtureFiles(t, "hubspot",
		"hubspot-crm-exports-all-notes-2024-03-15.csv", "hubspot-crm-exports-all-calls-2024-03-15.csv")...)
	args := append([]string{"migrate", "--create-fields", "--tables", tables, "--results", e.dir, "--rate", "0"}, files...)

	code, out, errb := e.run(t, append(args, "--job", "h1")...)
	if code != exitOK {
		t.Fatalf("migrate = %d, want %d\n%s\n%s", code, exitOK, out, errb)
	}
	for _, want := range []string{
		"hubspot-crm-exports-all-notes-2024-03-15.csv notes     3 rows: 3 notes written, 0 already there, 0 failed, 0 left out",
		"hubspot-crm-exports-all-calls-2024-03-15.csv notes     2 rows: 2 notes written, 0 already there, 0 failed, 0 left out",
		"1 attachments of notes not migrated",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if got := notesText(e.emu.Snapshot()); got != hubspotNotesWant {
		t.Errorf("notes after the migration:\n%s\nwant:\n%s", got, hubspotNotesWant)
	}
	if got := accountText(e.emu.Snapshot()); got != hubspotWant {
		t.Errorf("account after the migration:\n%s\nwant:\n%s", got, hubspotWant)
	}
	md, err := os.ReadFile(filepath.Join(e.dir, "h1-report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Notes", "| hubspot-crm-exports-all-notes-2024-03-15.csv | 3 | 0 | 0 |",
		"## Attachments not migrated", "| hubspot-crm-exports-all-notes-2024-03-15.csv | 2 | Attachments | rollout-plan.pdf |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}

	code, out, errb = e.run(t, append(args, "--job", "h2")...)
	if code != exitOK {
		t.Fatalf("second migrate = %d\n%s\n%s", code, out, errb)
	}
	if !strings.Contains(out, "notes     3 rows: 0 notes written, 3 already there, 0 failed") {
		t.Errorf("second run output:\n%s", out)
	}
	if got := notesText(e.emu.Snapshot()); got != hubspotNotesWant {
		t.Errorf("notes after a second migration:\n%s\nwant:\n%s", got, hubspotNotesWant)
	}
}

// failingNotes answers 402 to note writes after the first, while fail is
// set: the account stops being paid in the middle of the history.
type failingNotes struct {
	h     http.Handler
	fail  atomic.Bool
	posts atomic.Int32
}

func (f *failingNotes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.fail.Load() && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/notes") && f.posts.Add(1) > 1 {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusPaymentRequired)
		w.Write([]byte(`{"title":"Payment Required","status":402,"detail":"account is not paid"}`))
		return
	}
	f.h.ServeHTTP(w, r)
}

// TestMigrateHistoryResumes: a migration stopped in the middle of its
// notes says how to continue; --resume writes the rest, none twice.
func TestMigrateHistoryResumes(t *testing.T) {
	emu, err := kt.NewServer(kt.Options{Tokens: []string{"cli-token"}, Rate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	fn := &failingNotes{h: emu}
	fn.fail.Store(true)
	srv := httptest.NewServer(fn)
	t.Cleanup(func() { srv.Close(); emu.Close() })
	e := &cliEnv{emu: emu, url: srv.URL, dir: t.TempDir(), env: map[string]string{"KOMMO_BASE_URL": srv.URL, "KOMMO_TOKEN": "cli-token"}}
	tables := fixtureFiles(t, "hubspot", "tables.yaml")[0]
	files := append(hubspotFiles(t), fixtureFiles(t, "hubspot",
		"hubspot-crm-exports-all-notes-2024-03-15.csv", "hubspot-crm-exports-all-calls-2024-03-15.csv")...)
	args := append([]string{"migrate", "--create-fields", "--tables", tables, "--results", e.dir, "--rate", "0", "--batch", "1"}, files...)

	code, out, errb := e.run(t, append(args, "--job", "r")...)
	if code != exitFailed || !strings.Contains(errb, "--resume r") {
		t.Fatalf("migrate with note writes failing = %d\n%s\n%s", code, out, errb)
	}
	if n := len(e.emu.Snapshot().Notes); n != 1 {
		t.Fatalf("after the stop: %d notes, want 1", n)
	}
	fn.fail.Store(false)
	code, out, errb = e.run(t, append(args, "--resume", "r")...)
	if code != exitOK {
		t.Fatalf("migrate --resume = %d\n%s\n%s", code, out, errb)
	}
	if got := notesText(e.emu.Snapshot()); got != hubspotNotesWant {
		t.Errorf("notes after the resume:\n%s\nwant:\n%s", got, hubspotNotesWant)
	}
}
