package migrate

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// BenchmarkMigrate100k dry-runs the migration of a 100,000-row contacts
// file (20,000 with -short) in which every fourth row repeats the e-mail
// of the row before it (a duplicate, folded into that row), in full and as
// a sample of 100 records. It reports rows/s: the work per row must not
// grow with the file. Run it alone:
//
//	go test -run '^$' -bench Migrate100k -benchtime 1x ./bulk
func BenchmarkMigrate100k(b *testing.B) {
	n := 100_000
	if testing.Short() {
		n = 20_000
	}
	var buf bytes.Buffer
	buf.WriteString("Record ID,Name,Email\n")
	for i := range n {
		mail := i
		if i%4 == 3 {
			mail = i - 1
		}
		fmt.Fprintf(&buf, "%d,Person %d,p%d@example.org\n", 1000+i, i, mail)
	}
	data := buf.Bytes()
	spec, err := mapping.ParseSpec([]byte("entity: contacts\nkey: Record ID\nmatch: \"field:" + DefaultIDField + "\"\ncolumns:\n" +
		"  - {column: Record ID, field: " + DefaultIDField + "}\n  - {column: Name, field: name}\n" +
		"  - {column: Email, field: EMAIL, enum: WORK, transforms: [lower]}\n"))
	if err != nil {
		b.Fatal(err)
	}
	file := File{Name: "contacts.csv", Spec: spec,
		Open: func() (sheet.Table, error) {
			return sheet.OpenCSV(bytes.NewReader(data), sheet.CSVOptions{Name: "contacts.csv"})
		},
		FieldTypes: map[string]kommo.FieldType{TypeKey(kommo.EntityContacts, DefaultIDField): kommo.FieldText}}
	for _, bc := range []struct {
		name   string
		sample int
	}{{"full", 0}, {"sample", 100}} {
		b.Run(bc.name, func(b *testing.B) {
			e := newBenchEnv(b)
			for range b.N {
				start := time.Now()
				rep, err := Run(b.Context(), e.c, []File{file}, Options{DryRun: true, CreateFields: true, Sample: bc.sample})
				el := time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				fr := rep.Files[0]
				if merged := n / 4; len(rep.Merges) != merged || (bc.sample == 0 && (fr.Merged != merged || fr.Created != n-merged)) {
					b.Fatalf("%d merges, file %+v; want %d merged, %d created", len(rep.Merges), fr, merged, n-merged)
				}
				b.ReportMetric(float64(n)/el.Seconds(), "rows/s")
			}
		})
	}
}
