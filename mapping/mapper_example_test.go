package mapping_test

import (
	"fmt"
	"os"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

func ExampleCompile() {
	spec, err := mapping.ParseSpec([]byte(`
entity: contacts
match: email
options: {region: GB}
columns:
  - {column: Name, field: name, transforms: [split_name]}
  - {column: Tel, field: PHONE, enum: MOB}
  - {column: Mail, field: EMAIL}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	schema := &mapping.Schema{Fields: map[kommo.EntityType][]*kommo.CustomField{
		kommo.EntityContacts: {
			{ID: 1, Name: "Phone", Code: "PHONE", Type: kommo.FieldMultitext, Enums: kommo.Enums{{ID: 11, Value: "WORK"}, {ID: 12, Value: "MOB"}}},
			{ID: 2, Name: "Email", Code: "EMAIL", Type: kommo.FieldMultitext, Enums: kommo.Enums{{ID: 21, Value: "WORK"}}},
		},
	}}
	m, err := mapping.Compile(spec, schema, []string{"Name", "Tel", "Mail"})
	if err != nil {
		fmt.Println(err)
		return
	}
	m.File = "people.csv"
	for _, rec := range []sheet.Record{
		{Row: 2, Values: []string{"Ada Lovelace", "07911 123456", "Ada@Example.org"}},
		{Row: 3, Values: []string{"Grace Hopper", "+1 (487) 456-2346", "grace@example.org"}},
		{Row: 4, Values: []string{"Alan Turing", "123", "alan@example"}},
	} {
		row, errs := m.Map(rec)
		for _, e := range errs {
			fmt.Println(e)
		}
		if row != nil {
			c := row.Contact
			fmt.Println(c.FirstName, "|", c.LastName, "|", c.CustomFieldsValues[0].Strings(), c.CustomFieldsValues[1].Strings(), row.Match[kommo.EntityContacts].Values)
			for _, w := range row.Warnings {
				fmt.Println(w)
			}
		}
	}
	// Output:
	// Ada | Lovelace | [+447911123456] [ada@example.org] [ada@example.org]
	// Grace | Hopper | [+14874562346] [grace@example.org] [grace@example.org]
	// people.csv: row 3, column "Tel", field "contacts.PHONE": sent as +14874562346: invalid phone number: not a valid number for country code +1
	// people.csv: row 4, column "Mail", field "contacts.EMAIL": invalid email: domain "example" has no dot; it is the match key of contacts, and the row has no valid phone to match by instead
}

func ExamplePropose() {
	header := []string{"Record ID", "First Name", "Last Name", "E-mail", "Phone Number", "Company Name"}
	sample := [][]string{{"17", "Ada", "Lovelace", "ada@example.org", "+44 7700 900123", "Analytical Engines"}}
	schema := &mapping.Schema{Fields: map[kommo.EntityType][]*kommo.CustomField{
		kommo.EntityContacts: {
			{ID: 1, Name: "Phone", Code: "PHONE", Type: kommo.FieldMultitext, Enums: kommo.Enums{{ID: 11, Value: "WORK"}, {ID: 12, Value: "MOB"}}},
			{ID: 2, Name: "Email", Code: "EMAIL", Type: kommo.FieldMultitext, Enums: kommo.Enums{{ID: 21, Value: "WORK"}}},
		},
	}}
	p := mapping.Propose(header, sample, kommo.EntityContacts, schema)
	for _, c := range p.Columns {
		fmt.Printf("%-13s %-9s %-10s %-4s %.2f %s\n", c.Column, c.Entity, c.Field, c.Enum, c.Confidence, c.Reason)
	}
	if err := p.Spec().WriteYAML(os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// Record ID                               0.00 key
	// First Name    contacts  first_name      0.90 normalized
	// Last Name     contacts  last_name       0.90 normalized
	// E-mail        contacts  EMAIL      WORK 0.85 alias
	// Phone Number  contacts  PHONE      WORK 0.85 alias
	// Company Name  companies name            0.80 alias
	// entity: contacts
	// key: Record ID
	// match: email
	// columns:
	//   - column: First Name
	//     field: first_name
	//   - column: Last Name
	//     field: last_name
	//   - column: E-mail
	//     field: EMAIL
	//     enum: WORK
	//   - column: Phone Number
	//     field: PHONE
	//     enum: WORK
	//   - column: Company Name
	//     entity: companies
	//     field: name
}
