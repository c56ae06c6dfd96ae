package mapping

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

func TestParseSpec(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *Spec
	}{
		{
			name: "yaml",
			in: `entity: leads
key: ID
match: email
options: {region: ru, date_layouts: [dd.mm.yyyy]}
columns:
  - column: Email
    entity: contacts
    field: EMAIL
    enum: WORK
    transforms: [trim, lower]
  - {column: Stage, field: status, map: {Hot: Qualified}, default: Incoming leads}
join:
  - {columns: [First, Last], separator: " ", entity: contacts, field: name}
constants:
  - {field: pipeline, value: 100}
refs:
  - {column: Company ID, entity: companies}
`,
			want: &Spec{
				Entity: kommo.EntityLeads, Key: "ID", Match: MatchSpec{Primary: "email"},
				Options: Options{Region: "ru", DateLayouts: []string{"dd.mm.yyyy"}},
				Columns: []ColumnSpec{
					{Column: "Email", Target: Target{Entity: kommo.EntityContacts, Field: "EMAIL", Enum: "WORK", Transforms: []string{"trim", "lower"}}},
					{Column: "Stage", Target: Target{Field: "status", Map: map[string]string{"Hot": "Qualified"}, Default: "Incoming leads"}},
				},
				Join:      []JoinSpec{{Columns: []string{"First", "Last"}, Separator: " ", Target: Target{Entity: kommo.EntityContacts, Field: "name"}}},
				Constants: []ConstantSpec{{Field: "pipeline", Value: "100"}},
				Refs:      []RefSpec{{Column: "Company ID", Entity: kommo.EntityCompanies}},
			},
		},
		{
			name: "json with tabs and a BOM",
			in:   "\ufeff{\n\t\"entity\": \"contacts\",\n\t\"match\": {\"contacts\": \"phone\"},\n\t\"columns\": [{\"column\": \"Tel\", \"field\": \"PHONE\", \"clear_if_empty\": true}]\n}",
			want: &Spec{
				Entity: kommo.EntityContacts, Match: MatchSpec{ByEntity: map[kommo.EntityType]string{kommo.EntityContacts: "phone"}},
				Columns: []ColumnSpec{{Column: "Tel", Target: Target{Field: "PHONE", ClearIfEmpty: true}}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSpec([]byte(tt.in))
			if err != nil {
				t.Fatalf("ParseSpec() error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseSpec() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSpecErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		line int
		want string
	}{
		{"yaml syntax", "entity: leads\ncolumns:\n  - {column: A, field: name\n", 2, "did not find expected ',' or '}'"},
		{"yaml tab indent", "entity: leads\ncolumns:\n\t- column: A\n", 3, "found character that cannot start any token"},
		{"json syntax", "{\n  \"entity\": \"leads\",\n  \"columns\": [\n    {\"column\": \"A\" \"field\": \"name\"}\n  ]\n}", 4, "invalid JSON: invalid character '\"' after object key:value pair"},
		{"json trailing comma", "{\"entity\": \"leads\",\n\"columns\": [],\n}", 3, "invalid JSON"},
		{"unknown top key", "entity: leads\ncolums:\n  - {column: A, field: name}\n", 2, `unknown key "colums"; did you mean "columns"?`},
		{"unknown column key", "entity: leads\ncolumns:\n  - column: A\n    feild: name\n", 4, `(columns[0]): unknown key "feild"; did you mean "field"?`},
		{"unknown option", "{\"entity\": \"leads\", \"options\": {\"timezone\": \"UTC\"}}", 1, `(options): unknown key "timezone"; did you mean "time_zone"?`},
		{"unknown join key", "entity: leads\njoin:\n  - {columns: [A, B], sep: \", \", field: name}\n", 3, `(join[0]): unknown key "sep"`},
		{"wrong type", "entity: leads\ncolumns: {column: A}\n", 2, "cannot unmarshal !!map into []mapping.ColumnSpec"},
		{"transforms not a list", "entity: leads\ncolumns:\n  - {column: A, field: name, transforms: lower}\n", 3, "cannot unmarshal !!str `lower` into []string"},
		{"not a map", "- entity: leads\n", 1, "a spec is a map"},
		{"empty", "   \n", 0, "empty spec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSpec([]byte(tt.in))
			var se *SpecError
			if !errors.As(err, &se) {
				t.Fatalf("ParseSpec(%q) = %v, want a *SpecError", tt.in, err)
			}
			if se.Line != tt.line || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseSpec(%q) = line %d %q, want line %d containing %q", tt.in, se.Line, err, tt.line, tt.want)
			}
		})
	}
}

func TestSpecRoundTrip(t *testing.T) {
	in := &Spec{
		Entity: kommo.EntityLeads, Key: "ID",
		Match:   MatchSpec{ByEntity: map[kommo.EntityType]string{kommo.EntityLeads: "id", kommo.EntityContacts: "email"}},
		Options: Options{Region: "BR", Locale: "pt", NameOrder: "given_first"},
		Columns: []ColumnSpec{{Column: "E-mail", Target: Target{Entity: kommo.EntityContacts, Field: "EMAIL", Enum: "WORK", Map: map[string]string{"n/a": ""}}}},
		Join:    []JoinSpec{{Columns: []string{"A", "B"}, Target: Target{Field: "name"}}},
	}
	for _, format := range []string{"yaml", "json"} {
		t.Run(format, func(t *testing.T) {
			var b []byte
			var err error
			if format == "yaml" {
				var buf bytes.Buffer
				err = in.WriteYAML(&buf)
				b = buf.Bytes()
			} else {
				b, err = json.Marshal(in)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseSpec(b)
			if err != nil {
				t.Fatalf("ParseSpec(%s) error: %v\n%s", format, err, b)
			}
			if diff := cmp.Diff(in, got); diff != "" {
				t.Errorf("ParseSpec(marshal(spec)) mismatch (-want +got):\n%s\n%s", diff, b)
			}
		})
	}
	// The one-string form of match stays one string.
	b, err := yaml.Marshal(&Spec{Entity: kommo.EntityContacts, Match: MatchSpec{Primary: "email"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "entity: contacts\nmatch: email\n"; string(b) != want {
		t.Errorf("yaml.Marshal(spec) = %q, want %q", b, want)
	}
}

func TestLoadSpecTooLarge(t *testing.T) {
	_, err := LoadSpec(strings.NewReader("entity: leads\n" + strings.Repeat("#", maxSpecSize)))
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("LoadSpec(huge) = %v, want a size error", err)
	}
}

func FuzzParseSpec(f *testing.F) {
	f.Add([]byte("entity: leads\ncolumns: [{column: A, field: name}]\nmatch: {contacts: email}"))
	f.Add([]byte(`{"entity": "contacts", "columns": [{"column": "A", "field": "PHONE", "transforms": ["split:,"]}]}`))
	f.Add([]byte("entity: [1, 2]\noptions: 3\njoin: [{columns: x}]"))
	header := []string{"A", "B"}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSpec(b)
		if err != nil {
			return
		}
		m, err := Compile(s, testSchema(), header)
		if err != nil {
			return
		}
		m.Map(sheet.Record{Row: 2, Values: []string{"x@y.io; +7 999 123 45 67", "Qualified"}})
	})
}

// TestDocsExample keeps the example of docs/mapping.md honest: it parses,
// compiles and maps a row.
func TestDocsExample(t *testing.T) {
	b, err := os.ReadFile("../docs/mapping.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```yaml\n")
	y, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("no yaml block in docs/mapping.md")
	}
	header := []string{"Deal ID", "Title", "Amount", "Pipeline", "Stage", "Owner", "Labels", "Created", "Origin", "Person", "Mobile", "Work phone", "E-mail", "Organization", "Street", "City", "Organization ID"}
	m := mustCompile(t, y, header)
	row, errs := m.Map(sheet.Record{Row: 2, Values: []string{"D-7", "Big deal", "1.234,50", "Sales", "Em negociação", "Ana Souza", "a, b", "15/03/2024", "Web",
		"Maria da Silva", "(11) 91234-5678", "", "maria@example.com", "ACME", "Av. Paulista 1", "São Paulo", "O-1"}})
	if errs != nil {
		t.Fatalf("Map() errors: %v", errs)
	}
	if row.Lead.StatusID != 1003 || *row.Lead.Price != 1235 || row.Contact.LastName != "da Silva" || row.Contact.ResponsibleUserID != 1 || row.Company.Name != "ACME" {
		t.Errorf("Map() = lead %+v, contact %+v, company %+v", row.Lead, row.Contact, row.Company)
	}
}
