package mapping

import (
	"fmt"
	"strings"
	"testing"

	"encoding/json"
	"github.com/google/go-cmp/cmp"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"strconv"
	"time"
)

// A phone without a country code is read in the spec's region, else in
// the country of its row's country column (named in any language, with a
// name or a code), else in the account's country; the row says which.
func TestPhoneRegionFromCountryColumn(t *testing.T) {
	const cols = "columns:\n  - {column: Phone, field: PHONE}\n"
	tests := []struct {
		name       string
		options    string
		header     []string
		rec        []string
		account    string
		wantPhones []string
		wantRegion RegionUse
		want       []warn
	}{
		{"hubspot country/region", "", []string{"Phone", "Country/Region"}, []string{"(202) 555-0143", "United States"}, "",
			[]string{"+12025550143"}, RegionUse{"US", RegionFromColumn, "Country/Region"}, nil},
		{"salesforce mailing country, unassigned area code", "", []string{"Phone", "MailingCountry"}, []string{"(593) 544 8524", "USA"}, "",
			[]string{"+15935448524"}, RegionUse{"US", RegionFromColumn, "MailingCountry"},
			[]warn{{"Phone", WarnPhoneNormalized, "not_valid", "(593) 544 8524", "+15935448524"}}},
		{"spanish header, code", "", []string{"Phone", "País"}, []string{"612 345 678", "ES"}, "",
			[]string{"+34612345678"}, RegionUse{"ES", RegionFromColumn, "País"}, nil},
		{"russian header and name", "", []string{"Phone", "Страна"}, []string{"8 (916) 123-45-67", "Россия"}, "",
			[]string{"+79161234567"}, RegionUse{"RU", RegionFromColumn, "Страна"}, nil},
		{"german header, alpha-3", "", []string{"Phone", "Land"}, []string{"030 12345678", "DEU"}, "",
			[]string{"+493012345678"}, RegionUse{"DE", RegionFromColumn, "Land"}, nil},
		{"portuguese name", "", []string{"Phone", "Pais"}, []string{"(11) 91234-5678", "Brasil"}, "",
			[]string{"+5511912345678"}, RegionUse{"BR", RegionFromColumn, "Pais"}, nil},
		{"first country column with a country", "", []string{"Phone", "MailingCountry", "OtherCountry"}, []string{"020 7946 0958", "", "Reino Unido"}, "",
			[]string{"+442079460958"}, RegionUse{"GB", RegionFromColumn, "OtherCountry"}, nil},
		{"a number with its country code needs no region", "", []string{"Phone", "Country"}, []string{"+33 6 12 34 56 78", "Germany"}, "",
			[]string{"+33612345678"}, RegionUse{}, nil},
		{"no digits: no region used", "options: {region: FR}\n", []string{"Phone", "Country"}, []string{"n/a", "Germany"}, "",
			nil, RegionUse{}, []warn{{"Phone", WarnPhoneLeftOut, "not_a_number", "n/a", ""}}},
		{"no digits: no country column used", "", []string{"Phone", "Country"}, []string{"unknown", "Germany"}, "",
			nil, RegionUse{}, []warn{{"Phone", WarnPhoneLeftOut, "not_a_number", "unknown", ""}}},
		{"the spec's region first", "options: {region: FR}\n", []string{"Phone", "Country"}, []string{"06 12 34 56 78", "Germany"}, "",
			[]string{"+33612345678"}, RegionUse{"FR", RegionFromSpec, ""}, nil},
		{"the account's country last", "", []string{"Phone", "Country"}, []string{"06 12 34 56 78", ""}, "Francia",
			[]string{"+33612345678"}, RegionUse{"FR", RegionFromAccount, ""}, nil},
		{"no region at all", "", []string{"Phone", "Country"}, []string{"06 12 34 56 78", ""}, "",
			[]string{"06 12 34 56 78"}, RegionUse{},
			[]warn{{"Phone", WarnPhoneKept, "no_country_code", "06 12 34 56 78", "06 12 34 56 78"}}},
		{"a country not understood", "", []string{"Phone", "Country"}, []string{"06 12 34 56 78", "Narnia"}, "",
			[]string{"06 12 34 56 78"}, RegionUse{},
			[]warn{{"Phone", WarnPhoneKept, "no_country_code", "06 12 34 56 78", "06 12 34 56 78"}}},
		{"country_column names it", "options: {country_column: Home}\n", []string{"Phone", "Country", "Home"}, []string{"06 12 34 56 78", "Germany", "France"}, "",
			[]string{"+33612345678"}, RegionUse{"FR", RegionFromColumn, "Home"}, nil},
		{"country_column none", "options: {country_column: none}\n", []string{"Phone", "Country"}, []string{"06 12 34 56 78", "France"}, "",
			[]string{"06 12 34 56 78"}, RegionUse{},
			[]warn{{"Phone", WarnPhoneKept, "no_country_code", "06 12 34 56 78", "06 12 34 56 78"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			schema := testSchema()
			schema.Country = tt.account
			m, err := Compile(mustParse(t, "entity: contacts\n"+tt.options+cols), schema, tt.header)
			if err != nil {
				t.Fatal(err)
			}
			row, errs := m.Map(sheet.Record{Row: 2, Values: tt.rec})
			if errs != nil {
				t.Fatal(errsOf(errs))
			}
			if got := valuesOf(row.Contact, 10); !cmp.Equal(got, tt.wantPhones) {
				t.Errorf("phones = %q, want %q", got, tt.wantPhones)
			}
			if row.PhoneRegion != tt.wantRegion {
				t.Errorf("PhoneRegion = %+v, want %+v", row.PhoneRegion, tt.wantRegion)
			}
			if diff := cmp.Diff(tt.want, warnsOf(row)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
	// The warning names the country it did not understand.
	m := mustCompile(t, "entity: contacts\n"+cols, []string{"Phone", "Country"})
	row, _ := m.Map(sheet.Record{Row: 2, Values: []string{"06 12 34 56 78", "Narnia"}})
	if w := row.Warnings[0]; w.Params["country"] != "Narnia" || !strings.Contains(w.String(), `(country "Narnia" not recognised)`) {
		t.Errorf("warning = %v, params %v; want the country named", w, w.Params)
	}
	// An account country the table does not know is no region: the row's
	// phone is kept as written, and the spec still compiles.
	schema := testSchema()
	schema.Country = "Atlantis"
	m, err := Compile(mustParse(t, "entity: contacts\n"+cols), schema, []string{"Phone"})
	if err != nil {
		t.Fatalf("Compile with account country Atlantis: %v", err)
	}
	row, _ = m.Map(sheet.Record{Row: 2, Values: []string{"06 12 34 56 78"}})
	if row == nil || row.PhoneRegion != (RegionUse{}) || len(row.Warnings) != 1 || row.Warnings[0].Code != WarnPhoneKept {
		t.Errorf("row with account country Atlantis = %+v, want the phone kept as written", row)
	}
}

// A PHONE column with a phone transform reads its numbers as one
// without: in the row's country too, and the row says which region.
func TestPhoneTransformOnPhoneField(t *testing.T) {
	const spec = "entity: contacts\n%scolumns:\n  - {column: Phone, field: PHONE, transforms: [trim, phone]}\n"
	for _, tt := range []struct {
		options, phone, country string
		want                    string
		region                  RegionUse
	}{
		{"options: {region: US}\n", "(202) 555-0143", "", "+12025550143", RegionUse{Region: "US", From: RegionFromSpec}},
		{"", "06 12 34 56 78", "France", "+33612345678", RegionUse{Region: "FR", From: RegionFromColumn, Column: "Country"}},
		{"options: {region: US}\n", "+44 20 7946 0958", "", "+442079460958", RegionUse{}},
	} {
		m := mustCompile(t, fmt.Sprintf(spec, tt.options), []string{"Phone", "Country"})
		row, errs := m.Map(sheet.Record{Row: 2, Values: []string{tt.phone, tt.country}})
		if errs != nil {
			t.Fatalf("%q: %v", tt.phone, errsOf(errs))
		}
		if got := valuesOf(row.Contact, 10); len(got) != 1 || got[0] != tt.want || row.PhoneRegion != tt.region || len(row.Warnings) != 0 {
			t.Errorf("%q: phones %q, region %+v, warnings %v; want %s read in %+v", tt.phone, got, row.PhoneRegion, row.Warnings, tt.want, tt.region)
		}
	}
}

// TestMapTimeZoneOffset checks the offset on the wire: a date-time without
// an offset in a +05:30 spec is sent as the Unix time of that wall clock
// in India, not at +05:00.
func TestMapTimeZoneOffset(t *testing.T) {
	for _, zone := range []string{"+5:30", "+5.5", "UTC+05:30", "+0530", "GMT+5.5"} {
		m := mustCompile(t, "entity: contacts\noptions: {time_zone: \""+zone+"\"}\ncolumns: [{column: Name, field: name}, {column: Created, field: created_at}]", []string{"Name", "Created"})
		row, errs := m.Map(sheet.Record{Row: 2, Values: []string{"Ann", "2024-03-15 10:30"}})
		if errs != nil {
			t.Fatalf("time_zone %q: Map errors: %v", zone, errs)
		}
		body, err := json.Marshal(row.Contact)
		if err != nil {
			t.Fatal(err)
		}
		want := time.Date(2024, 3, 15, 5, 0, 0, 0, time.UTC).Unix() // 10:30 at +05:30
		if !strings.Contains(string(body), `"created_at":`+strconv.FormatInt(want, 10)) {
			t.Errorf("time_zone %q: request %s, want created_at %d", zone, body, want)
		}
	}
}
