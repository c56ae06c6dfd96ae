package mapping

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// testSchema is a realistic account: three users, two pipelines, the
// predefined PHONE and EMAIL fields and a few custom fields of each type.
func testSchema() *Schema {
	pipeline := func(id int, name string, main bool, stages ...*kommo.Status) *kommo.Pipeline {
		p := &kommo.Pipeline{ID: id, Name: name, IsMain: main}
		stages = append(stages, &kommo.Status{ID: kommo.StatusWon, Name: "Closed - won"}, &kommo.Status{ID: kommo.StatusLost, Name: "Closed - lost"})
		for _, s := range stages {
			s.PipelineID = id
		}
		p.Embedded.Statuses = stages
		return p
	}
	enums := func(first int, values ...string) kommo.Enums {
		var out kommo.Enums
		for i, v := range values {
			out = append(out, kommo.Enum{ID: first + i, Value: v, Sort: i})
		}
		return out
	}
	phone := func(id int) *kommo.CustomField {
		return &kommo.CustomField{ID: id, Name: "Phone", Code: "PHONE", Type: kommo.FieldMultitext, IsPredefined: true,
			Enums: enums(id*100, "WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER")}
	}
	email := func(id int) *kommo.CustomField {
		return &kommo.CustomField{ID: id, Name: "Email", Code: "EMAIL", Type: kommo.FieldMultitext, IsPredefined: true,
			Enums: enums(id*100, "WORK", "PRIV", "OTHER")}
	}
	return &Schema{
		Users: []*kommo.User{
			{ID: 1, Name: "Ana Souza", Email: "ana@example.com"},
			{ID: 2, Name: "Иван Петров", Email: "Ivan@Example.ru"},
			{ID: 3, Name: "José Núñez", Email: "jose@example.es"},
			{ID: 4, Name: "Sam Lee", Email: "sam1@example.com"},
			{ID: 5, Name: "Sam Lee", Email: "sam2@example.com"},
		},
		Pipelines: []*kommo.Pipeline{
			pipeline(100, "Sales", true,
				&kommo.Status{ID: 1001, Name: "Incoming leads", Type: 1},
				&kommo.Status{ID: 1002, Name: "Qualified"},
				&kommo.Status{ID: 1003, Name: "Negotiation"}),
			pipeline(200, "Партнёры", false,
				&kommo.Status{ID: 2001, Name: "Неразобранное", Type: 1},
				&kommo.Status{ID: 2002, Name: "Переговоры"},
				&kommo.Status{ID: 2003, Name: "Qualified"},
				&kommo.Status{ID: 2004, Name: "Contract signed"}),
			pipeline(300, "Renewals", false,
				&kommo.Status{ID: 3001, Name: "Contract signed"}),
		},
		TaskTypes: []kommo.TaskType{{ID: 1, Name: "Follow-up"}, {ID: 2, Name: "Meeting"}, {ID: 7, Name: "Enviar propuesta", Code: "PROPOSAL"}},
		Fields: map[kommo.EntityType][]*kommo.CustomField{
			kommo.EntityContacts: {
				phone(10), email(11),
				{ID: 12, Name: "Position", Code: "POSITION", Type: kommo.FieldText},
				{ID: 13, Name: "Lead source", Type: kommo.FieldSelect, Enums: enums(21, "Website", "Referral", "Cold call", "Выставка")},
				{ID: 14, Name: "Interests", Type: kommo.FieldMultiselect, Enums: enums(31, "Software", "Hardware", "Consulting")},
				{ID: 15, Name: "Birthday", Type: kommo.FieldBirthday},
				{ID: 16, Name: "Score", Type: kommo.FieldNumeric},
				{ID: 17, Name: "VIP", Type: kommo.FieldCheckbox},
				{ID: 18, Name: "External ID", Code: "EXT_ID", Type: kommo.FieldText},
				{ID: 19, Name: "Products", Type: kommo.FieldItems},
			},
			kommo.EntityCompanies: {
				phone(20), email(21),
				{ID: 22, Name: "Web", Code: "WEB", Type: kommo.FieldURL},
				{ID: 23, Name: "Address", Code: "ADDRESS", Type: kommo.FieldTextarea},
			},
			kommo.EntityLeads: {
				{ID: 30, Name: "Deal source", Type: kommo.FieldSelect, Enums: enums(41, "Web", "Phone", "Événement")},
				{ID: 31, Name: "Contract date", Type: kommo.FieldDate},
				{ID: 32, Name: "Discount", Type: kommo.FieldNumeric},
				{ID: 33, Name: "Source ID", Code: "SOURCE_ID", Type: kommo.FieldText},
			},
		},
	}
}

