package workbook

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx"
)

// benchRows are n rows of a leads export of the seed's schema.
func benchRows(b *testing.B, n int) (*mapping.Schema, []string, [][]sheet.Cell) {
	s := seedSchema(b)
	cols := bulk.ExportColumns(kommo.EntityLeads, s)
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Header
	}
	t0 := time.Date(2025, 1, 2, 15, 4, 5, 0, time.UTC)
	rows := make([][]sheet.Cell, n)
	for i := range rows {
		r := make([]sheet.Cell, len(cols))
		r[0] = sheet.IntCell(int64(1000 + i))
		r[1] = sheet.StringCell(fmt.Sprintf("Deal %d", i))
		r[2] = sheet.IntCell(int64(i % 5000))
		r[3], r[4] = sheet.StringCell("Qualified"), sheet.IntCell(7100003)
		r[5], r[6] = sheet.StringCell("Sales"), sheet.IntCell(7000001)
		r[7], r[8] = sheet.StringCell("Boris Manager"), sheet.IntCell(1002)
		r[9], r[10] = sheet.DateTimeCell(t0), sheet.DateTimeCell(t0)
		r[12] = sheet.StringCell("vip; new")
		r[16] = sheet.StringCell("Referral")
		rows[i] = r
	}
	return s, header, rows
}

func writeRows(b *testing.B, w sheet.TableWriter, header []string, rows [][]sheet.Cell) {
	if err := w.WriteHeader(header); err != nil {
		b.Fatal(err)
	}
	for _, r := range rows {
		if err := w.WriteRow(r); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkEditExport compares, on 20,000 leads, the plain streaming
// export (mapping's writer), the edit export (excelize's StreamWriter, all
// of its features) and a post-processing of the plain export with
// excelize's ordinary API that only links the ids and locks one column:
// the way the edit export is not written.
func BenchmarkEditExport(b *testing.B) {
	const n = 20000
	s, header, rows := benchRows(b, n)
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			w, _ := xlsx.NewWriter(io.Discard, xlsx.WriteOptions{Sheet: "leads"})
			writeRows(b, w, header, rows)
		}
	})
	b.Run("edit-stream", func(b *testing.B) {
		for b.Loop() {
			w, err := NewEditWriter(io.Discard, EditOptions{Entity: kommo.EntityLeads, Schema: s, RecordURL: RecordURL("https://x.kommo.com/", kommo.EntityLeads)})
			if err != nil {
				b.Fatal(err)
			}
			writeRows(b, w, header, rows)
		}
	})
	b.Run("post-process", func(b *testing.B) {
		for b.Loop() {
			var buf bytes.Buffer
			w, _ := xlsx.NewWriter(&buf, xlsx.WriteOptions{Sheet: "leads"})
			writeRows(b, w, header, rows)
			f, err := excelize.OpenReader(&buf)
			if err != nil {
				b.Fatal(err)
			}
			locked, _ := f.NewStyle(&excelize.Style{Protection: &excelize.Protection{Locked: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{fillLocked}}})
			for r := 2; r <= n+1; r++ {
				cell := fmt.Sprintf("A%d", r)
				if err := f.SetCellFormula("leads", cell, fmt.Sprintf(`HYPERLINK("https://x.kommo.com/leads/detail/%d",%d)`, 998+r, 998+r)); err != nil {
					b.Fatal(err)
				}
			}
			if err := f.SetCellStyle("leads", "A2", fmt.Sprintf("A%d", n+1), locked); err != nil {
				b.Fatal(err)
			}
			if err := f.Write(io.Discard); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
}
