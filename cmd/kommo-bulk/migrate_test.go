package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// accountText renders the account's records as sorted lines, one per
// record, with everything a migration sets: names, owners, stages, custom
// field values (by field name) and links by name. Ids never appear, so
// the text can be compared to what a test expects.
func accountText(st kt.State) string {
	users := map[int]string{}
	for _, u := range st.Users {
		users[u.ID] = u.Name
	}
	stages := map[[2]int]string{}
	pipes := map[int]string{}
	for _, p := range st.Pipelines {
		pipes[p.ID] = p.Name
		for _, s := range p.Statuses {
			stages[[2]int{p.ID, s.ID}] = s.Name
		}
	}
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
	links := map[string][]string{}
	for _, l := range st.Links {
		from := fmt.Sprintf("%s/%d", l.EntityType, l.EntityID)
		to := fmt.Sprintf("%s/%d", l.ToEntityType, l.ToEntityID)
		links[from] = append(links[from], l.ToEntityType+"="+names[to])
		links[to] = append(links[to], l.EntityType+"="+names[from])
	}
	cfv := func(vals []kt.FieldValues) string {
		var parts []string
		for _, f := range vals {
			var vs []string
			for _, v := range f.Values {
				s := fmt.Sprint(v.Value)
				// Dates as the instant they are (UTC): a date in Moscow
				// is the evening before in UTC.
				if n, ok := v.Value.(float64); ok && (n > 1e8 || n < -1e8) {
					s = time.Unix(int64(n), 0).UTC().Format("2006-01-02T15:04Z")
				}
				if i, ok := v.Value.(int64); ok && (i > 1e8 || i < -1e8) {
					s = time.Unix(i, 0).UTC().Format("2006-01-02T15:04Z")
				}
				if v.EnumCode != "" && (f.FieldCode == "PHONE" || f.FieldCode == "EMAIL") {
					s += "/" + v.EnumCode
				}
				vs = append(vs, s)
			}
			parts = append(parts, f.FieldName+"="+strings.Join(vs, ","))
		}
		sort.Strings(parts)
		return strings.Join(parts, " ")
	}
	linked := func(key string) string {
		l := links[key]
		sort.Strings(l)
		return strings.Join(dedupStrings(l), " ")
	}
	var lines []string
	for _, c := range st.Companies {
		lines = append(lines, fmt.Sprintf("company %q owner=%s %s", c.Name, users[c.ResponsibleUserID], cfv(c.CustomFieldsValues)))
	}
	for _, c := range st.Contacts {
		lines = append(lines, fmt.Sprintf("contact %q owner=%s %s | %s", c.Name, users[c.ResponsibleUserID], cfv(c.CustomFieldsValues), linked(fmt.Sprintf("contacts/%d", c.ID))))
	}
	for _, l := range st.Leads {
		lines = append(lines, fmt.Sprintf("lead %q price=%s stage=%s/%s owner=%s %s | %s", l.Name, strconv.FormatFloat(l.Price, 'f', -1, 64), pipes[l.PipelineID], stages[[2]int{l.PipelineID, l.StatusID}],
			users[l.ResponsibleUserID], cfv(l.CustomFieldsValues), linked(fmt.Sprintf("leads/%d", l.ID))))
	}
	for _, t := range st.Tasks {
		lines = append(lines, fmt.Sprintf("task %q on %s %q due=%s done=%v owner=%s type=%d", t.Text, t.EntityType, names[fmt.Sprintf("%s/%d", t.EntityType, t.EntityID)],
			time.Unix(t.CompleteTill, 0).UTC().Format("2006-01-02 15:04"), t.IsCompleted, users[t.ResponsibleUserID], t.TaskTypeID))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

func dedupStrings(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func fixtureFiles(t *testing.T, source string, names ...string) []string {
	t.Helper()
	var out []string
	for _, n := range names {
		p := filepath.Join("..", "..", "testdata", "migrate", source, n)
		if _, err := os.Stat(p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// hubspotWant is the account after the HubSpot fixtures: Ada's duplicate
// (row 103, same e-mail) folded into her record with its mobile; Alan
// merged into the contact the account had; the contact whose phone is
// "not a phone" migrated without it; deal 5004 linked to both its
// contacts; stages and owners from the tables; the fields the account
// lacked created.
const hubspotWant = `company "Acme GmbH" owner=Boris Manager City=Berlin Country=Germany External ID=9001 Industry=Manufacturing Phone=+49301234567/WORK Web=acme.example
company "Globex" owner=Chen Sales City=New York Country=United States External ID=9002 Industry=Software Phone=+12125550100/WORK Web=globex.example
company "Initech" owner=Ana Admin City=Austin Country=United States External ID=9003 Industry=Software Web=initech.example
contact "Ada Lovelace" owner=Boris Manager Email=ada@example.com/WORK External ID=101 Lead status=Open Lifecycle stage=customer Phone=+442079460001/WORK,+447911123456/MOB,+447911123457/MOB Position=Engineer | companies=Acme GmbH leads=Acme expansion leads=Acme rollout
contact "Alan Turing" owner=Ana Admin Email=alan@example.com/WORK External ID=104 Lead status=New Lifecycle stage=lead Phone=+441614960000/WORK Position=Researcher | companies=Initech leads=Initech pilot
contact "Bad Phone" owner=Chen Sales Email=bad@example.com/WORK External ID=105 Lead status=New Lifecycle stage=lead | companies=Globex
contact "Grace Hopper" owner=Chen Sales Email=grace@example.com/WORK External ID=102 Lead status=New Lifecycle stage=lead Phone=+12125550101/WORK Position=CTO | companies=Globex leads=Globex renewal
contact "Мария Иванова" owner=Ana Admin Email=maria@example.ru/WORK External ID=106 Lead status=Open Lifecycle stage=customer Phone=+79991234567/MOB Position=Директор | companies=Initech leads=Acme expansion
lead "Acme expansion" price=1000 stage=Sales/Proposal owner=Boris Manager Expected close=2024-05-15T00:00Z External ID=5004 | companies=Acme GmbH contacts=Ada Lovelace contacts=Мария Иванова
lead "Acme rollout" price=12500 stage=Sales/Qualified owner=Boris Manager Expected close=2024-04-30T00:00Z External ID=5001 | companies=Acme GmbH contacts=Ada Lovelace
lead "Globex renewal" price=9900 stage=Sales/Closed - won owner=Chen Sales Expected close=2024-03-01T00:00Z External ID=5002 | companies=Globex contacts=Grace Hopper
lead "Initech pilot" price=3000 stage=Sales/Closed - lost owner=Ana Admin Expected close=2024-03-05T00:00Z External ID=5003 | companies=Initech contacts=Alan Turing
task "Call Ada about the rollout" on leads "Acme rollout" due=2024-04-01 10:00 done=false owner=Boris Manager type=1
task "Send the Globex invoice" on leads "Globex renewal" due=2024-04-02 12:00 done=true owner=Chen Sales type=1
`

func hubspotFiles(t *testing.T) []string {
	return fixtureFiles(t, "hubspot",
		"hubspot-crm-exports-all-deals-2024-03-15.csv", // any order: loaded companies → contacts → leads → tasks
		"hubspot-crm-exports-all-contacts-2024-03-15.csv",
		"hubspot-crm-exports-all-tasks-2024-03-15.csv",
		"hubspot-crm-exports-all-companies-2024-03-15.csv")
}

func TestMigrateHubSpot(t *testing.T) {
	e := newCLIEnv(t)
	// The account already has Alan, without a source id.
	c, err := kommo.NewClient(e.url, kommo.WithToken("cli-token"), kommo.WithRateLimit(rate.Inf, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Contacts.Create(t.Context(), []kommo.ContactRequest{{Name: "A. Turing", CustomFieldsValues: kommo.CustomFieldValues{
		{FieldCode: kommo.CodeEmail, Values: []kommo.FieldValue{kommo.Multitext("Alan@Example.com", kommo.EmailWork)}}}}}); err != nil {
		t.Fatal(err)
	}
	tables := fixtureFiles(t, "hubspot", "tables.yaml")[0]
	args := append([]string{"migrate", "--from", "hubspot", "--create-fields", "--tables", tables, "--results", e.dir, "--rate", "0"}, hubspotFiles(t)...)

	code, out, errb := e.run(t, append(args, "--job", "hs1")...)
	if code != exitOK { // the contact with a bad phone lands without it
		t.Fatalf("migrate = %d, want %d\n%s\n%s", code, exitOK, out, errb)
	}
	for _, want := range []string{
		"hubspot-crm-exports-all-contacts-2024-03-15.csv contacts  6 rows: 6 landed, 1 with warnings, 0 failed (4 created, 1 updated, 1 merged, 0 skipped)",
		"  warnings (the rows landed):\n    Phone Number: 1 row left out (no digits in it)",
		"hubspot-crm-exports-all-deals-2024-03-15.csv leads     4 rows: 4 landed, 0 with warnings, 0 failed (4 created, 0 updated",
		"merged: hubspot-crm-exports-all-contacts-2024-03-15.csv row 4 (103) into row 2 (Record ID 101), same email ada@example.com",
		"merged: hubspot-crm-exports-all-contacts-2024-03-15.csv row 5 (104) into Kommo contact 2",
		"companies.External ID (text)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if got := accountText(e.emu.Snapshot()); got != hubspotWant {
		t.Errorf("account after the migration:\n%s\nwant:\n%s", got, hubspotWant)
	}
	md, err := os.ReadFile(filepath.Join(e.dir, "hs1-report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Migration report", "## Duplicates merged", "| Sales Pipeline \\| Appointment scheduled | Sales / Qualified | table |",
		"| hubspot-crm-exports-all-contacts-2024-03-15.csv | contacts | 6 | 6 | 1 | 0 | 4 | 1 | 1 | 0 |",
		"## Warnings", "| hubspot-crm-exports-all-contacts-2024-03-15.csv | Phone Number | 1 | left out | no digits in it | 6 | not a phone |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	if _, err := os.Stat(filepath.Join(e.dir, "hs1-report.json")); err != nil {
		t.Error(err)
	}
	page, err := os.ReadFile(filepath.Join(e.dir, "hs1-report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<title>Migration report</title>", "<td>hubspot-crm-exports-all-contacts-2024-03-15.csv</td><td>contacts</td>",
		`<h2 id="merges">Duplicates merged</h2>`, "<td>Sales Pipeline | Appointment scheduled</td><td>Sales / Qualified</td><td>table</td>",
		`<h2 id="warnings">Warnings</h2>`, "<td>left out</td><td>no digits in it</td>"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("HTML report lacks %q:\n%s", want, page)
		}
	}
	if !strings.Contains(out, "hs1-report.md (and .json, .html)") {
		t.Errorf("output does not name the reports:\n%s", out)
	}

	// A second run updates what the first wrote: nothing new.
	before := e.emu.Snapshot()
	code, out, errb = e.run(t, append(args, "--job", "hs2")...)
	if code != exitOK {
		t.Fatalf("second migrate = %d\n%s\n%s", code, out, errb)
	}
	if got := accountText(e.emu.Snapshot()); got != hubspotWant {
		t.Errorf("account after the second run:\n%s\nwant:\n%s", got, hubspotWant)
	}
	after := e.emu.Snapshot()
	if len(after.Companies) != len(before.Companies) || len(after.Contacts) != len(before.Contacts) || len(after.Leads) != len(before.Leads) || len(after.Tasks) != len(before.Tasks) {
		t.Errorf("second run created records: %d/%d/%d/%d companies/contacts/leads/tasks, was %d/%d/%d/%d",
			len(after.Companies), len(after.Contacts), len(after.Leads), len(after.Tasks), len(before.Companies), len(before.Contacts), len(before.Leads), len(before.Tasks))
	}
	// Nothing changed, so nothing is even updated.
	for _, want := range []string{"companies 3 rows: 3 landed, 0 with warnings, 0 failed (0 created, 0 updated, 0 merged, 3 skipped)",
		"contacts  6 rows: 6 landed, 1 with warnings, 0 failed (0 created, 0 updated, 1 merged, 5 skipped)",
		"leads     4 rows: 4 landed, 0 with warnings, 0 failed (0 created, 0 updated, 0 merged, 4 skipped)",
		"tasks     2 rows: 2 landed, 0 with warnings, 0 failed (0 created, 0 updated, 0 merged, 2 skipped)", "already in Kommo"} {
		if !strings.Contains(out, want) {
			t.Errorf("second run output lacks %q:\n%s", want, out)
		}
	}
}

func TestMigrateStopsOnUnmatchedValues(t *testing.T) {
	e := newCLIEnv(t)
	before := e.emu.Snapshot()
	// No tables, and no --from: the files say they are HubSpot's.
	args := append([]string{"migrate", "--create-fields", "--results", e.dir, "--rate", "0", "--job", "u"}, hubspotFiles(t)...)
	code, out, errb := e.run(t, args...)
	if code != exitFailed {
		t.Fatalf("migrate = %d, want %d\n%s\n%s", code, exitFailed, out, errb)
	}
	for _, want := range []string{
		`column "Contact owner": user "Jane Roe" (1 rows)`,
		`column "Pipeline": pipeline "Sales Pipeline" (4 rows); closest: Sales`,
		`column "Deal Stage": stage "Appointment scheduled" (1 rows)`,
		`column "Deal Stage": stage "Contract sent" (1 rows)`,
		"stopped before writing",
		"users:\n  \"Jane Roe\": ",
		"pipelines:\n  \"Sales Pipeline\": \"Sales\"",
		"stages:\n  \"Appointment scheduled\": ",
	} {
		if !strings.Contains(errb, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb)
		}
	}
	after := e.emu.Snapshot()
	if len(after.Companies)+len(after.Contacts)+len(after.Leads)+len(after.Tasks) != 0 {
		t.Errorf("records were written: %+v", after)
	}
	for ent, fs := range after.CustomFields {
		if len(fs) != len(before.CustomFields[ent]) {
			t.Errorf("%s custom fields were created: %d, was %d", ent, len(fs), len(before.CustomFields[ent]))
		}
	}
	md, _ := os.ReadFile(filepath.Join(e.dir, "u-report.md"))
	if !strings.Contains(string(md), "## Values that match nothing in Kommo") || !strings.Contains(string(md), "| Jane Roe |") {
		t.Errorf("report:\n%s", md)
	}
	page, _ := os.ReadFile(filepath.Join(e.dir, "u-report.html"))
	if !strings.Contains(string(page), `<h2 id="unmatched">`) || !strings.Contains(string(page), "<td>Jane Roe</td>") {
		t.Errorf("HTML report:\n%s", page)
	}
}

func TestMigrateMissingFieldsNeedConsent(t *testing.T) {
	e := newCLIEnv(t)
	tables := fixtureFiles(t, "hubspot", "tables.yaml")[0]
	args := append([]string{"migrate", "--from", "hubspot", "--tables", tables, "--results", e.dir, "--rate", "0"}, hubspotFiles(t)...)
	code, out, errb := e.run(t, args...)
	if code != exitFailed || !strings.Contains(errb, `company "External ID" (text)`) || !strings.Contains(errb, "--create-fields") {
		t.Fatalf("migrate = %d\n%s\n%s", code, out, errb)
	}
	if n := len(e.emu.Snapshot().Companies); n != 0 {
		t.Errorf("%d companies written", n)
	}
}

func TestMigrateDryRunWritesNothing(t *testing.T) {
	e := newCLIEnv(t)
	before := e.emu.Snapshot()
	tables := fixtureFiles(t, "hubspot", "tables.yaml")[0]
	args := append([]string{"migrate", "--from", "hubspot", "--create-fields", "--dry-run", "--tables", tables, "--results", e.dir, "--rate", "0"}, hubspotFiles(t)...)
	code, out, errb := e.run(t, args...)
	if code != exitOK {
		t.Fatalf("migrate --dry-run = %d\n%s\n%s", code, out, errb)
	}
	for _, want := range []string{"companies 3 rows: 3 would land, 0 with warnings, 0 failed (3 would be created", "leads     4 rows: 4 would land, 0 with warnings, 0 failed (4 would be created",
		"tasks     2 rows: 2 would land, 0 with warnings, 0 failed (2 would be created", "contacts  6 rows: 6 would land, 1 with warnings, 0 failed", "custom fields would be created: companies.External ID"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	after := e.emu.Snapshot()
	if accountText(after) != accountText(before) || len(after.CustomFields["companies"]) != len(before.CustomFields["companies"]) {
		t.Errorf("dry run wrote:\n%s", accountText(after))
	}
}

func TestMigrateSampleThenRest(t *testing.T) {
	e := newCLIEnv(t)
	tables := fixtureFiles(t, "hubspot", "tables.yaml")[0]
	base := append([]string{"migrate", "--from", "hubspot", "--create-fields", "--tables", tables, "--results", e.dir, "--rate", "0"}, hubspotFiles(t)...)
	code, out, errb := e.run(t, append(base, "--sample", "1", "--job", "s")...)
	if code != exitOK {
		t.Fatalf("migrate --sample = %d\n%s\n%s", code, out, errb)
	}
	// The first deal with its contact, company and task.
	want := `company "Acme GmbH" owner=Boris Manager City=Berlin Country=Germany External ID=9001 Industry=Manufacturing Phone=+49301234567/WORK Web=acme.example
contact "Ada Lovelace" owner=Boris Manager Email=ada@example.com/WORK External ID=101 Lead status=Open Lifecycle stage=customer Phone=+442079460001/WORK,+447911123456/MOB,+447911123457/MOB Position=Engineer | companies=Acme GmbH leads=Acme rollout
lead "Acme rollout" price=12500 stage=Sales/Qualified owner=Boris Manager Expected close=2024-04-30T00:00Z External ID=5001 | companies=Acme GmbH contacts=Ada Lovelace
task "Call Ada about the rollout" on leads "Acme rollout" due=2024-04-01 10:00 done=false owner=Boris Manager type=1
`
	if got := accountText(e.emu.Snapshot()); got != want {
		t.Errorf("account after the sample:\n%s\nwant:\n%s", got, want)
	}
	for _, w := range []string{"sample records:", "hubspot-crm-exports-all-deals-2024-03-15.csv row 2 (5001): create companies ", "run the same command without --sample"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	// Then the rest: the sample's records are updated, not duplicated.
	code, out, errb = e.run(t, append(base, "--job", "rest")...)
	if code != exitOK {
		t.Fatalf("migrate = %d\n%s\n%s", code, out, errb)
	}
	st := e.emu.Snapshot()
	if len(st.Companies) != 3 || len(st.Contacts) != 5 || len(st.Leads) != 4 || len(st.Tasks) != 2 {
		t.Errorf("after the rest: %d companies, %d contacts, %d leads, %d tasks; want 3, 5, 4, 2\n%s", len(st.Companies), len(st.Contacts), len(st.Leads), len(st.Tasks), accountText(st))
	}
}

func TestMigrateDumpPreset(t *testing.T) {
	e := newCLIEnv(t)
	code, out, errb := e.run(t, "migrate", "--from", "pipedrive", "--dump-preset", "--entity", "leads", "--lang", "cs")
	if code != exitOK {
		t.Fatalf("dump = %d\n%s", code, errb)
	}
	for _, want := range []string{"entity: leads", "key: Obchod - ID", "  leads: field:External ID", "  contacts: field:External ID", "column: Obchod - Název", "field: name", "- Obchod - Stav", "- Obchod - Fáze"} {
		if !strings.Contains(out, want) {
			t.Errorf("dump lacks %q:\n%s", want, out)
		}
	}
	// The dump of a file is a spec import accepts.
	files := hubspotFiles(t)
	code, out, errb = e.run(t, "migrate", "--dump-preset", files[3])
	if code != exitOK || !strings.Contains(out, "# ") || !strings.Contains(out, "hubspot companies export") {
		t.Fatalf("dump FILE = %d\n%s\n%s", code, out, errb)
	}
	spec := e.write(t, "companies.yaml", out)
	code, out, errb = e.run(t, "import", files[3], "--mapping", spec, "--mode", "upsert", "--dry-run", "--rate", "0")
	if code != exitOK && !strings.Contains(out+errb, "unknown field") {
		t.Errorf("import --mapping dumped spec = %d\n%s\n%s", code, out, errb)
	}
}

// TestMigrateSources migrates each source's fixtures into an empty
// account, compares the account with what the export holds, and runs the
// migration again: nothing may change.
func TestMigrateSources(t *testing.T) {
	tests := []struct {
		source string
		files  []string
		args   []string
		out    []string // lines the output must have
	}{
		{source: "bitrix24", files: []string{"DEAL.csv", "CONTACT.csv", "COMPANY.csv"},
			out: []string{"merged: CONTACT.csv row 5 (34) into row 2 (ID 31), same phone +79167654321"}},
		// The lead export's Примечание column is a note on its lead.
		{source: "amocrm", files: []string{"amocrm_export_leads_2024-03-15.csv"}, out: []string{"  notes: 1 written, 0 already there, 0 failed"}},
		{source: "pipedrive", files: []string{"obchody-2024-03-15.csv"}},
		{source: "salesforce", files: []string{"Opportunity.csv", "Account.csv", "Contact.csv"}, args: []string{"--region", "US"},
			out: []string{`not migrated: Account.csv row 4: left out: IsDeleted is "true"`}},
		{source: "zoho", files: []string{"Deals_2024_03_15.csv", "Contacts_2024_03_15.csv", "Accounts_2024_03_15.csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			e := newCLIEnv(t)
			files := fixtureFiles(t, tt.source, tt.files...)
			tables := fixtureFiles(t, tt.source, "tables.yaml")[0]
			// No --from: the source is detected from the headers.
			args := append(append([]string{"migrate", "--create-fields", "--tables", tables, "--results", e.dir, "--rate", "0"}, tt.args...), files...)
			code, out, errb := e.run(t, append(args, "--job", "one")...)
			if code != exitOK {
				t.Fatalf("migrate = %d\n%s\n%s", code, out, errb)
			}
			if !strings.Contains(errb, "migrating from "+tt.source) {
				t.Errorf("detected source: %s", errb)
			}
			for _, w := range tt.out {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			// The account as the export describes it, reviewed by hand;
			// UPDATE_GOLDEN=1 rewrites it.
			got := accountText(e.emu.Snapshot())
			golden := filepath.Join("..", "..", "testdata", "migrate", tt.source, "want.txt")
			if os.Getenv("UPDATE_GOLDEN") != "" {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("account after the migration:\n%s\nwant:\n%s\n%s", got, want, out)
			}
			code, out, errb = e.run(t, append(args, "--job", "two")...)
			if code != exitOK {
				t.Fatalf("second migrate = %d\n%s\n%s", code, out, errb)
			}
			if again := accountText(e.emu.Snapshot()); again != got {
				t.Errorf("the second run changed the account:\n%s\nwas:\n%s", again, got)
			}
			for _, l := range strings.Split(out, "\n") {
				if strings.Contains(l, " rows: ") && !strings.Contains(l, "(0 created,") {
					t.Errorf("the second run created records: %s", l)
				}
			}
		})
	}
}

// failingLeads answers 402 to lead writes while fail is set, as Kommo does
// when the account's subscription lapses mid-migration.
type failingLeads struct {
	h    http.Handler
	fail atomic.Bool
}

func (f *failingLeads) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.fail.Load() && r.Method == http.MethodPost && r.URL.Path == "/api/v4/leads" {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusPaymentRequired)
		w.Write([]byte(`{"title":"Payment Required","status":402,"detail":"account is not paid"}`))
		return
	}
	f.h.ServeHTTP(w, r)
}

func TestMigrateResumesAfterAStop(t *testing.T) {
	emu, err := kt.NewServer(kt.Options{Tokens: []string{"cli-token"}, Rate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	fl := &failingLeads{h: emu}
	fl.fail.Store(true)
	srv := httptest.NewServer(fl)
	t.Cleanup(func() { srv.Close(); emu.Close() })
	e := &cliEnv{emu: emu, url: srv.URL, dir: t.TempDir(), env: map[string]string{"KOMMO_BASE_URL": srv.URL, "KOMMO_TOKEN": "cli-token"}}
	tables := fixtureFiles(t, "hubspot", "tables.yaml")[0]
	args := append([]string{"migrate", "--from", "hubspot", "--create-fields", "--tables", tables, "--results", e.dir, "--rate", "0"}, hubspotFiles(t)...)

	code, out, errb := e.run(t, append(args, "--job", "r")...)
	if code != exitFailed || !strings.Contains(errb, "--resume r") {
		t.Fatalf("migrate with lead writes failing = %d\n%s\n%s", code, out, errb)
	}
	st := e.emu.Snapshot()
	if len(st.Companies) != 3 || len(st.Contacts) != 5 || len(st.Leads) != 0 {
		t.Fatalf("after the stop: %d companies, %d contacts, %d leads; want 3, 5, 0", len(st.Companies), len(st.Contacts), len(st.Leads))
	}
	// Starting the same job again from scratch is refused...
	if code, _, errb := e.run(t, append(args, "--job", "r")...); code != exitFailed || !strings.Contains(errb, "journal exists") {
		t.Errorf("rerun of job r without --resume = %d\n%s", code, errb)
	}
	// ...and resuming it finishes it, each record once.
	fl.fail.Store(false)
	code, out, errb = e.run(t, append(args, "--resume", "r")...)
	if code != exitOK {
		t.Fatalf("migrate --resume = %d\n%s\n%s", code, out, errb)
	}
	// The contacts were done before the stop: their warning comes back
	// from the rows, not from a second write.
	if !strings.Contains(out, "contacts  6 rows: 6 landed, 1 with warnings, 0 failed") {
		t.Errorf("resumed run output:\n%s", out)
	}
	if got := accountText(e.emu.Snapshot()); got != hubspotWant {
		t.Errorf("account after the resume:\n%s\nwant:\n%s", got, hubspotWant)
	}
}

// TestMigrateReportLanguage: --lang es writes the report's Markdown and
// HTML and the summaries by cause in Spanish, LANG=ru_RU.UTF-8 in
// Russian; the JSON report and the counts line stay English.
func TestMigrateReportLanguage(t *testing.T) {
	tables := fixtureFiles(t, "hubspot", "tables.yaml")[0]
	for _, tt := range []struct {
		name, flag, env      string
		title, warn, leftOut string
	}{
		{"flag es", "es", "", "# Informe de migración", "  avisos (las filas se importaron):", "Phone Number: 1 fila con el valor omitido"},
		{"LANG ru", "", "ru_RU.UTF-8", "# Отчёт о переносе", "  предупреждения (строки загружены):", "Phone Number: 1 строка: значение пропущено"},
		{"default en", "", "", "# Migration report", "  warnings (the rows landed):", "Phone Number: 1 row left out (no digits in it)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newCLIEnv(t)
			if tt.env != "" {
				e.env["LANG"] = tt.env
			}
			args := []string{"migrate", "--from", "hubspot", "--create-fields", "--tables", tables, "--results", e.dir, "--rate", "0", "--job", "l1"}
			if tt.flag != "" {
				args = append(args, "--lang", tt.flag)
			}
			code, out, errb := e.run(t, append(args, hubspotFiles(t)...)...)
			if code != exitOK {
				t.Fatalf("migrate = %d\n%s\n%s", code, out, errb)
			}
			for _, want := range []string{tt.warn, tt.leftOut, "contacts  6 rows: 6 landed, 1 with warnings, 0 failed"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			md, err := os.ReadFile(filepath.Join(e.dir, "l1-report.md"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(md), tt.title) {
				t.Errorf("report starts %.60q, want %q", md, tt.title)
			}
			js, err := os.ReadFile(filepath.Join(e.dir, "l1-report.json"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(js), `"left_out"`) && !strings.Contains(string(js), `"left out"`) {
				t.Errorf("JSON report lost its English action codes:\n%.400s", js)
			}
		})
	}
}