func mustParse(t testing.TB, y string) *Spec {
	t.Helper()
	s, err := ParseSpec([]byte(y))
	if err != nil {
		t.Fatalf("ParseSpec: %v", err)
	}
	return s
}

func mustCompile(t testing.TB, y string, header []string) *Mapper {
	t.Helper()
	m, err := Compile(mustParse(t, y), testSchema(), header)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	m.File = "in.csv"
	return m
}

func TestMapContacts(t *testing.T) {
	const spec = `
entity: contacts
key: ID
match: email
options:
  region: RU
  time_zone: Europe/Moscow
  date_layouts: [dd.mm.yyyy]
  locale: ru
  name_order: family_first
columns:
  - {column: Full name, field: name, transforms: [split_name]}
  - {column: Work phone, field: PHONE, enum: WORK}
  - {column: Mobile, field: phone, enum: mob}
  - {column: E-mail, field: EMAIL, enum: PRIV}
  - {column: Job, field: POSITION}
  - {column: Source, field: Lead source}
  - {column: Interests, field: "14"}
  - {column: Born, field: Birthday}
  - {column: Score, field: score}
  - {column: VIP, field: VIP}
  - {column: Tags, field: tags}
  - {column: Owner, field: responsible_user}
  - {column: Created, field: created_at}
  - {column: Company, entity: companies, field: name}
constants:
  - {field: tags, value: import}
`
	header := []string{"ID", "Full name", "Work phone", "Mobile", "E-mail", "Job", "Source", "Interests", "Born", "Score", "VIP", "Tags", "Owner", "Created", "Company"}
	m := mustCompile(t, spec, header)
	msk := time.FixedZone("MSK", 3*3600)
	tests := []struct {
		name string
		rec  []string
		want *Row
	}{
		{
			name: "full row",
			rec: []string{" c-17 ", "Петров  Иван Иванович", "8 (495) 123-45-67", "+7 916 123-45-67; 89161234568", "Ivan.Petrov@Example.RU",
				"CTO", "выставка", "software, CONSULTING", "01.02.1980", "1 234,5", "да", "vip; 2024", "ivan@example.ru", "15.03.2024 10:30", "ООО «Ромашка»"},
			want: &Row{
				File: "in.csv", Line: 2, Key: "c-17", Entity: kommo.EntityContacts,
				PhoneRegion: RegionUse{Region: "RU", From: RegionFromSpec},
				Contact: &kommo.ContactRequest{
					// Free text is sent as the cell holds it; split_name reads the words.
					Name: "Петров  Иван Иванович", FirstName: "Иван Иванович", LastName: "Петров",
					ResponsibleUserID: 2,
					CreatedAt:         time.Date(2024, 3, 15, 10, 30, 0, 0, msk).Unix(),
					TagsToAdd:         []kommo.TagRef{{Name: "vip"}, {Name: "2024"}, {Name: "import"}},
					CustomFieldsValues: kommo.CustomFieldValues{
						{FieldID: 10, Values: []kommo.FieldValue{kommo.Multitext("+74951234567", "WORK"), kommo.Multitext("+79161234567", "MOB"), kommo.Multitext("+79161234568", "MOB")}},
						{FieldID: 11, Values: []kommo.FieldValue{kommo.Multitext("ivan.petrov@example.ru", "PRIV")}},
						{FieldID: 12, Values: []kommo.FieldValue{kommo.Text("CTO")}},
						{FieldID: 13, Values: []kommo.FieldValue{kommo.EnumID(24)}},
						{FieldID: 14, Values: []kommo.FieldValue{kommo.EnumID(31), kommo.EnumID(33)}},
						// A birthday is its day as written, at midnight of the account's zone (UTC: the schema names none).
						{FieldID: 15, Values: []kommo.FieldValue{kommo.Date(time.Date(1980, 2, 1, 0, 0, 0, 0, time.UTC))}},
						{FieldID: 16, Values: []kommo.FieldValue{kommo.Number(1234.5)}},
						{FieldID: 17, Values: []kommo.FieldValue{kommo.Checkbox(true)}},
					},
				},
				Company: &kommo.CompanyRequest{Name: "ООО «Ромашка»"},
				Match: map[kommo.EntityType]MatchKey{
					kommo.EntityContacts:  {Kind: MatchEmail, Values: []string{"ivan.petrov@example.ru"}},
					kommo.EntityCompanies: {Kind: MatchName, Values: []string{"ооо ромашка"}},
				},
				Columns: map[string]string{
					"contacts:name": "Full name", "contacts:first_name": "Full name", "contacts:last_name": "Full name",
					"contacts:custom_fields_values.0":          "Work phone",
					"contacts:custom_fields_values.0.values.1": "Mobile",
					"contacts:custom_fields_values.0.values.2": "Mobile",
					"contacts:custom_fields_values.1":          "E-mail",
					"contacts:custom_fields_values.2":          "Job",
					"contacts:custom_fields_values.3":          "Source",
					"contacts:custom_fields_values.4":          "Interests",
					"contacts:custom_fields_values.5":          "Born",
					"contacts:custom_fields_values.6":          "Score",
					"contacts:custom_fields_values.7":          "VIP",
					"contacts:tags_to_add":                     "Tags",
					"contacts:responsible_user_id":             "Owner",
					"contacts:created_at":                      "Created",
					"companies:name":                           "Company",
				},
			},
		},
		{
			name: "empty cells send nothing",
			rec:  []string{"c-18", "Smith", "", "", "", "", "", "", "", "", "", "", "", "", ""},
			want: &Row{
				File: "in.csv", Line: 2, Key: "c-18", Entity: kommo.EntityContacts,
				Contact: &kommo.ContactRequest{Name: "Smith", FirstName: "Smith", TagsToAdd: []kommo.TagRef{{Name: "import"}}},
				Match:   map[kommo.EntityType]MatchKey{kommo.EntityContacts: {Kind: MatchEmail}},
				Columns: map[string]string{"contacts:name": "Full name", "contacts:first_name": "Full name", "contacts:last_name": "Full name"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := m.Map(sheet.Record{Row: 2, Values: tt.rec})
			if errs != nil {
				t.Fatalf("Map(%q) errors: %v", tt.rec, errs)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Map(%q) mismatch (-want +got):\n%s", tt.rec, diff)
			}
		})
	}
}

func TestMapLeadWithContactAndCompany(t *testing.T) {
	const spec = `
entity: leads
key: Deal ID
match: {leads: "field:Source ID", contacts: phone, companies: name}
options: {region: BR, locale: pt-BR, date_layouts: [dd/mm/yyyy], time_zone: "-03:00"}
columns:
  - {column: Deal ID, field: SOURCE_ID}
  - {column: Title, field: name}
  - {column: Value, field: price}
  - {column: Pipeline, field: pipeline}
  - {column: Stage, field: status, map: {Ganho: won, Em negociação: Negotiation}}
  - {column: Owner, field: responsible_user}
  - {column: Source, field: Deal source}
  - {column: Person, entity: contacts, field: name}
  - {column: Person phone, entity: contacts, field: PHONE, enum: MOB}
  - {column: Organization, entity: companies, field: name}
  - {column: Site, entity: companies, field: web}
join:
  - {columns: [Street, City], separator: ", ", entity: companies, field: Address}
refs:
  - {column: Org ID, entity: companies}
`
	header := []string{"Deal ID", "Title", "Value", "Pipeline", "Stage", "Owner", "Source", "Person", "Person phone", "Organization", "Site", "Street", "City", "Org ID"}
	m := mustCompile(t, spec, header)
	tests := []struct {
		name string
		rec  []string
		want *Row
	}{
		{
			name: "lead with contact and company",
			rec:  []string{"D-1", "Big deal", "R$ 12.500", "", "Em negociação", "JOSE NUNEZ", "événement", "Maria Silva", "(11) 91234-5678", "ACME Ltda", "acme.com.br", "Av. Paulista 1000", "São Paulo", "O-9"},
			want: &Row{
				File: "in.csv", Line: 5, Key: "D-1", Entity: kommo.EntityLeads,
				PhoneRegion: RegionUse{Region: "BR", From: RegionFromSpec},
				Lead: &kommo.LeadRequest{Name: "Big deal", Price: ptr(12500.0), StatusID: 1003, PipelineID: 100, ResponsibleUserID: 3,
					CustomFieldsValues: kommo.CustomFieldValues{
						{FieldID: 33, Values: []kommo.FieldValue{kommo.Text("D-1")}},
						{FieldID: 30, Values: []kommo.FieldValue{kommo.EnumID(43)}},
					}},
				Contact: &kommo.ContactRequest{Name: "Maria Silva", CustomFieldsValues: kommo.CustomFieldValues{
					{FieldID: 10, Values: []kommo.FieldValue{kommo.Multitext("+5511912345678", "MOB")}},
				}},
				Company: &kommo.CompanyRequest{Name: "ACME Ltda", CustomFieldsValues: kommo.CustomFieldValues{
					{FieldID: 22, Values: []kommo.FieldValue{kommo.Text("acme.com.br")}},
					{FieldID: 23, Values: []kommo.FieldValue{kommo.Text("Av. Paulista 1000, São Paulo")}},
				}},
				Match: map[kommo.EntityType]MatchKey{
					kommo.EntityLeads:     {Kind: MatchField, FieldID: 33, Values: []string{"D-1"}},
					kommo.EntityContacts:  {Kind: MatchPhone, Values: []string{"+5511912345678"}},
					kommo.EntityCompanies: {Kind: MatchName, Values: []string{"acme ltda"}},
				},
				Refs: map[kommo.EntityType]string{kommo.EntityCompanies: "O-9"},
				Columns: map[string]string{
					"leads:custom_fields_values.0": "Deal ID", "leads:name": "Title", "leads:price": "Value",
					"leads:status_id": "Stage", "leads:pipeline_id": "Stage", "leads:responsible_user_id": "Owner",
					"leads:custom_fields_values.1": "Source",
					"contacts:name":                "Person", "contacts:custom_fields_values.0": "Person phone",
					"companies:name": "Organization", "companies:custom_fields_values.0": "Site", "companies:ref": "Org ID",
					"companies:custom_fields_values.1": "Street + City",
				},
			},
		},
		{
			name: "lead alone, won in another pipeline",
			rec:  []string{"D-2", "Renewal", "", "партнеры", "Ganho", "", "", "", "", "", "", "", "", ""},
			want: &Row{
				File: "in.csv", Line: 5, Key: "D-2", Entity: kommo.EntityLeads,
				Lead: &kommo.LeadRequest{Name: "Renewal", StatusID: 142, PipelineID: 200, CustomFieldsValues: kommo.CustomFieldValues{
					{FieldID: 33, Values: []kommo.FieldValue{kommo.Text("D-2")}},
				}},
				Match: map[kommo.EntityType]MatchKey{kommo.EntityLeads: {Kind: MatchField, FieldID: 33, Values: []string{"D-2"}}},
				Columns: map[string]string{
					"leads:custom_fields_values.0": "Deal ID", "leads:name": "Title",
					"leads:status_id": "Stage", "leads:pipeline_id": "Pipeline",
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := m.Map(sheet.Record{Row: 5, Values: tt.rec})
			if errs != nil {
				t.Fatalf("Map(%q) errors: %v", tt.rec, errs)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Map(%q) mismatch (-want +got):\n%s", tt.rec, diff)
			}
			for path, col := range map[string]string{"custom_fields_values.1.values.0.value": "Source", "status_id": "Stage"} {
				if tt.name == "lead with contact and company" {
					if c := got.Column(kommo.EntityLeads, path); c != col {
						t.Errorf("Column(leads, %q) = %q, want %q", path, c, col)
					}
				}
			}
		})
	}
}

func TestMapTasks(t *testing.T) {
	const spec = `
entity: tasks
options: {date_layouts: ["mm/dd/yyyy HH:mm"], time_zone: UTC}
columns:
  - {column: What, field: text}
  - {column: Due, field: complete_till}
  - {column: Type, field: task_type}
  - {column: Kind, field: entity_type}
  - {column: Deal, field: entity_id}
  - {column: Done, field: is_completed}
  - {column: Outcome, field: result}
  - {column: Who, field: responsible_user}
refs:
  - {column: Lead key, entity: leads}
`
	header := []string{"What", "Due", "Type", "Kind", "Deal", "Done", "Outcome", "Who", "Lead key"}
	m := mustCompile(t, spec, header)
	got, errs := m.Map(sheet.Record{Row: 3, Values: []string{"Call back", "03/15/2024 14:00", "proposal", "deal", "555", "no", "", "ana@example.com", "L-1"}})
	if errs != nil {
		t.Fatalf("Map errors: %v", errs)
	}
	want := &kommo.TaskRequest{Text: "Call back", CompleteTill: time.Date(2024, 3, 15, 14, 0, 0, 0, time.UTC).Unix(), TaskTypeID: 7,
		EntityType: kommo.EntityLeads, EntityID: 555, IsCompleted: ptr(false), ResponsibleUserID: 1}
	if diff := cmp.Diff(want, got.Task); diff != "" {
		t.Errorf("Map task mismatch (-want +got):\n%s", diff)
	}
	if got.Refs[kommo.EntityLeads] != "L-1" || got.Lead != nil || got.Entity != kommo.EntityTasks {
		t.Errorf("Map = refs %v, lead %v, entity %v; want L-1, nil, tasks", got.Refs, got.Lead, got.Entity)
	}
	// The reference names its column, for its warning: the lead is not
	// required, so a key that names nothing costs the row its link only.
	if got.Column(kommo.EntityLeads, "ref") != "Lead key" || got.RequiredRefs != nil {
		t.Errorf("ref column %q, required %v; want \"Lead key\", none", got.Column(kommo.EntityLeads, "ref"), got.RequiredRefs)
	}
	w := got.RefNotFound(kommo.EntityLeads, "L-1")
	if w.String() != `in.csv: row 3, column "Lead key", field "leads.ref": not linked: no lead "L-1" in this run or the journals given` || w.Code != WarnRefNotFound || w.Reason != "lead" {
		t.Errorf("RefNotFound = %q (%s, %s)", w, w.Code, w.Reason)
	}
	var sum Summary
	sum.AddWarnings([]*RowWarning{w})
	if c := sum.Causes()[0].String(); c != "Lead key: 1 row landed without its link (the lead is in no file of this run: add its file, or its import's journal (--refs))" {
		t.Errorf("cause = %q", c)
	}
	req := mustCompile(t, strings.Replace(spec, "entity: leads}", "entity: leads, required: true}", 1), header)
	if got, _ := req.Map(sheet.Record{Row: 3, Values: []string{"Call back", "03/15/2024 14:00", "proposal", "deal", "555", "no", "", "ana@example.com", "L-1"}}); !slices.Equal(got.RequiredRefs, []kommo.EntityType{kommo.EntityLeads}) {
		t.Errorf("required ref: RequiredRefs = %v", got.RequiredRefs)
	}

	_, errs = m.Map(sheet.Record{Row: 4, Values: []string{"", "", "meeting", "", "", "", "", "", ""}})
	var gotFields []string
	for _, e := range errs {
		if !errors.Is(e, ErrRequired) {
			t.Errorf("error %v does not wrap ErrRequired", e)
		}
		gotFields = append(gotFields, e.Field+"@"+e.Column)
	}
	if diff := cmp.Diff([]string{"tasks.text@", "tasks.complete_till@"}, gotFields); diff != "" {
		t.Errorf("Map(task without text and deadline) errors (-want +got):\n%s", diff)
	}
}

func TestMapRowErrors(t *testing.T) {
	const spec = `
entity: leads
options: {region: RU}
columns:
  - {column: Name, field: name, required: true}
  - {column: Pipeline, field: pipeline}
  - {column: Stage, field: status}
  - {column: Owner, field: responsible_user}
  - {column: Budget, field: price}
  - {column: Phone, entity: contacts, field: PHONE, on_invalid: error}
  - {column: Email, entity: contacts, field: EMAIL, on_invalid: error}
  - {column: Source, field: Deal source}
  - {column: Date, field: Contract date}
`
	header := []string{"Name", "Pipeline", "Stage", "Owner", "Budget", "Phone", "Email", "Source", "Date"}
	m := mustCompile(t, spec, header)
	m.Sheet = "Deals"
	type rowErr struct{ Column, Field, Value, Err string }
	tests := []struct {
		name string
		rec  []string
		want []rowErr
	}{
		{"unknown stage is an error, not a default", []string{"A", "Sales", "Negotation", "", "", "", "", "", ""},
			[]rowErr{{"Stage", "leads.status", "Negotation", `unknown stage "Negotation" in pipeline "Sales"; did you mean "Negotiation"?`}}},
		{"stage of another pipeline", []string{"A", "Sales", "Переговоры", "", "", "", "", "", ""},
			[]rowErr{{"Stage", "leads.status", "Переговоры", `unknown stage "Переговоры" in pipeline "Sales"`}}},
		{"ambiguous stage without pipeline", []string{"A", "", "Contract signed", "", "", "", "", "", ""},
			[]rowErr{{"Stage", "leads.status", "Contract signed", `stage "Contract signed" is ambiguous: pipeline "Партнёры" (stage id 2004), pipeline "Renewals" (stage id 3001); use the id`}}},
		{"pipeline / stage of another pipeline than the row's", []string{"A", "Sales", "Renewals / Contract signed", "", "", "", "", "", ""},
			[]rowErr{{"Stage", "leads.status", "Renewals / Contract signed", `unknown stage "Renewals / Contract signed" in pipeline "Sales"`}}},
		{"pipeline / unknown stage", []string{"A", "", "Renewals / Qualified", "", "", "", "", "", ""},
			[]rowErr{{"Stage", "leads.status", "Renewals / Qualified", `unknown stage "Qualified" in pipeline "Renewals"`}}},
		{"unknown pipeline", []string{"A", "Sale", "", "", "", "", "", "", ""},
			[]rowErr{{"Pipeline", "leads.pipeline", "Sale", `unknown pipeline "Sale"; did you mean "Sales"?`}}},
		{"ambiguous user", []string{"A", "", "", "sam lee", "", "", "", "", ""},
			[]rowErr{{"Owner", "leads.responsible_user", "sam lee", `user "sam lee" is ambiguous: "Sam Lee" <sam1@example.com> (id 4), "Sam Lee" <sam2@example.com> (id 5); use the id`}}},
		{"several bad cells", []string{"", "", "", "", "12,5 each", "12345", "a@b", "Webb", "31.02.2024"},
			[]rowErr{
				{"Name", "leads.name", "", "value required"},
				{"Budget", "leads.price", "12,5 each", `invalid number: "12,5 each" has an unexpected 'e'`},
				{"Phone", "contacts.PHONE", "12345", "invalid phone number: too short for country code +7"},
				{"Email", "contacts.EMAIL", "a@b", `invalid email: domain "b" has no dot`},
				{"Source", "leads.Deal source", "Webb", `unknown option "Webb" in field "Deal source"; did you mean "Web"?`},
				{"Date", "leads.Contract date", "31.02.2024", `invalid date: "31.02.2024" is not ISO 8601 (yyyy-mm-dd); configure a layout such as dd.mm.yyyy or mm/dd/yyyy`},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row, errs := m.Map(sheet.Record{Row: 9, Values: tt.rec})
			if row != nil {
				t.Errorf("Map(%q) row = %+v, want nil", tt.rec, row)
			}
			var got []rowErr
			for _, e := range errs {
				if e.File != "in.csv" || e.Sheet != "Deals" || e.Row != 9 {
					t.Errorf("RowError position = %q %q %d, want in.csv Deals 9", e.File, e.Sheet, e.Row)
				}
				got = append(got, rowErr{e.Column, e.Field, e.Value, e.Err.Error()})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Map(%q) errors (-want +got):\n%s", tt.rec, diff)
			}
		})
	}
}

func TestResolveNames(t *testing.T) {
	header := []string{"V"}
	tests := []struct {
		name  string
		field string // a leads field mapped from column V
		value string
		check func(r *Row) any
		want  any
	}{
		{"stage case", "status", "QUALIFIED", func(r *Row) any { return r.Lead.StatusID }, 1002},
		{"stage id", "status", "1003", func(r *Row) any { return r.Lead.StatusID }, 1003},
		{"won english", "status", "Closed won", func(r *Row) any { return r.Lead.StatusID }, 142},
		{"won russian", "status", "Успешно реализовано", func(r *Row) any { return r.Lead.StatusID }, 142},
		{"lost spanish", "status", "Venta perdida", func(r *Row) any { return r.Lead.StatusID }, 143},
		{"stage only in other pipeline", "status", "переговоры", func(r *Row) any { return [2]int{r.Lead.PipelineID, r.Lead.StatusID} }, [2]int{200, 2002}},
		{"pipeline / stage", "status", "Renewals / Contract signed", func(r *Row) any { return [2]int{r.Lead.PipelineID, r.Lead.StatusID} }, [2]int{300, 3001}},
		{"pipeline/stage any case", "status", "партнёры/contract SIGNED", func(r *Row) any { return [2]int{r.Lead.PipelineID, r.Lead.StatusID} }, [2]int{200, 2004}},
		{"pipeline / won", "status", "Renewals / Closed - won", func(r *Row) any { return [2]int{r.Lead.PipelineID, r.Lead.StatusID} }, [2]int{300, 142}},
		{"pipeline accents", "pipeline", "ПАРТНЕРЫ", func(r *Row) any { return r.Lead.PipelineID }, 200},
		{"pipeline id", "pipeline", "300", func(r *Row) any { return r.Lead.PipelineID }, 300},
		{"price with cents kept", "price", "1 234,56", func(r *Row) any { return *r.Lead.Price }, 1234.56},
		{"price with a decimal point", "price", "12.50", func(r *Row) any { return *r.Lead.Price }, 12.5},
		{"whole price", "price", "1500", func(r *Row) any { return *r.Lead.Price }, 1500.0},
		{"user by name without accents", "responsible_user", "jose nunez", func(r *Row) any { return r.Lead.ResponsibleUserID }, 3},
		{"user by email any case", "responsible_user", "IVAN@example.RU", func(r *Row) any { return r.Lead.ResponsibleUserID }, 2},
		{"user cyrillic", "responsible_user", "иван петров", func(r *Row) any { return r.Lead.ResponsibleUserID }, 2},
		{"user id", "responsible_user", "5", func(r *Row) any { return r.Lead.ResponsibleUserID }, 5},
		{"option accents", "Deal source", "EVENEMENT", func(r *Row) any { return r.Lead.CustomFieldsValues[0].Values[0].EnumID }, 43},
		{"option id", "deal source", "42", func(r *Row) any { return r.Lead.CustomFieldsValues[0].Values[0].EnumID }, 42},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustCompile(t, "entity: leads\ncolumns: [{column: V, field: \""+tt.field+"\"}]", header)
			r, errs := m.Map(sheet.Record{Row: 2, Values: []string{tt.value}})
			if errs != nil {
				t.Fatalf("Map(%q → %s) errors: %v", tt.value, tt.field, errs)
			}
			if got := tt.check(r); !cmp.Equal(got, tt.want) {
				t.Errorf("Map(%q → %s) = %v, want %v", tt.value, tt.field, got, tt.want)
			}
		})
	}
}

