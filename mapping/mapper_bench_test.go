package mapping

import (
	"bytes"
	"fmt"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"io"
	"strings"
	"testing"
)

// mapBenchSpec maps 20 columns of a contacts file with a company.
const mapBenchSpec = `
entity: contacts
key: ID
match: email
options: {region: US, date_layouts: [mm/dd/yyyy]}
columns:
  - {column: First, field: first_name}
  - {column: Last, field: last_name}
  - {column: Email, field: EMAIL}
  - {column: Phone, field: PHONE}
  - {column: Position, field: POSITION}
  - {column: Source, field: Lead source}
  - {column: Interests, field: Interests}
  - {column: Score, field: Score}
  - {column: VIP, field: VIP}
  - {column: External, field: EXT_ID}
  - {column: Owner, field: responsible_user}
  - {column: Tags, field: tags}
  - {column: Created, field: created_at}
  - {column: Company, entity: companies, field: name}
  - {column: Web, entity: companies, field: WEB}
  - {column: Address, entity: companies, field: Address}
  - {column: Company email, entity: companies, field: EMAIL}
  - {column: Birthday, field: Birthday}
refs:
  - {column: Company ID, entity: companies}
`

var mapBenchHeader = []string{"ID", "First", "Last", "Email", "Phone", "Position", "Source", "Interests", "Score", "VIP",
	"External", "Owner", "Tags", "Created", "Company", "Web", "Address", "Company email", "Birthday", "Company ID"}

// mapBenchRecord is row i of the benchmark file: a simple row whose phone
// already is in E.164 and whose values need no cleaning.
func mapBenchRecord(i int, simple bool) []string {
	phone := fmt.Sprintf("+1202555%04d", i%10000)
	if !simple {
		phone = fmt.Sprintf("(202) 555-%04d", i%10000)
	}
	return []string{fmt.Sprint(i), "Ann", "Lee", fmt.Sprintf("ann%d@example.com", i), phone, "CTO", "Referral",
		"Software; Consulting", "12.5", "yes", fmt.Sprintf("X-%d", i), "Ana Souza", "vip; 2024", "03/15/2024",
		"ACME Inc", "acme.com", "1 Main St", "info@acme.com", "1980-02-01", fmt.Sprintf("C-%d", i%100)}
}

// mapBenchSpecFor returns the benchmark spec, with the phone column
// mapped to a text field when phone is false: libphonenumber's validation
// costs more than everything else in a row.
func mapBenchSpecFor(phone bool) string {
	spec := mapBenchSpec
	if !phone {
		spec = strings.Replace(spec, "{column: Phone, field: PHONE}", "{column: Phone, field: External ID}", 1)
		spec = strings.Replace(spec, "{column: External, field: EXT_ID}", "{column: External, entity: companies, field: ADDRESS}", 1)
		spec = strings.Replace(spec, "{column: Address, entity: companies, field: Address}", "{column: Address, field: Position}", 1)
		spec = strings.Replace(spec, "{column: Position, field: POSITION}", "{column: Position, entity: companies, field: WEB}", 1)
		spec = strings.Replace(spec, "{column: Web, entity: companies, field: WEB}", "{column: Web, field: tags}", 1)
		spec = strings.Replace(spec, "{column: Tags, field: tags}", "", 1)
	}
	return spec
}

func mapBenchMapper(b *testing.B, phone bool) *Mapper {
	m, err := Compile(mustParse(b, mapBenchSpecFor(phone)), testSchema(), mapBenchHeader)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func BenchmarkMap(b *testing.B) {
	for _, tc := range []struct {
		name   string
		phone  bool
		simple bool
	}{{"no-phone", false, true}, {"e164-phone", true, true}, {"national-phone", true, false}} {
		simple := tc.simple
		b.Run(tc.name, func(b *testing.B) {
			spec := mapBenchSpecFor(tc.phone)
			m, err := Compile(mustParse(b, spec), testSchema(), mapBenchHeader)
			if err != nil {
				b.Fatal(err)
			}
			recs := make([]sheet.Record, 1000)
			for i := range recs {
				recs[i] = sheet.Record{Row: i + 2, Values: mapBenchRecord(i, simple)}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, errs := m.Map(recs[i%len(recs)]); errs != nil {
					b.Fatal(errs)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkReadMap reads a 100k-row CSV of the benchmark file from memory
// and maps every row.
func BenchmarkReadMap(b *testing.B) {
	const n = 100_000
	var buf bytes.Buffer
	buf.WriteString(strings.Join(mapBenchHeader, ",") + "\n")
	for i := range n {
		rec := mapBenchRecord(i, true)
		for j, v := range rec {
			if strings.ContainsAny(v, ",;") {
				rec[j] = `"` + v + `"`
			}
		}
		buf.WriteString(strings.Join(rec, ",") + "\n")
	}
	data := buf.Bytes()
	for _, phone := range []bool{false, true} {
		name := "no-phone"
		if phone {
			name = "e164-phone"
		}
		b.Run(name, func(b *testing.B) { benchReadMap(b, data, mapBenchMapper(b, phone), n) })
	}
}

func benchReadMap(b *testing.B, data []byte, m *Mapper, n int) {
	b.ReportAllocs()
	for b.Loop() {
		t, err := sheet.OpenCSV(bytes.NewReader(data), sheet.CSVOptions{})
		if err != nil {
			b.Fatal(err)
		}
		rows := 0
		for {
			rec, err := t.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if _, errs := m.Map(rec); errs != nil {
				b.Fatal(errs)
			}
			rows++
		}
		if rows != n {
			b.Fatalf("read %d rows, want %d", rows, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func FuzzMap(f *testing.F) {
	f.Add("1", "Ann", "ann@example.com", "+12025550100", "Software;Consulting", "1 234,5", "03/15/2024", "yes")
	f.Add("", "", "x@", "00", ";;", "(1,5)", "99/99/9999", "maybe")
	spec := mapBenchSpec
	f.Fuzz(func(t *testing.T, id, name, email, phone, interests, score, created, vip string) {
		m, err := Compile(mustParse(t, spec), testSchema(), mapBenchHeader)
		if err != nil {
			t.Fatal(err)
		}
		rec := mapBenchRecord(1, true)
		rec[0], rec[1], rec[3], rec[4], rec[7], rec[8], rec[13], rec[9] = id, name, email, phone, interests, score, created, vip
		row, errs := m.Map(sheet.Record{Row: 2, Values: rec})
		if (row == nil) == (errs == nil) {
			t.Fatalf("Map() = %v, %v; want exactly one of row and errors", row, errs)
		}
		for _, e := range errs {
			if e.Err == nil || e.Row != 2 {
				t.Errorf("bad RowError %+v", e)
			}
		}
	})
}
