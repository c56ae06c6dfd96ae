package mapping

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

func TestPropose(t *testing.T) {
	type col struct {
		Entity kommo.EntityType
		Field  string
		Enum   string
		Reason string
	}
	C, L, K := kommo.EntityContacts, kommo.EntityLeads, kommo.EntityCompanies
	tests := []struct {
		name     string
		entity   kommo.EntityType
		header   []string
		sample   [][]string
		wantKey  string
		wantRefs []RefSpec
		want     map[string]col // columns not listed must stay unmapped
	}{
		{
			name:   "HubSpot contacts",
			entity: C,
			header: []string{"Record ID", "First Name", "Last Name", "Email", "Phone Number", "Job Title", "Company Name", "Contact owner", "Lead Status", "Create Date", "Associated Company ID", "Country/Region"},
			sample: [][]string{
				{"101", "Ann", "Lee", "ann@example.com", "+1 202 555 0100", "CTO", "ACME", "Ana Souza", "New", "2024-03-01", "77", "US"},
				{"102", "Bob", "Ray", "bob@example.com", "(202) 555-0101", "", "", "Ana Souza", "Open", "2024-03-02", "", "US"},
			},
			wantKey:  "Record ID",
			wantRefs: []RefSpec{{Column: "Associated Company ID", Entity: K}},
			want: map[string]col{
				"First Name":    {C, "first_name", "", "normalized"},
				"Last Name":     {C, "last_name", "", "normalized"},
				"Email":         {C, "EMAIL", "WORK", "exact"},
				"Phone Number":  {C, "PHONE", "WORK", "alias"},
				"Job Title":     {C, "POSITION", "", "alias"},
				"Company Name":  {K, "name", "", "alias"},
				"Contact owner": {C, "responsible_user", "", "alias"},
				"Create Date":   {C, "created_at", "", "alias"},
			},
		},
		{
			name:    "Bitrix24 leads in Russian",
			entity:  L,
			header:  []string{"ID", "Название лида", "Имя", "Фамилия", "Рабочий телефон", "Мобильный телефон", "Рабочий e-mail", "Частный e-mail", "Название компании", "Должность", "Стадия", "Ответственный", "Дата закрытия", "Комментарий"},
			wantKey: "ID",
			want: map[string]col{
				"Название лида":     {L, "name", "", "alias"},
				"Имя":               {C, "first_name", "", "alias"},
				"Фамилия":           {C, "last_name", "", "alias"},
				"Рабочий телефон":   {C, "PHONE", "WORK", "alias"},
				"Мобильный телефон": {C, "PHONE", "MOB", "alias"},
				"Рабочий e-mail":    {C, "EMAIL", "WORK", "alias"},
				"Частный e-mail":    {C, "EMAIL", "PRIV", "alias"},
				"Название компании": {K, "name", "", "alias"},
				"Должность":         {C, "POSITION", "", "alias"},
				"Стадия":            {L, "status", "", "alias"},
				"Ответственный":     {L, "responsible_user", "", "alias"},
				"Дата закрытия":     {L, "closed_at", "", "alias"},
			},
		},
		{
			name:   "Pipedrive deals with people and organizations",
			entity: L,
			header: []string{"Deal - ID", "Deal - Title", "Deal - Owner", "Deal - Pipeline", "Deal - Stage", "Deal - Value", "Deal - Currency",
				"Organization - Name", "Organization - ID", "Person - Name", "Person - Email (Work)", "Person - Phone (Mobile)", "Osoba - Telefon"},
			wantKey:  "Deal - ID",
			wantRefs: []RefSpec{{Column: "Organization - ID", Entity: K}},
			want: map[string]col{
				"Deal - Title":            {L, "name", "", "alias"},
				"Deal - Owner":            {L, "responsible_user", "", "alias"},
				"Deal - Pipeline":         {L, "pipeline", "", "normalized"},
				"Deal - Stage":            {L, "status", "", "alias"},
				"Deal - Value":            {L, "price", "", "alias"},
				"Organization - Name":     {K, "name", "", "normalized"},
				"Person - Name":           {C, "name", "", "normalized"},
				"Person - Email (Work)":   {C, "EMAIL", "WORK", "alias"},
				"Person - Phone (Mobile)": {C, "PHONE", "MOB", "alias"},
				"Osoba - Telefon":         {C, "PHONE", "WORK", "alias"},
			},
		},
		{
			name:   "Spanish and German, custom fields, fuzzy and values",
			entity: C,
			header: []string{"Nombre", "Apellido", "Teléfono", "Firma", "Lead Source", "Intrests", "Kontakt"},
			sample: [][]string{{"Ana", "Ruiz", "+34 600 123 456", "ACME", "Website", "Software", "ana@example.es"}},
			want: map[string]col{
				"Nombre":      {C, "first_name", "", "alias"},
				"Apellido":    {C, "last_name", "", "alias"},
				"Teléfono":    {C, "PHONE", "WORK", "alias"},
				"Firma":       {K, "name", "", "alias"},
				"Lead Source": {C, "Lead source", "", "normalized"},
				"Intrests":    {C, "Interests", "", "fuzzy"},
				"Kontakt":     {C, "EMAIL", "WORK", "values"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Propose(tt.header, tt.sample, tt.entity, testSchema())
			if p.Key != tt.wantKey {
				t.Errorf("Propose().Key = %q, want %q", p.Key, tt.wantKey)
			}
			if diff := cmp.Diff(tt.wantRefs, p.Refs); diff != "" {
				t.Errorf("Propose().Refs (-want +got):\n%s", diff)
			}
			got := map[string]col{}
			for _, c := range p.Columns {
				if c.Field != "" {
					got[c.Column] = col{c.Entity, c.Field, c.Enum, c.Reason}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Propose(%q) (-want +got):\n%s", tt.header, diff)
			}
		})
	}
}

func TestProposeConfidenceOrder(t *testing.T) {
	header := []string{"Email", "first name", "Phone Number", "Frist Name", "Job Titel"}
	p := Propose(header, nil, kommo.EntityContacts, testSchema())
	conf := map[string]float64{}
	for _, c := range p.Columns {
		conf[c.Column] = c.Confidence
	}
	// exact > normalized > alias > fuzzy, and fuzzy stays in 0.5..0.7.
	order := []string{"Email", "first name", "Phone Number", "Job Titel"}
	for i := 1; i < len(order); i++ {
		if conf[order[i-1]] <= conf[order[i]] {
			t.Errorf("confidence(%q) = %v, want more than confidence(%q) = %v", order[i-1], conf[order[i-1]], order[i], conf[order[i]])
		}
	}
	if c := conf["Job Titel"]; c < MinConfidence || c > ConfidenceFuzzy {
		t.Errorf("confidence(fuzzy %q) = %v, want within [%v, %v]", "Job Titel", c, MinConfidence, ConfidenceFuzzy)
	}
	// "Frist Name" is close to first_name, but "first name" has it.
	if p.Columns[3].Field != "" && p.Columns[3].Field == "first_name" {
		t.Errorf("Propose gave first_name to two columns")
	}
	// Values that contradict the header lower the confidence.
	q := Propose([]string{"Email"}, [][]string{{"not an email"}, {"nope"}}, kommo.EntityContacts, testSchema())
	if c := q.Columns[0].Confidence; c >= conf["Email"] {
		t.Errorf("confidence(Email with non-email values) = %v, want less than %v", c, conf["Email"])
	}
}

// TestProposalSpecRoundTrip saves a proposed spec as YAML, parses it back
// and compiles it against the file it was proposed for.
func TestProposalSpecRoundTrip(t *testing.T) {
	header := []string{"Deal - ID", "Deal - Title", "Deal - Stage", "Deal - Value", "Person - Name", "Person - Email (Work)", "Person - Phone (Mobile)", "Organization - Name", "Organization - ID", "Notes"}
	p := Propose(header, nil, kommo.EntityLeads, testSchema())
	spec := p.Spec()
	var buf bytes.Buffer
	if err := spec.WriteYAML(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := ParseSpec(buf.Bytes())
	if err != nil {
		t.Fatalf("ParseSpec(proposal YAML) error: %v\n%s", err, buf.Bytes())
	}
	if diff := cmp.Diff(spec, back); diff != "" {
		t.Errorf("ParseSpec(WriteYAML(spec)) mismatch (-want +got):\n%s", diff)
	}
	m, err := Compile(back, testSchema(), header)
	if err != nil {
		t.Fatalf("Compile(proposed spec) error: %v\n%s", err, buf.Bytes())
	}
	row, errs := m.Map(sheet.Record{Row: 2, Values: []string{"D1", "Deal", "Qualified", "1,000", "Ann Lee", "Ann@Example.com", "+1 202 555 0100", "ACME", "O1", "n/a"}})
	if errs != nil {
		t.Fatalf("Map() errors: %v", errs)
	}
	if row.Key != "D1" || row.Lead.StatusID != 1002 || row.Contact == nil || row.Company == nil || row.Refs[kommo.EntityCompanies] != "O1" {
		t.Errorf("Map() = %+v, want a lead in stage 1002 with contact, company and ref O1", row)
	}
	want := `entity: leads
key: Deal - ID
columns:
  - column: Deal - Title
    field: name
  - column: Deal - Stage
    field: status
  - column: Deal - Value
    field: price
  - column: Person - Name
    entity: contacts
    field: name
  - column: Person - Email (Work)
    entity: contacts
    field: EMAIL
    enum: WORK
  - column: Person - Phone (Mobile)
    entity: contacts
    field: PHONE
    enum: MOB
  - column: Organization - Name
    entity: companies
    field: name
refs:
  - column: Organization - ID
    entity: companies
`
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("WriteYAML(proposal) (-want +got):\n%s", diff)
	}
}

func FuzzPropose(f *testing.F) {
	f.Add("Person - Email (Work)", "a@b.co", "ID")
	f.Add("Телефон", "+7 999 123-45-67", "Deal - ID")
	f.Fuzz(func(t *testing.T, h1, v1, h2 string) {
		p := Propose([]string{h1, h2}, [][]string{{v1, v1}}, kommo.EntityLeads, testSchema())
		if len(p.Columns) != 2 {
			t.Fatalf("Propose gave %d columns, want 2", len(p.Columns))
		}
		for _, c := range p.Columns {
			if c.Confidence < 0 || c.Confidence > 1 {
				t.Errorf("confidence %v out of range", c.Confidence)
			}
		}
	})
}

// Without an account, a proposal maps the standard fields and the fields
// every account has, by their codes: the spec compiles against a real
// account's schema.
func TestProposeWithStandardSchema(t *testing.T) {
	header := []string{"Deal - ID", "Deal - Title", "Deal - Stage", "Deal - Owner", "Person - Name", "Person - Email (Work)", "Person - Phone (Mobile)",
		"Person - Job title", "Organization - Name", "Organization - Website", "Lead score"}
	p := Propose(header, nil, kommo.EntityLeads, StandardSchema())
	got := map[string]string{}
	for _, c := range p.Columns {
		if c.Field != "" {
			got[c.Column] = string(c.Entity) + "." + c.Field
		}
	}
	want := map[string]string{
		"Deal - Title": "leads.name", "Deal - Stage": "leads.status", "Deal - Owner": "leads.responsible_user",
		"Person - Name": "contacts.name", "Person - Email (Work)": "contacts.EMAIL", "Person - Phone (Mobile)": "contacts.PHONE",
		"Person - Job title": "contacts.POSITION", "Organization - Name": "companies.name", "Organization - Website": "companies.WEB",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("proposal (-want +got):\n%s", diff)
	}
	if _, err := Compile(p.Spec(), testSchema(), header); err != nil {
		t.Errorf("the proposal does not compile against an account: %v", err)
	}
}
