package mapping

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// warn is a RowWarning in short, for comparisons.
type warn struct {
	Column, Code, Reason, Value, Sent string
}

func warnsOf(r *Row) []warn {
	if r == nil {
		return nil
	}
	var out []warn
	for _, w := range r.Warnings {
		out = append(out, warn{w.Column, w.Code, w.Reason, w.Value, w.Sent})
	}
	return out
}

func errsOf(errs []*sheet.RowError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Column+": "+e.Err.Error())
	}
	return out
}

// phonesOf returns the values sent for the PHONE field (id 10) of a
// contact, and for EMAIL (id 11).
func valuesOf(c *kommo.ContactRequest, id int) []string {
	if c == nil {
		return nil
	}
	for _, f := range c.CustomFieldsValues {
		if f.FieldID == id {
			return f.Strings()
		}
	}
	return nil
}

// The defaults land what Kommo accepts: a phone of its country's shape
// in E.164, other text with digits as written, text without digits left
// out, and an e-mail that does not validate as written; each with a
// warning naming what was done and why.
func TestOnInvalidDefaults(t *testing.T) {
	const spec = `
entity: contacts
options: {region: US}
columns:
  - {column: Name, field: name}
  - {column: Phone, field: PHONE}
  - {column: Email, field: EMAIL}
`
	m := mustCompile(t, spec, []string{"Name", "Phone", "Email"})
	tests := []struct {
		name       string
		phone      string
		email      string
		wantPhones []string
		wantEmails []string
		want       []warn
	}{
		{"valid", "(202) 555-0143", " Ann@Example.COM ", []string{"+12025550143"}, []string{"ann@example.com"}, nil},
		{"unassigned area code", "+1 (487) 456-2346", "", []string{"+14874562346"}, nil,
			[]warn{{"Phone", WarnPhoneNormalized, "not_valid", "+1 (487) 456-2346", "+14874562346"}}},
		{"too short", "12345", "", []string{"12345"}, nil,
			[]warn{{"Phone", WarnPhoneKept, "too_short", "12345", "12345"}}},
		{"not the country's shape", "030 1234567", "", []string{"030 1234567"}, nil,
			[]warn{{"Phone", WarnPhoneKept, "not_valid", "030 1234567", "030 1234567"}}},
		{"no digits", "n/a", "", nil, nil,
			[]warn{{"Phone", WarnPhoneLeftOut, "not_a_number", "n/a", ""}}},
		{"leading dot", "", ".dubois1@example.org", nil, []string{".dubois1@example.org"},
			[]warn{{"Email", WarnEmailKept, "leading_dot", ".dubois1@example.org", ".dubois1@example.org"}}},
		{"several phones, one bad", "+1 202 555 0143; 555-01", "", []string{"+12025550143", "555-01"}, nil,
			[]warn{{"Phone", WarnPhoneKept, "too_short", "555-01", "555-01"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row, errs := m.Map(sheet.Record{Row: 7, Values: []string{"Ann", tt.phone, tt.email}})
			if errs != nil {
				t.Fatalf("Map errors: %v", errsOf(errs))
			}
			if got := valuesOf(row.Contact, 10); !cmp.Equal(got, tt.wantPhones) {
				t.Errorf("phones = %q, want %q", got, tt.wantPhones)
			}
			if got := valuesOf(row.Contact, 11); !cmp.Equal(got, tt.wantEmails) {
				t.Errorf("emails = %q, want %q", got, tt.wantEmails)
			}
			if diff := cmp.Diff(tt.want, warnsOf(row)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			for _, w := range row.Warnings {
				if w.File != "in.csv" || w.Row != 7 || !strings.HasPrefix(w.Field, "contacts.") {
					t.Errorf("warning position = %q row %d field %q", w.File, w.Row, w.Field)
				}
				if w.Err == nil || w.Text() == "" {
					t.Errorf("warning %+v has no reason", w)
				}
			}
		})
	}
}

// What goes on the wire: a phone kept as written is sent as written,
// with its enum, and is no match key.
func TestOnInvalidKeptOnTheWire(t *testing.T) {
	const spec = `
entity: contacts
match: email
options: {region: RU}
columns:
  - {column: Phone, field: PHONE, enum: MOB}
  - {column: Email, field: EMAIL}
`
	m := mustCompile(t, spec, []string{"Phone", "Email"})
	row, errs := m.Map(sheet.Record{Row: 2, Values: []string{"доб. 12", "a@b.co"}})
	if errs != nil {
		t.Fatal(errsOf(errs))
	}
	b, err := json.Marshal(row.Contact)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"custom_fields_values":[{"field_id":10,"values":[{"value":"доб. 12","enum_code":"MOB"}]},{"field_id":11,"values":[{"value":"a@b.co","enum_code":"WORK"}]}]}`
	if string(b) != want {
		t.Errorf("contact JSON = %s\nwant %s", b, want)
	}
	if got := row.Match[kommo.EntityContacts]; got.Kind != MatchEmail || !cmp.Equal(got.Values, []string{"a@b.co"}) {
		t.Errorf("Match = %+v, want email a@b.co", got)
	}
}

// on_invalid: error fails the row as before; drop leaves the value out
// and lands the rest; keep sends it as written.
func TestOnInvalidPolicies(t *testing.T) {
	header := []string{"Name", "Phone", "Email", "Score", "Source"}
	tests := []struct {
		name       string
		spec       string // the columns after value.Name
		rec        []string
		wantErrs   []string
		wantPhones []string
		wantEmails []string
		want       []warn
	}{
		{
			name:     "error",
			spec:     "{column: Phone, field: PHONE, on_invalid: error}\n  - {column: Email, field: EMAIL, on_invalid: error}",
			rec:      []string{"Ann", "+1 (487) 456-2346", ".ann@example.org", "", ""},
			wantErrs: []string{"Phone: invalid phone number: not a valid number for country code +1", "Email: invalid email: starts with a dot"},
		},
		{
			name:     "error for the whole file",
			spec:     "{column: Phone, field: PHONE}\n  - {column: Email, field: EMAIL}\noptions: {on_invalid: error}",
			rec:      []string{"Ann", "12345", "ann@example", "", ""},
			wantErrs: []string{"Phone: invalid phone number: no country code and no default region", `Email: invalid email: domain "example" has no dot`},
		},
		{
			name:       "drop",
			spec:       "{column: Phone, field: PHONE, on_invalid: drop}\n  - {column: Email, field: EMAIL, on_invalid: drop}\n  - {column: Score, field: Score, on_invalid: drop}\n  - {column: Source, field: Lead source, on_invalid: drop}",
			rec:        []string{"Ann", "+1 (487) 456-2346; +1 202 555 0143", "ann@@example.org", "lots", "Webinar"},
			wantPhones: []string{"+12025550143"},
			want: []warn{
				{"Phone", WarnPhoneLeftOut, "not_valid", "+1 (487) 456-2346", ""},
				{"Email", WarnEmailLeftOut, "several_at", "ann@@example.org", ""},
				{"Score", WarnValueLeftOut, "", "lots", ""},
				{"Source", WarnValueLeftOut, "option", "Webinar", ""},
			},
		},
		{
			name:       "drop for the whole file",
			spec:       "{column: Phone, field: PHONE}\n  - {column: Score, field: Score}\noptions: {on_invalid: drop, region: US}",
			rec:        []string{"Ann", "(487) 456-2346", "", "1,5,6", ""},
			wantPhones: nil,
			want: []warn{
				{"Phone", WarnPhoneLeftOut, "not_valid", "(487) 456-2346", ""},
				{"Score", WarnValueLeftOut, "", "1,5,6", ""},
			},
		},
		{
			name:       "keep",
			spec:       "{column: Phone, field: PHONE, on_invalid: keep}\n  - {column: Email, field: EMAIL, on_invalid: keep}",
			rec:        []string{"Ann", "n/a", "ann at example.org", "", ""},
			wantPhones: []string{"n/a"},
			wantEmails: []string{"ann at example.org"},
			want: []warn{
				{"Phone", WarnPhoneKept, "not_a_number", "n/a", "n/a"},
				{"Email", WarnEmailKept, "space", "ann at example.org", "ann at example.org"},
			},
		},
		{
			name:       "keep a value a transform refuses",
			spec:       "{column: Phone, field: Position, transforms: [phone], on_invalid: keep}",
			rec:        []string{"Ann", "call the front desk", "", "", ""},
			wantPhones: nil,
			want:       []warn{{"Phone", WarnValueKept, "not_a_number", "call the front desk", "call the front desk"}},
		},
		{
			name:     "a transform's refusal fails a text field by default",
			spec:     "{column: Phone, field: Position, transforms: [phone]}",
			rec:      []string{"Ann", "call the front desk", "", "", ""},
			wantErrs: []string{"Phone: invalid phone number: not a phone number"},
		},
		{
			name:     "drop does not empty a required field",
			spec:     "{column: Score, field: Score, on_invalid: drop, required: true}",
			rec:      []string{"Ann", "", "", "lots", ""},
			wantErrs: []string{`Score: invalid number: "lots" has an unexpected 'l'`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustCompile(t, "entity: contacts\ncolumns:\n  - {column: Name, field: name}\n  - "+tt.spec+"\n", header)
			row, errs := m.Map(sheet.Record{Row: 3, Values: tt.rec})
			if diff := cmp.Diff(tt.wantErrs, errsOf(errs)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if tt.wantErrs != nil {
				if row != nil {
					t.Errorf("row = %+v, want nil", row)
				}
				return
			}
			if got := valuesOf(row.Contact, 10); !cmp.Equal(got, tt.wantPhones) {
				t.Errorf("phones = %q, want %q", got, tt.wantPhones)
			}
			if got := valuesOf(row.Contact, 11); !cmp.Equal(got, tt.wantEmails) {
				t.Errorf("emails = %q, want %q", got, tt.wantEmails)
			}
			if got := valuesOf(row.Contact, 16); got != nil {
				t.Errorf("score = %q, want none", got)
			}
			if diff := cmp.Diff(tt.want, warnsOf(row)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

// A stage left out by drop leaves the lead in its pipeline's default
// stage; a related contact whose only value is left out is not sent.
func TestOnInvalidDropRelated(t *testing.T) {
	const spec = `
entity: leads
columns:
  - {column: Title, field: name}
  - {column: Stage, field: status, on_invalid: drop}
  - {column: Phone, entity: contacts, field: PHONE}
`
	m := mustCompile(t, spec, []string{"Title", "Stage", "Phone"})
	row, errs := m.Map(sheet.Record{Row: 4, Values: []string{"Deal", "Negotation", "none"}})
	if errs != nil {
		t.Fatal(errsOf(errs))
	}
	if row.Contact != nil {
		t.Errorf("Contact = %+v, want none: its only value was left out", row.Contact)
	}
	if row.Lead.StatusID != 0 {
		t.Errorf("StatusID = %d, want 0", row.Lead.StatusID)
	}
	want := []warn{{"Phone", WarnPhoneLeftOut, "not_a_number", "none", ""}, {"Stage", WarnValueLeftOut, "stage", "Negotation", ""}}
	if diff := cmp.Diff(want, warnsOf(row)); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	for col := range row.Columns {
		if strings.HasPrefix(col, "contacts:") {
			t.Errorf("Columns has %q of a contact not sent", col)
		}
	}
}

func TestOnInvalidSpecErrors(t *testing.T) {
	header := []string{"Name", "Score"}
	tests := []struct{ spec, want string }{
		{"columns: [{column: Score, field: Score, on_invalid: kepp}]", `spec (columns[0].on_invalid): unknown on_invalid "kepp"; did you mean "keep"?; want error, keep or drop`},
		{"columns: [{column: Score, field: Score, on_invalid: keep}]", `spec (columns[0].on_invalid): keep applies to PHONE, EMAIL and text fields; contacts.Score cannot hold any text, use error or drop`},
		{"options: {on_invalid: fail}\ncolumns: [{column: Score, field: Score}]", `spec (options.on_invalid): unknown on_invalid "fail"`},
		{"options: {country_column: Land}\ncolumns: [{column: Name, field: name}]", `spec (options.country_column): column "Land" is not in the file`},
	}
	for _, tt := range tests {
		_, err := Compile(mustParse(t, "entity: contacts\n"+tt.spec), testSchema(), header)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Compile(%q) = %v, want %q", tt.spec, err, tt.want)
		}
	}
	// keep for the whole file applies where it can: Score stays strict.
	m := mustCompile(t, "entity: contacts\noptions: {on_invalid: keep}\ncolumns: [{column: Score, field: Score}]", header)
	if _, errs := m.Map(sheet.Record{Row: 2, Values: []string{"", "lots"}}); len(errs) != 1 || !errors.Is(errs[0], value.ErrInvalidNumber) {
		t.Errorf("Map(score lots) errors = %v, want an invalid number", errsOf(errs))
	}
}

// A phone that is its entity's match key must be normalised: a row whose
// key phone cannot be fails, unless it has an e-mail to match by; and
// the other way round.
func TestMatchKeyStrict(t *testing.T) {
	tests := []struct {
		name      string
		spec      string
		header    []string
		rec       []string
		wantErrs  []string
		wantMatch MatchKey
		want      []warn
	}{
		{
			name:     "phone key without e-mail column fails",
			spec:     "entity: contacts\nmatch: phone\noptions: {region: US}\ncolumns: [{column: Phone, field: PHONE}]",
			header:   []string{"Phone"},
			rec:      []string{"555-0143"},
			wantErrs: []string{"Phone: invalid phone number: too short for country code +1; it is the match key of contacts, and the row has no valid email to match by instead"},
		},
		{
			name:     "phone key with an empty e-mail fails",
			spec:     "entity: contacts\nmatch: phone\noptions: {region: US}\ncolumns: [{column: Phone, field: PHONE}, {column: Email, field: EMAIL}]",
			header:   []string{"Phone", "Email"},
			rec:      []string{"555-0143", ""},
			wantErrs: []string{"Phone: invalid phone number: too short for country code +1; it is the match key of contacts, and the row has no valid email to match by instead"},
		},
		{
			name:      "phone key with an e-mail lands, matched by e-mail",
			spec:      "entity: contacts\nmatch: phone\noptions: {region: US}\ncolumns: [{column: Phone, field: PHONE}, {column: Email, field: EMAIL}]",
			header:    []string{"Phone", "Email"},
			rec:       []string{"555-0143", "Ann@Example.org"},
			wantMatch: MatchKey{Kind: MatchEmail, Values: []string{"ann@example.org"}},
			want: []warn{
				{"Phone", WarnPhoneKept, "too_short", "555-0143", "555-0143"},
				{"Phone", WarnMatchKeyReplaced, "phone", "555-0143", ""},
			},
		},
		{
			name:      "a phone of its country's shape is a key",
			spec:      "entity: contacts\nmatch: phone\ncolumns: [{column: Phone, field: PHONE}]",
			header:    []string{"Phone"},
			rec:       []string{"+1 (487) 456-2346"},
			wantMatch: MatchKey{Kind: MatchPhone, Values: []string{"+14874562346"}},
			want:      []warn{{"Phone", WarnPhoneNormalized, "not_valid", "+1 (487) 456-2346", "+14874562346"}},
		},
		{
			name:      "a key phone without digits is an empty key",
			spec:      "entity: contacts\nmatch: phone\ncolumns: [{column: Phone, field: PHONE}]",
			header:    []string{"Phone"},
			rec:       []string{"-"},
			wantMatch: MatchKey{Kind: MatchPhone},
			want:      []warn{{"Phone", WarnPhoneLeftOut, "not_a_number", "-", ""}},
		},
		{
			name:      "one good phone of two is the key",
			spec:      "entity: contacts\nmatch: phone\ncolumns: [{column: Phone, field: PHONE}]",
			header:    []string{"Phone"},
			rec:       []string{"12; +44 20 7946 0958"},
			wantMatch: MatchKey{Kind: MatchPhone, Values: []string{"+442079460958"}},
			want:      []warn{{"Phone", WarnPhoneKept, "no_country_code", "12", "12"}},
		},
		{
			name:     "e-mail key without phone fails",
			spec:     "entity: contacts\nmatch: email\ncolumns: [{column: Email, field: EMAIL}]",
			header:   []string{"Email"},
			rec:      []string{"jean..dubois@example.org"},
			wantErrs: []string{"Email: invalid email: two dots in a row before @; it is the match key of contacts, and the row has no valid phone to match by instead"},
		},
		{
			name:      "e-mail key with a phone lands, matched by phone",
			spec:      "entity: contacts\nmatch: email\ncolumns: [{column: Email, field: EMAIL}, {column: Phone, field: PHONE}]",
			header:    []string{"Email", "Phone"},
			rec:       []string{"jean..dubois@example.org", "+33 6 12 34 56 78"},
			wantMatch: MatchKey{Kind: MatchPhone, Values: []string{"+33612345678"}},
			want: []warn{
				{"Email", WarnEmailKept, "double_dot", "jean..dubois@example.org", "jean..dubois@example.org"},
				{"Email", WarnMatchKeyReplaced, "email", "jean..dubois@example.org", ""},
			},
		},
		{
			name:      "a related contact's default key is not strict",
			spec:      "entity: leads\ncolumns: [{column: Title, field: name}, {column: Email, entity: contacts, field: EMAIL}]",
			header:    []string{"Title", "Email"},
			rec:       []string{"Deal", "ann@example"},
			wantMatch: MatchKey{Kind: MatchEmail},
			want:      []warn{{"Email", WarnEmailKept, "domain_without_dot", "ann@example", "ann@example"}},
		},
		{
			name:      "a related contact's default key falls back to its phone",
			spec:      "entity: leads\ncolumns: [{column: Title, field: name}, {column: Email, entity: contacts, field: EMAIL}, {column: Phone, entity: contacts, field: PHONE}]",
			header:    []string{"Title", "Email", "Phone"},
			rec:       []string{"Deal", "ann@example", "+7 916 123-45-67"},
			wantMatch: MatchKey{Kind: MatchPhone, Values: []string{"+79161234567"}},
			want: []warn{
				{"Email", WarnEmailKept, "domain_without_dot", "ann@example", "ann@example"},
				{"Email", WarnMatchKeyReplaced, "email", "ann@example", ""},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustCompile(t, tt.spec, tt.header)
			row, errs := m.Map(sheet.Record{Row: 5, Values: tt.rec})
			if diff := cmp.Diff(tt.wantErrs, errsOf(errs)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			for _, e := range errs {
				if e.Code() != "match_key_invalid" || e.Row != 5 || e.Value != tt.rec[0] {
					t.Errorf("error %v: code %q row %d value %q", e, e.Code(), e.Row, e.Value)
				}
			}
			if tt.wantErrs != nil {
				return
			}
			if diff := cmp.Diff(tt.wantMatch, row.Match[kommo.EntityContacts]); diff != "" {
				t.Errorf("contact match key (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, warnsOf(row)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

// The report counts rows with warnings apart, and its summary groups
// warnings and errors by column, code and reason.
func TestReportSummary(t *testing.T) {
	const spec = `
entity: contacts
match: email
columns:
  - {column: Phone Number, field: PHONE}
  - {column: Email, field: EMAIL}
  - {column: Score, field: Score}
`
	m := mustCompile(t, spec, []string{"Phone Number", "Email", "Score"})
	r := &Report{MaxErrors: 10}
	for i, rec := range [][]string{
		{"+44 20 7946 0958", "a@example.org", ""},      // good
		{"(593) 544 8524", "b@example.org", ""},        // no country code
		{"593 544 8524; 0 800", "c@example.org", ""},   // no country code, twice
		{"+1 (487) 456-2346", "d@example.org", ""},     // normalised
		{"", "e@example.org", "x"},                     // bad score
		{"", "f@example.org", "y"},                     // bad score
		{"", "g..h@example.org", ""},                   // bad key
		{"+44 20 7946 0958", "i@example.org", "1 000"}, // good
	} {
		r.Add(m.Map(sheet.Record{Row: i + 2, Values: rec}))
	}
	if r.Rows != 8 || r.Good != 2 || r.Warned != 3 || r.Bad != 3 || r.Warnings != 4 || r.Errors != 3 {
		t.Errorf("Report = rows %d good %d warned %d bad %d warnings %d errors %d; want 8 2 3 3 4 3",
			r.Rows, r.Good, r.Warned, r.Bad, r.Warnings, r.Errors)
	}
	var got []string
	for _, c := range r.Causes.Causes() {
		got = append(got, c.String())
	}
	want := []string{
		`Score: 2 rows failed (invalid number: "x" has an unexpected 'x')`,
		`Email: 1 row failed (invalid email: two dots in a row before @; it is the match key of contacts, and the row has no valid phone to match by instead)`,
		`Phone Number: 2 rows kept as written (no country code: add options.region or a country column)`,
		`Phone Number: 1 row normalised (a number of its country's shape that the phone metadata does not know; check it)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	// The report, its summary included, can be written as JSON.
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"error":false,"column":"Phone Number","code":"phone_kept_as_written","reason":"no_country_code","action":"kept_as_written","field":"contacts.PHONE","rows":2,"values":3,"example":"(593) 544 8524","first_row":3,`; !strings.Contains(string(js), want) {
		t.Errorf("report JSON = %s\nwant it to contain %s", js, want)
	}
	c := r.Causes[CauseKey{Column: "Phone Number", Code: WarnPhoneKept, Reason: "no_country_code"}]
	if c == nil || c.Rows != 2 || c.Values != 3 || c.FirstRow != 3 || c.Example != "(593) 544 8524" || c.Action != ActionKept {
		t.Errorf("cause = %+v, want 2 rows, 3 values, first row 3", c)
	}
}

// A Summary read back from its JSON is the same; Merge adds another's
// counts cause by cause.
func TestSummaryJSONAndMerge(t *testing.T) {
	kept := &RowWarning{Row: 3, Column: "Phone", Field: "contacts.PHONE", Value: "555", Code: WarnPhoneKept, Action: ActionKept,
		Reason: "no_country_code", Err: &value.ValueError{Kind: value.ErrInvalidPhone, Reason: "no_country_code", Text: "no country code and no default region"}}
	var a Summary
	a.AddWarnings([]*RowWarning{kept})
	a.AddErrors([]*sheet.RowError{{Row: 4, Column: "Email", Err: &value.ValueError{Kind: value.ErrInvalidEmail, Reason: "no_at", Text: "no @"}}})
	js, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var back Summary
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a.Causes(), back.Causes()); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	if want := `"outcome":"kept as written","hint":"no country code: add options.region or a country column","summary":"Phone: 1 row kept as written (no country code: add options.region or a country column)"`; !strings.Contains(string(js), want) {
		t.Errorf("JSON = %s\nwant it to contain %s", js, want)
	}
	var b Summary
	k2 := *kept
	k2.Row = 9
	b.AddWarnings([]*RowWarning{&k2, &k2})
	back.Merge(b)
	var got []string
	for _, c := range back.Causes() {
		got = append(got, c.String())
	}
	want := []string{"Email: 1 row failed (invalid email: no @)", "Phone: 2 rows kept as written (no country code: add options.region or a country column)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("merged (-want +got):\n%s", diff)
	}
	if c := back[CauseKey{Column: "Phone", Code: WarnPhoneKept, Reason: "no_country_code"}]; c.Values != 3 || c.FirstRow != 3 {
		t.Errorf("merged cause = %+v, want 3 values, first row 3", c)
	}
}

// Keepable says where on_invalid: keep applies, as Compile does.
func TestKeepable(t *testing.T) {
	s := testSchema()
	byName := func(e kommo.EntityType, name string) *kommo.CustomField {
		for _, f := range s.Fields[e] {
			if f.Name == name || f.Code == name {
				return f
			}
		}
		t.Fatalf("no field %s in the test schema", name)
		return nil
	}
	for _, tt := range []struct {
		e    kommo.EntityType
		name string
		cf   *kommo.CustomField
		want bool
	}{
		{kommo.EntityContacts, "name", nil, true},
		{kommo.EntityLeads, "tags", nil, true},
		{kommo.EntityLeads, "price", nil, false},
		{kommo.EntityLeads, "status", nil, false},
		{kommo.EntityContacts, "", byName(kommo.EntityContacts, "PHONE"), true},
		{kommo.EntityContacts, "", byName(kommo.EntityContacts, "EMAIL"), true},
		{kommo.EntityContacts, "", byName(kommo.EntityContacts, "Score"), false},
		{"deals", "name", nil, false},
	} {
		name := tt.name
		if tt.cf != nil {
			name = tt.cf.Name
		}
		if got := Keepable(tt.e, tt.name, tt.cf); got != tt.want {
			t.Errorf("Keepable(%s, %s) = %v, want %v", tt.e, name, got, tt.want)
		}
		if tt.e == "deals" {
			continue
		}
		spec := fmt.Sprintf("entity: %s\ncolumns:\n  - {column: A, field: %q, on_invalid: keep}\n", tt.e, name)
		_, err := Compile(mustParse(t, spec), s, []string{"A"})
		if compiles := err == nil; compiles != tt.want {
			t.Errorf("Compile with keep on %s.%s: %v; Keepable says %v", tt.e, name, err, tt.want)
		}
	}
}