func TestMapClearIfEmpty(t *testing.T) {
	m := mustCompile(t, `
entity: contacts
columns:
  - {column: Name, field: name}
  - {column: Score, field: Score, clear_if_empty: true}
  - {column: Tags, field: tags, clear_if_empty: true}
  - {column: Position, field: position, map: {n/a: ""}}
`, []string{"Name", "Score", "Tags", "Position"})
	got, errs := m.Map(sheet.Record{Row: 2, Values: []string{"Ann", "", "", "N/A"}})
	if errs != nil {
		t.Fatal(errs)
	}
	want := &kommo.ContactRequest{Name: "Ann",
		CustomFieldsValues: kommo.CustomFieldValues{{FieldID: 16}},
		Embedded:           &kommo.EntityRequestEmbedded{Tags: []kommo.TagRef{}}}
	if diff := cmp.Diff(want, got.Contact); diff != "" {
		t.Errorf("Map(empty cells with clear_if_empty) (-want +got):\n%s", diff)
	}
	if c := got.Column(kommo.EntityContacts, "custom_fields_values.0"); c != "Score" {
		t.Errorf("Column(custom_fields_values.0) = %q, want Score", c)
	}
}

func TestCompileErrors(t *testing.T) {
	header := []string{"Name", "Email", "Phone", "Stage", "Company"}
	tests := []struct {
		name string
		spec string
		want []string // substrings, one per expected error
	}{
		{"unknown field", "entity: contacts\ncolumns: [{column: Email, field: Emial}]",
			[]string{`spec (columns[0].field): unknown field "Emial" in contacts; did you mean "Email"`}},
		{"unknown standard field", "entity: leads\ncolumns: [{column: Stage, field: stauts}]",
			[]string{`did you mean "status"`}},
		{"standard field of another entity", "entity: contacts\ncolumns: [{column: Stage, field: price}]",
			[]string{`unknown field "price" in contacts`}},
		{"unknown column", "entity: contacts\ncolumns: [{column: Emial, field: EMAIL}]",
			[]string{`spec (columns[0].column): column "Emial" is not in the file; did you mean "Email"?`}},
		{"unknown key column", "entity: contacts\nkey: Id\ncolumns: [{column: Name, field: name}]",
			[]string{`(key): column "Id" is not in the file`}},
		{"all errors at once", "entity: contacts\ncolumns: [{column: Nme, field: name}, {column: Email, field: EMAIL, enum: WROK}]",
			[]string{`column "Nme" is not in the file; did you mean "Name"?`, `field "Email" has no enum "WROK"; did you mean "WORK"?`}},
		{"unknown entity", "entity: contact\ncolumns: []", nil},
		{"bad entity", "entity: deals2\ncolumns: []", []string{`unknown entity "deals2"`}},
		{"unknown transform", "entity: contacts\ncolumns: [{column: Email, field: EMAIL, transforms: [lowr]}]",
			[]string{`unknown transform "lowr"; did you mean "lower"?`}},
		{"constant stage", "entity: leads\ncolumns: [{column: Name, field: name}]\nconstants: [{field: status, value: Negotation}]",
			[]string{`constants): field leads.status: unknown stage "Negotation" in any pipeline; did you mean "Negotiation"?`}},
		{"constant user", "entity: leads\ncolumns: [{column: Name, field: name}]\nconstants: [{field: responsible_user, value: Anna Sousa}]",
			[]string{`unknown user "Anna Sousa"; did you mean "Ana Souza"?`}},
		{"field mapped twice", "entity: contacts\ncolumns: [{column: Name, field: name}, {column: Company, field: name}]",
			[]string{`(columns[1].field): field name of contacts is already mapped by columns[0]`}},
		{"join of a missing column", "entity: contacts\njoin: [{columns: [Name, Nme], field: name}]",
			[]string{`(join[0].columns[1]): column "Nme" is not in the file; did you mean "Name"?`}},
		{"join of no columns", "entity: contacts\ncolumns: [{column: Email, field: EMAIL}]\njoin: [{columns: [], field: name}]",
			[]string{`(join[0].columns): no columns to join`}},
		{"match email without EMAIL", "entity: contacts\nmatch: email\ncolumns: [{column: Name, field: name}]",
			[]string{`match email for contacts needs a column mapped to the EMAIL field of contacts`}},
		{"unknown match", "entity: contacts\nmatch: emial\ncolumns: [{column: Email, field: EMAIL}]",
			[]string{`unknown match key "emial"; did you mean "email"?`}},
		{"cannot clear name", "entity: contacts\ncolumns: [{column: Name, field: name, clear_if_empty: true}]",
			[]string{`field name cannot be cleared`}},
		{"unsupported field type", "entity: contacts\ncolumns: [{column: Name, field: Products}]",
			[]string{`field "Products" has type items, which cannot be imported from a cell`}},
		{"bad region and zone", "entity: contacts\noptions: {region: XX, time_zone: Mars/Olympus}\ncolumns: [{column: Name, field: name}]",
			[]string{`unknown phone region "XX"`, `unknown time zone "Mars/Olympus"`}},
		{"constants without columns", "entity: leads\ncolumns: [{column: Name, field: name}]\nconstants: [{entity: contacts, field: tags, value: x}]",
			[]string{`constants for contacts, but no column maps to contacts`}},
		{"split_name on a lead", "entity: leads\ncolumns: [{column: Name, field: name, transforms: [split_name]}]",
			[]string{`split_name applies to the name of contacts`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(mustParse(t, tt.spec), testSchema(), header)
			if tt.want == nil {
				if err != nil {
					t.Errorf("Compile(%q) = %v, want nil", tt.spec, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Compile(%q) = nil, want errors %q", tt.spec, tt.want)
			}
			var se *SpecError
			if !errors.As(err, &se) {
				t.Errorf("Compile(%q) = %T, want a *SpecError", tt.spec, err)
			}
			n := len(strings.Split(err.Error(), "\n"))
			if n != len(tt.want) {
				t.Errorf("Compile(%q) gave %d errors, want %d:\n%v", tt.spec, n, len(tt.want), err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Compile(%q) = %v, want it to contain %q", tt.spec, err, w)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
