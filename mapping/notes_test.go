package mapping

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

func TestInlineNotes(t *testing.T) {
	const spec = `
entity: leads
options: {time_zone: "+03:00", date_layouts: [dd.mm.yyyy HH:mm]}
columns:
  - {column: Title, field: name}
  - {column: Person, entity: contacts, field: name}
notes:
  - {column: Comment, author: By, date: When}
  - {columns: [Next step, Budget], labels: true, type: service_message}
  - {column: About, entity: contacts}
`
	header := []string{"Title", "Person", "Comment", "By", "When", "Next step", "Budget", "About"}
	m := mustCompile(t, spec, header)
	rec := func(v ...string) sheet.Record { return sheet.Record{Row: 2, Values: v} }

	row, errs := m.Map(rec("Deal", "", "  first line\nsecond  ", "ana@example.com", "05.03.2024 10:00", "call back", "", "ignored"))
	if errs != nil {
		t.Fatalf("Map: %v", errs)
	}
	want := []Note{
		{Entity: kommo.EntityLeads, Type: kommo.NoteCommon, Params: kommo.NoteParams{Text: "first line\nsecond"},
			CreatedAt: time.Date(2024, 3, 5, 7, 0, 0, 0, time.UTC).Unix(), CreatedBy: 1, Column: "Comment"},
		{Entity: kommo.EntityLeads, Type: kommo.NoteServiceMsg, Params: kommo.NoteParams{Text: "Next step: call back", Service: "kommo-bulk"},
			Column: "Next step + Budget"},
	}
	if diff := cmp.Diff(want, row.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}

	// Empty cells make no note; a related entity's note comes with it.
	row, errs = m.Map(rec("Deal", "Ivan", " ", "", "", "", "", "likes tea"))
	if errs != nil {
		t.Fatalf("Map: %v", errs)
	}
	if len(row.Notes) != 1 || row.Notes[0].Entity != kommo.EntityContacts || row.Notes[0].Params.Text != "likes tea" {
		t.Errorf("notes = %+v, want the contact's only", row.Notes)
	}

	// An unknown author fails the row with a NameError on its column.
	_, errs = m.Map(rec("Deal", "", "hi", "Nobody Here", "", "", "", ""))
	var ne *NameError
	if len(errs) != 1 || errs[0].Column != "By" || !errors.As(errs[0], &ne) || ne.Kind != "user" {
		t.Fatalf("errors = %v, want an unknown user in By", errs)
	}
}

