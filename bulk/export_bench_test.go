package bulk

import (
	"io"
	"runtime"
	"strconv"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx"
)

// contactsSeed is the default seed plus n contacts with a phone, an email,
// a position and a select value each.
func contactsSeed(n int) *kommotest.Seed {
	s := kommotest.DefaultSeed()
	for i := range n {
		id := 20000001 + i
		s.Contacts = append(s.Contacts, kommotest.Contact{
			ID: id, Name: "Contact " + strconv.Itoa(i), FirstName: "Contact", LastName: strconv.Itoa(i),
			ResponsibleUserID: kommotest.SeedUserBoris, CreatedBy: kommotest.SeedUserAna,
			CreatedAt: 1735689600 + int64(i), UpdatedAt: 1735689600 + int64(i),
			CustomFieldsValues: []kommotest.FieldValues{
				{FieldID: kommotest.SeedContactPhone, FieldName: "Phone", FieldCode: "PHONE", FieldType: "multitext",
					Values: []kommotest.FieldValue{{Value: "+4477009" + strconv.Itoa(10000+i), EnumID: 600003, EnumCode: "MOB"}}},
				{FieldID: kommotest.SeedContactEmail, FieldName: "Email", FieldCode: "EMAIL", FieldType: "multitext",
					Values: []kommotest.FieldValue{{Value: "c" + strconv.Itoa(i) + "@example.com", EnumID: 600011, EnumCode: "WORK"}}},
				{FieldID: kommotest.SeedContactPosition, FieldName: "Position", FieldCode: "POSITION", FieldType: "text",
					Values: []kommotest.FieldValue{{Value: "Engineer"}}},
				{FieldID: kommotest.SeedContactSource, FieldName: "Source", FieldType: "select",
					Values: []kommotest.FieldValue{{Value: "Referral", EnumID: 600022}}},
			},
		})
	}
	return s
}

// TestExportMemoryFlat checks that the live heap an export needs does not
// grow with the number of records: it samples the heap after a GC at every
// page boundary, for 1,000 and for 6,000 contacts (3,000 under -race), and
// compares how much it grew during the export (the emulator's records, in
// the same process, are there from the start and do not count). A control
// run with a writer that keeps every row shows the measure catches a leak.
func TestExportMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("exports thousands of records")
	}
	growth := func(n int, leak bool) uint64 {
		_, c := newTestClient(t, contactsSeed(n))
		schema, err := FetchSchema(t.Context(), c)
		if err != nil {
			t.Fatal(err)
		}
		var w sheet.TableWriter
		w, _ = sheet.NewCSVWriter(io.Discard, sheet.CSVWriteOptions{})
		if leak {
			w = &leakyWriter{TableWriter: w}
		}
		// The heap is sampled after a GC at every page boundary; the
		// growth is the last sample over the lowest one (one-off frees of
		// earlier garbage, such as the emulator's seed, only lower it).
		var ms runtime.MemStats
		var low, last uint64
		sample := func() {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			if low == 0 || ms.HeapAlloc < low {
				low = ms.HeapAlloc
			}
			last = ms.HeapAlloc
		}
		st, err := Export(t.Context(), c, w, ExportOptions{Entity: kommo.EntityContacts, Schema: schema,
			Progress: func(ExportProgress) { sample() }})
		if err != nil || st.Rows != n {
			t.Fatalf("Export = %d rows, %v; want %d", st.Rows, err, n)
		}
		runtime.KeepAlive(w)
		return last - low
	}
	big := 6000
	if exportRace {
		big = 3000 // the race detector makes the emulator slow
	}
	small, large := growth(1000, false), growth(big, false)
	t.Logf("live heap growth during export: %d KiB for 1,000 contacts, %d KiB for %d", small>>10, large>>10, big)
	// Holding the extra rows would cost a few MiB, as the control
	// below shows.
	const slack = 1 << 20
	if large > small+slack {
		t.Errorf("export of %d contacts grew the live heap by %d KiB, 1,000 by %d KiB: memory is not flat", big, large>>10, small>>10)
	}
	// Control: a writer that keeps every row must be caught.
	leakSmall, leakLarge := growth(1000, true), growth(big, true)
	t.Logf("control, rows kept: %d KiB for 1,000 contacts, %d KiB for %d", leakSmall>>10, leakLarge>>10, big)
	if leakLarge <= leakSmall+slack {
		t.Errorf("the measure did not see a writer keeping every row (%d KiB vs %d KiB)", leakLarge>>10, leakSmall>>10)
	}
}

// leakyWriter keeps a copy of every row, as an export that collected its
// records would.
type leakyWriter struct {
	sheet.TableWriter
	rows [][]sheet.Cell
}

func (w *leakyWriter) WriteRow(cells []sheet.Cell) error {
	w.rows = append(w.rows, append([]sheet.Cell(nil), cells...))
	return w.TableWriter.WriteRow(cells)
}

// BenchmarkExportContacts exports 5,000 contacts from the emulator (no rate
// limit) to CSV and to XLSX, and reports rows per second.
func BenchmarkExportContacts(b *testing.B) {
	const n = 5000
	_, c := newTestClient(b, contactsSeed(n))
	schema, err := FetchSchema(b.Context(), c)
	if err != nil {
		b.Fatal(err)
	}
	for _, format := range []string{"csv", "xlsx"} {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			rows := 0
			for b.Loop() {
				var w sheet.TableWriter
				if format == "csv" {
					w, _ = sheet.NewCSVWriter(io.Discard, sheet.CSVWriteOptions{})
				} else {
					w, _ = xlsx.NewWriter(io.Discard, xlsx.WriteOptions{TmpDir: b.TempDir()})
				}
				st, err := Export(b.Context(), c, w, ExportOptions{Entity: kommo.EntityContacts, Schema: schema})
				if err != nil {
					b.Fatal(err)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				rows += st.Rows
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
