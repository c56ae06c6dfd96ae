package mapping_test

import (
	"fmt"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// Rows of an export land with warnings for the values that do not
// validate, and a Report sums them up by cause. Phones without a country
// code are read in the country of the row's Country column; a row whose
// e-mail key does not validate is matched by its phone.
func ExampleReport() {
	spec, err := mapping.ParseSpec([]byte(`
entity: contacts
match: email
columns:
  - {column: Name, field: name}
  - {column: Phone Number, field: PHONE}
  - {column: Email, field: EMAIL}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	schema := &mapping.Schema{Fields: map[kommo.EntityType][]*kommo.CustomField{
		kommo.EntityContacts: {
			{ID: 1, Name: "Phone", Code: "PHONE", Type: kommo.FieldMultitext},
			{ID: 2, Name: "Email", Code: "EMAIL", Type: kommo.FieldMultitext},
		},
	}}
	m, err := mapping.Compile(spec, schema, []string{"Name", "Phone Number", "Country/Region", "Email"})
	if err != nil {
		fmt.Println(err)
		return
	}
	m.File = "contacts.csv"
	r := &mapping.Report{}
	for i, rec := range [][]string{
		{"Ana", "(593) 544 8524", "United States", "ana@example.org"},
		{"Luc", "06 12 34 56 78", "France", ".luc@example.org"},
		{"Ivan", "8 (916) 123-45-67", "Россия", "ivan@example.ru"},
		{"Eva", "06 12 34 56 79", "", "eva@example.org"},
	} {
		row, errs := m.Map(sheet.Record{Row: i + 2, Values: rec})
		r.Add(row, errs)
		if row != nil {
			for _, w := range row.Warnings {
				fmt.Println(w)
			}
		}
	}
	fmt.Printf("%d rows: %d good, %d with warnings, %d failed\n", r.Rows, r.Good, r.Warned, r.Bad)
	for _, c := range r.Causes.Causes() {
		fmt.Println(c)
	}
	// Output:
	// contacts.csv: row 2, column "Phone Number", field "contacts.PHONE": sent as +15935448524: invalid phone number: not a valid number for country code +1
	// contacts.csv: row 3, column "Email", field "contacts.EMAIL": kept as written: invalid email: starts with a dot
	// contacts.csv: row 3, column "Email", field "contacts.EMAIL": matched by phone instead of email
	// contacts.csv: row 5, column "Phone Number", field "contacts.PHONE": kept as written: invalid phone number: no country code and no default region
	// 4 rows: 1 good, 3 with warnings, 0 failed
	// Email: 1 row kept as written (starts with a dot)
	// Email: 1 row matched by another key (the e-mail could not be the match key; matched by phone)
	// Phone Number: 1 row kept as written (no country code: add options.region or a country column)
	// Phone Number: 1 row normalised (a number of its country's shape that the phone metadata does not know; check it)
}
