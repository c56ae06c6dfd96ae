package migrate

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// The phases of a migration, one at a time, on small inputs: what Run
// does between reading the files and importing them.

// phaseMigration is a migration of files against schema, as Run sets it
// up before its phases.
func phaseMigration(c *kommo.Client, schema *mapping.Schema, opts Options, files ...*migFile) *migration {
	return &migration{c: c, opts: opts, schema: schema, res: mapping.NewResolver(schema), files: files, rep: &Report{},
		idField: map[kommo.EntityType]int{}, account: map[kommo.EntityType]*accountIndex{}, keys: map[kommo.EntityType]map[string]int{}}
}

// TestPhaseDedupeAndClaims: rows of a contacts file that share an e-mail
// fold into the first; a row with the e-mail of a record the account has
// merges into that record, which is given the row's source id (a claim,
// written to Kommo); a row with the e-mail of a record migrated before
// (it has a source id) merges into it under that id.
func TestPhaseDedupeAndClaims(t *testing.T) {
	e := newTestEnv(t)
	ctx := t.Context()
	email := func(s string) kommo.CustomFieldValues {
		return kommo.CustomFieldValues{{FieldID: kt.SeedContactEmail, Values: []kommo.FieldValue{kommo.Multitext(s, kommo.EmailWork)}}}
	}
	res, _, err := e.c.Contacts.Create(ctx, []kommo.ContactRequest{
		{Name: "Ada (in Kommo)", CustomFieldsValues: email("ada@example.com")},
		{Name: "Bob (migrated before)", CustomFieldsValues: append(email("bob@example.com"),
			kommo.CustomFieldValue{FieldID: kt.SeedContactExternalID, Values: []kommo.FieldValue{kommo.Text("p9")}})},
	})
	if err != nil {
		t.Fatal(err)
	}
	ada, bob := res[0].ID, res[1].ID
	schema, err := bulk.FetchSchema(ctx, e.c)
	if err != nil {
		t.Fatal(err)
	}
	phone := kommo.CustomFieldValues{{FieldID: kt.SeedContactPhone, Values: []kommo.FieldValue{kommo.Multitext("+14155550100", kommo.PhoneWork)}}}
	f := &migFile{File: File{Name: "contacts.csv", Spec: &mapping.Spec{Entity: kommo.EntityContacts, Key: "Record ID"}}, primary: kommo.EntityContacts,
		keys: map[string]int{"p1": 2, "p2": 3, "p3": 4, "p4": 5},
		dedupe: map[int][]string{
			2: {"email carol@example.com"},
			3: {"email carol@example.com"}, // a duplicate of row 2, with a phone
			4: {"email ada@example.com"},   // Ada, in Kommo without a source id
			5: {"email bob@example.com"},   // Bob, migrated before as p9
		},
		multi: map[int]kommo.CustomFieldValues{3: phone}}
	m := phaseMigration(e.c, schema, Options{IDField: DefaultIDField}, f)
	m.idField[kommo.EntityContacts] = kt.SeedContactExternalID
	if err := m.scanAccount(ctx); err != nil {
		t.Fatal(err)
	}
	acc := m.account[kommo.EntityContacts]
	if acc.byKey["p9"] != bob || acc.byDedup["email ada@example.com"] != ada {
		t.Fatalf("scanAccount: byKey %v, byDedup %v; want p9 → %d, ada@ → %d", acc.byKey, acc.byDedup, bob, ada)
	}
	m.dedupe()

	if diff := cmp.Diff(map[int]string{3: "p1", 5: "p9"}, f.aliases); diff != "" {
		t.Errorf("aliases (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[int]int{3: 2}, f.folded); diff != "" {
		t.Errorf("folded (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(phone, f.extra[2]); diff != "" {
		t.Errorf("phones folded into row 2 (-want +got):\n%s", diff)
	}
	if want := []claimWrite{{entity: kommo.EntityContacts, id: ada, key: "p3"}}; !slices.Equal(m.claims, want) {
		t.Errorf("claims = %+v, want %+v", m.claims, want)
	}
	var merges []string
	for _, mg := range m.rep.Merges {
		merges = append(merges, fmt.Sprintf("%d %s by %s into %s", mg.Line, mg.Key, mg.By, mg.Into))
	}
	want := []string{
		"3 p2 by email carol@example.com into row 2 (Record ID p1)",
		fmt.Sprintf("4 p3 by email ada@example.com into Kommo contact %d", ada),
		fmt.Sprintf("5 p4 by email bob@example.com into Kommo contact %d", bob),
	}
	if diff := cmp.Diff(want, merges); diff != "" {
		t.Errorf("merges (-want +got):\n%s", diff)
	}
	if id, ok := m.ref(kommo.EntityContacts, "p3"); !ok || id != ada {
		t.Errorf("ref(p3) = %d, %v, want Ada %d (claimed)", id, ok, ada)
	}

	// The claim on the wire: Ada now carries p3, Bob still p9.
	if err := m.writeClaims(ctx); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int]string{ada: "p3", bob: "p9"} {
		c, _, err := e.c.Contacts.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if v, ok := c.CustomFieldsValues.Field(kt.SeedContactExternalID, ""); ok {
			got = strings.Join(v.Strings(), ",")
		}
		if got != want {
			t.Errorf("contact %d %s = %q after writeClaims, want %q", id, DefaultIDField, got, want)
		}
	}
}

// TestPhaseSample: a sample takes the first rows of the deals file, the
// rows of the other files they refer to, and the tasks of any of them.
func TestPhaseSample(t *testing.T) {
	file := func(e kommo.EntityType, keys map[string]int, refs map[int]map[kommo.EntityType]string) *migFile {
		return &migFile{File: File{Name: string(e) + ".csv"}, primary: e, keys: keys, refs: refs}
	}
	build := func() []*migFile {
		return []*migFile{ // in Run's order
			file(kommo.EntityCompanies, map[string]int{"c1": 2, "c2": 3, "c3": 4}, nil),
			file(kommo.EntityContacts, map[string]int{"p1": 2, "p2": 3, "p3": 4}, map[int]map[kommo.EntityType]string{
				2: {kommo.EntityCompanies: "c1"}, 3: {kommo.EntityCompanies: "c2"}}),
			file(kommo.EntityLeads, map[string]int{"d1": 2, "d2": 3, "d3": 4}, map[int]map[kommo.EntityType]string{
				2: {kommo.EntityContacts: "p1; p3", kommo.EntityCompanies: "c1"}, 3: {kommo.EntityContacts: "p2"}}),
			file(kommo.EntityTasks, map[string]int{"t1": 2, "t2": 3, "t3": 4}, map[int]map[kommo.EntityType]string{
				2: {kommo.EntityLeads: "d1"}, 3: {kommo.EntityLeads: "d2"}, 4: {kommo.EntityContacts: "p3"}}),
		}
	}
	tests := []struct {
		sample int
		want   map[kommo.EntityType][]int // selected lines
	}{
		{sample: 1, want: map[kommo.EntityType][]int{kommo.EntityCompanies: {2}, kommo.EntityContacts: {2, 4}, kommo.EntityLeads: {2}, kommo.EntityTasks: {2, 4}}},
		{sample: 2, want: map[kommo.EntityType][]int{kommo.EntityCompanies: {2, 3}, kommo.EntityContacts: {2, 3, 4}, kommo.EntityLeads: {2, 3}, kommo.EntityTasks: {2, 3, 4}}},
		{sample: 9, want: map[kommo.EntityType][]int{kommo.EntityCompanies: {2, 3}, kommo.EntityContacts: {2, 3, 4}, kommo.EntityLeads: {2, 3, 4}, kommo.EntityTasks: {2, 3, 4}}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.sample), func(t *testing.T) {
			m := phaseMigration(nil, &mapping.Schema{}, Options{Sample: tt.sample}, build()...)
			m.sample()
			got := map[kommo.EntityType][]int{}
			for _, f := range m.files {
				for l := range f.select_ {
					got[f.primary] = append(got[f.primary], l)
				}
				slices.Sort(got[f.primary])
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("sample %d: selected lines (-want +got):\n%s", tt.sample, diff)
			}
		})
	}
}

