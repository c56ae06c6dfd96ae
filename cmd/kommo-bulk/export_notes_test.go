package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// TestExportNotesRoundTrip: the notes of one account, exported with
// "export notes", import into another account (whose leads and contacts
// came from the first's exports) as the same notes: same record, type,
// params, date and author.
func TestExportNotesRoundTrip(t *testing.T) {
	src, dst := newCLIEnv(t), newCLIEnv(t)
	ctx := t.Context()
	c, err := kommo.NewClient(src.url, kommo.WithToken("cli-token"), kommo.WithRateLimit(rate.Inf, 1))
	if err != nil {
		t.Fatal(err)
	}
	ls, _, err := c.Leads.Create(ctx, []kommo.LeadRequest{{Name: "Alpha"}, {Name: "Beta"}})
	if err != nil {
		t.Fatal(err)
	}
	cs, _, err := c.Contacts.Create(ctx, []kommo.ContactRequest{{Name: "Carol"}})
	if err != nil {
		t.Fatal(err)
	}
	const day = 1710511320
	signed := func(n kommo.NoteRequest, at int64, by int) kommo.NoteRequest {
		n.CreatedAt = at
		if by != 0 {
			n.CreatedBy = &by
		}
		return n
	}
	if _, _, err := c.Notes.Create(ctx, kommo.EntityLeads, []kommo.NoteRequest{
		signed(kommo.CommonNote(ls[0].ID, "Agreed on price\nsecond line"), day, kt.SeedUserBoris),
		signed(kommo.CallInNote(ls[0].ID, kommo.NoteParams{UniqueID: "call-7", Duration: 75, Phone: "+15550001", Source: "Telephony", Link: "https://rec.example/7"}), day+60, kt.SeedUserChen),
		signed(kommo.ServiceMessageNote(ls[1].ID, "Old CRM", "Imported"), day+120, 0),
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Notes.Create(ctx, kommo.EntityContacts, []kommo.NoteRequest{
		signed(kommo.SMSOutNote(cs[0].ID, "+15550002", "See you"), day+180, kt.SeedUserAna),
	}); err != nil {
		t.Fatal(err)
	}
	// Export the records and the notes from the first account, and
	// import the records into the second, keyed by the exported ID.
	leadsCSV, contactsCSV, notesFile := filepath.Join(src.dir, "leads.csv"), filepath.Join(src.dir, "contacts.csv"), filepath.Join(src.dir, "notes.xlsx")
	for _, args := range [][]string{
		{"export", "leads", "-o", leadsCSV}, {"export", "contacts", "-o", contactsCSV}, {"export", "notes", "-o", notesFile},
	} {
		if code, out, errOut := src.run(t, append(args, "--quiet")...); code != exitOK {
			t.Fatalf("%v: exit %d\n%s\n%s", args, code, out, errOut)
		}
	}
	var journals []string
	for _, f := range []struct{ input, entity string }{{leadsCSV, "leads"}, {contactsCSV, "contacts"}} {
		spec := dst.write(t, f.entity+".yaml", "entity: "+f.entity+"\nkey: ID\ncolumns: [{column: Name, field: name}]\n")
		code, out, errOut := dst.run(t, "import", "--rate", "0", "--mapping", spec, "--results", dst.dir, "--json", f.input)
		if code != exitOK {
			t.Fatalf("import %s: exit %d\n%s\n%s", f.entity, code, out, errOut)
		}
		var sum importSummary
		if err := json.Unmarshal([]byte(out), &sum); err != nil {
			t.Fatal(err)
		}
		journals = append(journals, sum.Journal)
	}
	// The notes export imports with no mapping.
	code, out, errOut := dst.run(t, "import", "--rate", "0", "--results", dst.dir, "--refs", strings.Join(journals, ","), notesFile)
	if code != exitOK {
		t.Fatalf("import notes: exit %d\n%s\n%s", code, out, errOut)
	}
	if got, want := noteSet(t, dst.emu), noteSet(t, src.emu); !slices.Equal(got, want) {
		t.Errorf("notes in the second account:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Again: nothing more.
	if code, out, errOut := dst.run(t, "import", "--rate", "0", "--results", dst.dir, "--job", "again", "--refs", strings.Join(journals, ","), notesFile); code != exitOK || !strings.Contains(out, "4 skipped") {
		t.Errorf("second import: exit %d\n%s\n%s", code, out, errOut)
	}
	if n := len(dst.emu.Snapshot().Notes); n != 4 {
		t.Errorf("%d notes after the second import", n)
	}
}

// noteSet is an account's notes as "record type created_at created_by
// params", the record by its name, sorted.
func noteSet(t *testing.T, emu *kt.Server) []string {
	t.Helper()
	st := emu.Snapshot()
	names := map[string]string{}
	for _, l := range st.Leads {
		names[fmt.Sprintf("leads/%d", l.ID)] = "lead " + l.Name
	}
	for _, c := range st.Contacts {
		names[fmt.Sprintf("contacts/%d", c.ID)] = "contact " + c.Name
	}
	var out []string
	for _, n := range st.Notes {
		p, _ := json.Marshal(n.Params)
		out = append(out, fmt.Sprintf("%s %s %d %d %s", names[fmt.Sprintf("%s/%d", n.EntityType, n.EntityID)], n.NoteType, n.CreatedAt, n.CreatedBy, p))
	}
	slices.Sort(out)
	return out
}

func TestExportNotesUsage(t *testing.T) {
	e := newCLIEnv(t)
	out := filepath.Join(e.dir, "n.csv")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--ids", "5"}, "give their type with --entity"},
		{[]string{"--entity", "tasks"}, "notes are of leads, contacts or companies"},
		{[]string{"--note-types", "memo"}, `unknown note type "memo"`},
		{[]string{"--since-last", "s.json"}, "--since-last does not apply to notes"},
		{[]string{"--pipeline", "Sales"}, "--pipeline does not apply to notes"},
	} {
		code, _, errOut := e.run(t, append([]string{"export", "notes", "-o", out}, tt.args...)...)
		if code != exitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, %q; want %q", tt.args, code, errOut, tt.want)
		}
	}
	// --help shows the notes part.
	if code, _, errOut := e.run(t, "export", "-h"); code != exitOK || !strings.Contains(errOut, "export notes --entity leads") {
		t.Errorf("export -h: exit %d\n%s", code, errOut)
	}
}