func TestInlineNotesSpecErrors(t *testing.T) {
	for _, tt := range []struct{ name, notes, want string }{
		{"call", "[{column: C, type: call_in}]", "notes[0].type"},
		{"no column", "[{type: common}]", "notes[0].column"},
		{"missing column", "[{column: Nope}]", `column "Nope" is not in the file`},
		{"unsent entity", "[{column: C, entity: companies}]", "no column maps to companies"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(mustParse(t, "entity: leads\ncolumns: [{column: T, field: name}]\nnotes: "+tt.notes), testSchema(), []string{"T", "C"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Compile = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestNotesFile(t *testing.T) {
	const spec = `
entity: notes
match: {contacts: email}
options: {time_zone: UTC}
columns:
  - {column: Type, field: note_type}
  - {column: On, field: entity_type}
  - {column: Record, field: entity_id}
  - {column: Email, field: entity_key}
  - {column: Text, field: text}
  - {column: Date, field: created_at}
  - {column: Author, field: author}
  - {column: Duration, field: duration}
  - {column: Phone, field: phone}
  - {column: Subject, field: subject}
  - {column: Note ID, field: source_id}
refs:
  - {column: Deal ID, entity: leads}
`
	header := []string{"Type", "On", "Record", "Email", "Text", "Date", "Author", "Duration", "Phone", "Subject", "Note ID", "Deal ID"}
	m := mustCompile(t, spec, header)
	if m.Entity() != EntityNotes {
		t.Fatalf("Entity = %q", m.Entity())
	}
	at := time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC).Unix()
	for _, tt := range []struct {
		name  string
		cells []string
		want  Note
		warns []string // fields warned about
	}{
		{"call by id", []string{"call_in", "leads", "77", "", "", "2024-03-05 10:00", "Ana Souza", "2:05", "+55 11 5555-0100", "", "n1", ""},
			Note{Entity: kommo.EntityLeads, ID: 77, Type: kommo.NoteCallIn, CreatedAt: at, CreatedBy: 1, SourceID: "n1", Column: "Text",
				Params: kommo.NoteParams{Duration: 125, Phone: "+55 11 5555-0100"}}, nil},
		{"common keeps what it cannot carry", []string{"common", "leads", "77", "", "hello", "", "", "30", "+1 555", "Re: offer", "", ""},
			Note{Entity: kommo.EntityLeads, ID: 77, Type: kommo.NoteCommon, Column: "Text",
				Params: kommo.NoteParams{Text: "Subject: Re: offer\nhello\nPhone: +1 555\nDuration: 30 s"}},
			[]string{"notes.subject", "notes.phone", "notes.duration"}},
		{"call text goes to call_result", []string{"Call_Out", "leads", "77", "", "no answer", "", "", "", "", "", "", ""},
			Note{Entity: kommo.EntityLeads, ID: 77, Type: kommo.NoteCallOut, Column: "Text", Params: kommo.NoteParams{CallResult: "no answer"}},
			[]string{"notes.text"}},
		{"a type Kommo does not take", []string{"amomail_message", "contacts", "5", "", "body", "", "", "", "", "Hi", "", ""},
			Note{Entity: kommo.EntityContacts, ID: 5, Type: kommo.NoteCommon, Column: "Text",
				Params: kommo.NoteParams{Text: "[amomail_message]\nSubject: Hi\nbody"}},
			[]string{"notes.note_type", "notes.subject"}},
		{"by key", []string{"", "contacts", "", "Ivan@Example.RU", "met", "", "", "", "", "", "", ""},
			Note{Entity: kommo.EntityContacts, Key: &MatchKey{Kind: MatchEmail, Values: []string{"ivan@example.ru"}}, Type: kommo.NoteCommon,
				Column: "Text", Params: kommo.NoteParams{Text: "met"}}, nil},
		{"by ref", []string{"", "", "", "", "from the old CRM", "", "", "", "", "", "", "D-9"},
			Note{Entity: kommo.EntityLeads, Ref: "D-9", Type: kommo.NoteCommon, Column: "Text", Params: kommo.NoteParams{Text: "from the old CRM"}}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			row, errs := m.Map(sheet.Record{Row: 3, Values: tt.cells})
			if errs != nil {
				t.Fatalf("Map: %v", errs)
			}
			if row.Entity != EntityNotes || len(row.Notes) != 1 {
				t.Fatalf("row = %+v", row)
			}
			if diff := cmp.Diff(tt.want, row.Notes[0]); diff != "" {
				t.Errorf("note (-want +got):\n%s", diff)
			}
			var got []string
			for _, w := range row.Warnings {
				if w.Code != WarnNoteValueInText || w.Row != 3 || w.Column == "" {
					t.Errorf("warning %+v", w)
				}
				got = append(got, w.Field)
			}
			if diff := cmp.Diff(tt.warns, got); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
	for _, tt := range []struct {
		name   string
		cells  []string
		column string
		code   string
	}{
		{"unknown author", []string{"", "leads", "7", "", "x", "", "Nobody", "", "", "", "", ""}, "Author", "name_unknown"},
		{"unknown type", []string{"memo", "leads", "7", "", "x", "", "", "", "", "", "", ""}, "Type", "name_unknown"},
		{"no record", []string{"", "leads", "", "", "x", "", "", "", "", "", "", ""}, "", "note_no_record"},
		{"bad entity", []string{"", "tasks", "7", "", "x", "", "", "", "", "", "", ""}, "On", "note_entity_invalid"},
		{"key without match", []string{"", "companies", "", "ACME", "x", "", "", "", "", "", "", ""}, "Email", "note_no_match_key"},
		{"bad duration", []string{"call_in", "leads", "7", "", "", "", "", "1:75", "", "", "", ""}, "Duration", "duration_invalid"},
		{"bad date", []string{"", "leads", "7", "", "x", "yesterday", "", "", "", "", "", ""}, "Date", "date_invalid"},
		{"common without text", []string{"common", "leads", "7", "", "", "", "", "", "", "", "", ""}, "Text", "value_required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := m.Map(sheet.Record{Row: 4, Values: tt.cells})
			if len(errs) != 1 || errs[0].Column != tt.column || errs[0].Row != 4 || errs[0].Code() != tt.code {
				t.Errorf("errors = %v (code %q), want one %s in %q", errs, codeOf(errs), tt.code, tt.column)
			}
		})
	}
}

func codeOf(errs []*sheet.RowError) string {
	if len(errs) == 0 {
		return ""
	}
	return errs[0].Code()
}

func TestNotesFileSpecErrors(t *testing.T) {
	header := []string{"A", "B"}
	for _, tt := range []struct{ name, spec, want string }{
		{"unknown field", "entity: notes\ncolumns: [{column: A, field: txt}]", `unknown note field "txt"; did you mean "text"?`},
		{"bad constant", "entity: notes\ncolumns: [{column: A, field: text}]\nconstants: [{field: note_type, value: memo}]", "unknown note type"},
		{"bad match", "entity: notes\nmatch: {contacts: field:Nope}\ncolumns: [{column: A, field: text}]", "match.contacts"},
		{"inline notes", "entity: notes\ncolumns: [{column: A, field: text}]\nnotes: [{column: B}]", "notes:"},
		{"join of a missing column", "entity: notes\ncolumns: [{column: A, field: text}]\njoin: [{columns: [B, Nope], field: call_result}]", `(join[0].columns[1]): column "Nope" is not in the file`},
		{"join of no columns", "entity: notes\ncolumns: [{column: A, field: text}]\njoin: [{columns: [], field: call_result}]", `(join[0].columns): no columns to join`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(mustParse(t, tt.spec), testSchema(), header)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Compile = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestNotesSpecRoundTrip: a spec with notes survives YAML and JSON (the
// engine and migrate copy specs through JSON).
func TestNotesSpecRoundTrip(t *testing.T) {
	s := mustParse(t, "entity: leads\ncolumns: [{column: T, field: name}]\nnotes: [{columns: [A, B], type: common, author: By, author_map: {Old: Ana Souza}}]")
	var b strings.Builder
	if err := s.WriteYAML(&b); err != nil {
		t.Fatal(err)
	}
	back := mustParse(t, b.String())
	if diff := cmp.Diff(s, back); diff != "" {
		t.Errorf("YAML round trip (-want +got):\n%s", diff)
	}
}

// TestDocsNotes keeps the notes examples of docs/mapping.md honest: each
// compiles against a header of its columns.
func TestDocsNotes(t *testing.T) {
	b, err := os.ReadFile("../docs/mapping.md")
	if err != nil {
		t.Fatal(err)
	}
	_, doc, _ := strings.Cut(string(b), "## Notes")
	n := 0
	for _, block := range strings.Split(doc, "```yaml\n")[1:] {
		y, _, _ := strings.Cut(block, "```")
		header := []string{"Title", "Person", "Comment", "Next step", "Budget", "Call summary", "Owner", "Called", "About",
			"Kind", "Body", "When", "By", "Seconds", "Number", "Id", "Contact e-mail", "Deal ID"}
		if _, err := Compile(mustParse(t, y), testSchema(), header); err != nil {
			t.Errorf("docs example %d: %v", n, err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("%d notes examples in the docs, want 2", n)
	}
}