// TestPhaseSampleThenRest: a sample migrates one deal with what it links
// to; the full run then writes the rest and updates the sample's records
// (found by their source ids) instead of creating them again.
func TestPhaseSampleThenRest(t *testing.T) {
	e := newTestEnv(t)
	ctx := t.Context()
	preset, err := PresetFor("hubspot")
	if err != nil {
		t.Fatal(err)
	}
	csvFile := func(e kommo.EntityType, name, text string) File {
		tb, err := sheet.OpenCSV(strings.NewReader(text), sheet.CSVOptions{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		fit := preset.File(e).Fit(tb.Header(), DefaultIDField)
		return File{Name: name, Spec: fit.Spec, FieldTypes: fit.Types,
			Open: func() (sheet.Table, error) {
				return sheet.OpenCSV(strings.NewReader(text), sheet.CSVOptions{Name: name})
			}}
	}
	files := []File{
		csvFile(kommo.EntityLeads, "deals.csv", "Record ID,Deal Name,Associated Contact IDs\n501,First deal,301\n502,Second deal,302\n503,Third deal,\n"),
		csvFile(kommo.EntityContacts, "contacts.csv", "Record ID,First Name,Last Name,Email\n301,Ada,Lovelace,ada@example.com\n302,Charles,Babbage,charles@example.com\n303,Alan,Turing,alan@example.com\n"),
	}
	count := func() [2]int {
		st := e.emu.Snapshot()
		return [2]int{len(st.Contacts), len(st.Leads)}
	}
	rep, err := Run(ctx, e.c, files, Options{Sample: 1, CreateFields: true, JobID: "sample"})
	if err != nil {
		t.Fatalf("sample run: %v", err)
	}
	if got := count(); got != [2]int{1, 1} {
		t.Fatalf("after the sample: contacts, leads = %v, want 1, 1", got)
	}
	var sampled []string
	for _, r := range rep.Records {
		sampled = append(sampled, r.Key)
	}
	slices.Sort(sampled)
	if !slices.Equal(sampled, []string{"301", "501"}) {
		t.Errorf("sample records = %v, want 301 and 501", sampled)
	}
	first := e.emu.Snapshot().Leads[0].ID
	if _, err := Run(ctx, e.c, files, Options{CreateFields: true, JobID: "rest"}); err != nil {
		t.Fatalf("full run: %v", err)
	}
	if got := count(); got != [2]int{3, 3} {
		t.Errorf("after the rest: contacts, leads = %v, want 3, 3 (the sample's updated, not duplicated)", got)
	}
	if l, _, err := e.c.Leads.Get(ctx, first); err != nil || l.Name != "First deal" {
		t.Errorf("the sampled deal %d after the rest = %v, %v; want it still there", first, l, err)
	}
}

// TestPhaseStages: the stage tuples of a leads file resolve through the
// Stages and Pipelines tables, then the account's names (won in any
// language); the stage columns become joins mapped to the ids, and what
// matches nothing is unmatched with the closest names.
func TestPhaseStages(t *testing.T) {
	schema := presetSchema()
	partners := &kommo.Pipeline{ID: 200, Name: "Partners"}
	partners.Embedded.Statuses = []*kommo.Status{{ID: 2001, Name: "Incoming leads", Type: 1}, {ID: 2002, Name: "Contract signed"},
		{ID: kommo.StatusWon, Name: "Closed - won"}, {ID: kommo.StatusLost, Name: "Closed - lost"}}
	schema.Pipelines = append(schema.Pipelines, partners)
	spec := &mapping.Spec{Entity: kommo.EntityLeads, Key: "Deal ID", Columns: []mapping.ColumnSpec{
		{Column: "Deal Name", Target: mapping.Target{Field: "name"}},
		{Column: "Pipeline", Target: mapping.Target{Field: "pipeline"}},
		{Column: "Stage", Target: mapping.Target{Field: "status"}},
	}}
	plan := stageColumns(spec)
	if plan == nil || plan.pipelineCol != "Pipeline" || !slices.Equal(plan.cols, []string{"Stage"}) {
		t.Fatalf("stageColumns = %+v, want Pipeline and Stage", plan)
	}
	f := &migFile{File: File{Name: "deals.csv", Spec: spec}, primary: kommo.EntityLeads, stage: plan, tuples: map[string]*stageTuple{}}
	for _, tp := range []*stageTuple{
		{pipeline: "Old sales", cells: []string{"Demo booked"}, rows: 3}, // both by table
		{pipeline: "Sales", cells: []string{"Ganado"}, rows: 2},          // won, in Spanish
		{pipeline: "Partners", cells: []string{"Signed"}, rows: 1},       // "Partners/Signed" → "Partners/Contract signed"
		{pipeline: "Sales", cells: []string{"Open"}, rows: 1},            // open: the pipeline's first stage
		{pipeline: "Sales", cells: []string{"Qualifed"}, rows: 4},        // a typo
		{pipeline: "Retail", cells: []string{"New"}, rows: 5},            // no such pipeline, nor stage
	} {
		f.tuples[plan.key(tp)] = tp
	}
	m := phaseMigration(nil, schema, Options{
		Pipelines: map[string]string{"old sales": "Sales"},
		Stages:    map[string]string{"Demo booked": "Qualified", "Partners/Signed": "Partners/Contract signed"},
	}, f)
	m.stages()

	var matched []string
	for _, vm := range m.rep.Stages {
		matched = append(matched, vm.Value+" → "+vm.To+" by "+vm.By)
	}
	wantMatched := []string{
		"Old sales | Demo booked → Sales / Qualified by table",
		"Partners | Signed → Partners / Contract signed by table",
		"Sales | Ganado → Sales / Closed - won by name",
		"Sales | Open → Sales by name",
	}
	if diff := cmp.Diff(wantMatched, matched); diff != "" {
		t.Errorf("stages matched (-want +got):\n%s", diff)
	}
	var unmatched []string
	for _, u := range m.rep.Unmatched {
		unmatched = append(unmatched, fmt.Sprintf("%s %s %q in %s, %d rows, closest %v", u.File, u.Kind, u.Value, u.Column, u.Rows, u.Closest))
	}
	wantUnmatched := []string{ // in the order of their keys
		`deals.csv pipeline "Retail" in Pipeline, 5 rows, closest []`,
		`deals.csv stage "New" in Stage, 5 rows, closest []`, // in no pipeline either
		`deals.csv stage "Qualifed" in Stage, 4 rows, closest [Qualified]`,
	}
	if diff := cmp.Diff(wantUnmatched, unmatched); diff != "" {
		t.Errorf("unmatched (-want +got):\n%s", diff)
	}

	// The spec: the stage columns replaced by two joins mapped to ids.
	var cols []string
	for _, c := range spec.Columns {
		cols = append(cols, c.Column)
	}
	if !slices.Equal(cols, []string{"Deal Name"}) || len(spec.Join) != 2 {
		t.Fatalf("spec after stages: columns %v, %d joins; want Deal Name and two joins", cols, len(spec.Join))
	}
	wantMaps := map[string]map[string]string{
		"pipeline": {"Old sales | Demo booked": "100", "Sales | Ganado": "100", "Partners | Signed": "200", "Sales | Open": "100"},
		"status":   {"Old sales | Demo booked": "1002", "Sales | Ganado": "142", "Partners | Signed": "2002", "Sales | Open": ""},
	}
	for _, j := range spec.Join {
		if !slices.Equal(j.Columns, []string{"Pipeline", "Stage"}) || j.Separator != " | " {
			t.Errorf("join %s: columns %v separator %q, want Pipeline, Stage and \" | \"", j.Field, j.Columns, j.Separator)
		}
		if diff := cmp.Diff(wantMaps[j.Field], j.Map); diff != "" {
			t.Errorf("join %s map (-want +got):\n%s", j.Field, diff)
		}
	}
}
