package migrate

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// csvFile is a File read from CSV text.
func csvFile(t *testing.T, name, spec, text string) File {
	t.Helper()
	s, err := mapping.ParseSpec([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	return File{Name: name, Spec: s, Open: func() (sheet.Table, error) {
		return sheet.OpenCSV(strings.NewReader(text), sheet.CSVOptions{Name: name})
	}}
}

// A migration lands what Kommo would take: a phone kept as written is
// sent, but it is no key (two people with the same unparsable text stay
// two), and a reference to a record in no file costs its row the link
// only, each missing key of a cell a warning.
func TestMigrateLandsWithWarnings(t *testing.T) {
	e := newTestEnv(t)
	contacts := csvFile(t, "contacts.csv", `entity: contacts
key: Record ID
match: field:External ID
columns:
  - {column: Record ID, field: External ID}
  - {column: Name, field: name}
  - {column: Phone, field: PHONE}
`, "Record ID,Name,Phone\n101,Ada,+44 20 7946 0001\n102,Bob,12-34\n103,Bea,12-34\n")
	deals := csvFile(t, "deals.csv", `entity: leads
key: Record ID
match: field:External ID
columns:
  - {column: Record ID, field: External ID}
  - {column: Deal, field: name}
  - {column: Contact name, entity: contacts, field: name}
  - {column: Contact phone, entity: contacts, field: PHONE}
refs:
  - {column: Contact IDs, entity: contacts}
`, "Record ID,Deal,Contact IDs,Contact name,Contact phone\n"+
		"5001,Deal A,101;999,,\n"+
		"5002,Deal B,404,,\n"+
		"5003,Deal C,,Cy,77-77\n"+
		"5004,Deal D,,Dee,77-77\n")
	var results []*bulk.Result
	rep, err := Run(t.Context(), e.c, []File{deals, contacts}, Options{CreateFields: true,
		Results: func(_ string, res *bulk.Result) { results = append(results, res) }})
	if err != nil {
		t.Fatal(err)
	}
	st := e.emu.Snapshot()
	names := map[string]string{}
	var got []string
	for _, c := range st.Contacts {
		names[fmt.Sprintf("contacts/%d", c.ID)] = c.Name
		got = append(got, "contact "+c.Name)
	}
	for _, l := range st.Leads {
		names[fmt.Sprintf("leads/%d", l.ID)] = l.Name
		got = append(got, "lead "+l.Name)
	}
	for _, l := range st.Links {
		got = append(got, fmt.Sprintf("link %s → %s", names[fmt.Sprintf("%s/%d", l.EntityType, l.EntityID)], names[fmt.Sprintf("%s/%d", l.ToEntityType, l.ToEntityID)]))
	}
	sort.Strings(got)
	want := []string{
		"contact Ada", "contact Bea", "contact Bob", "contact Cy", "contact Dee",
		"lead Deal A", "lead Deal B", "lead Deal C", "lead Deal D",
		"link Deal A → Ada", "link Deal C → Cy", "link Deal D → Dee",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("account (-want +got):\n%s", diff)
	}
	byFile := map[string]FileReport{}
	for _, f := range rep.Files {
		byFile[f.File] = f
	}
	if f := byFile["contacts.csv"]; f.Landed != 3 || f.Warned != 2 || f.Failed != 0 || f.Merged != 0 || len(f.Regions) != 1 {
		t.Errorf("contacts report = %+v", f)
	}
	d := byFile["deals.csv"]
	if d.Landed != 4 || d.Warned != 4 || d.Failed != 0 {
		t.Errorf("deals report = %+v", d)
	}
	var causes []string
	for _, c := range d.Warnings.Causes() {
		causes = append(causes, c.String())
	}
	wantCauses := []string{
		"Contact IDs: 2 rows landed without their link (the contact is in no file of this run: add its file, or its import's journal (--refs))",
		"Contact phone: 2 rows kept as written (too short for a phone number)",
	}
	if diff := cmp.Diff(wantCauses, causes); diff != "" {
		t.Errorf("deals warnings (-want +got):\n%s", diff)
	}
	// Row by row, for the success file: Deal A lost 999 only.
	var dealRes *bulk.Result
	for _, r := range results {
		if r.Job.Entity == kommo.EntityLeads {
			dealRes = r
		}
	}
	if ws := dealRes.Rows[2].Warnings; len(ws) != 1 || ws[0].Value != "999" || ws[0].Code != mapping.WarnRefNotFound {
		t.Errorf("Deal A warnings = %v", ws)
	}
	if ws := dealRes.Rows[3].Warnings; len(ws) != 1 || ws[0].Value != "404" {
		t.Errorf("Deal B warnings = %v", ws)
	}
}
