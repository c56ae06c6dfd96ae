package xlsx

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/sheet/internal/core"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/sheettest"
	"github.com/xuri/excelize/v2"
)

// benchXLSX writes the benchmark table as a workbook the way the export
// does (excelize's StreamWriter: inline strings, a date style) and returns
// its bytes and number of data rows.
func benchXLSX(b *testing.B) ([]byte, int) {
	b.Helper()
	n := sheettest.BenchRows()
	path := filepath.Join(b.TempDir(), "bench.xlsx")
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		b.Fatal(err)
	}
	row := make([]any, sheettest.BenchCols)
	for c := range row {
		row[c] = fmt.Sprintf("Col%d", c)
	}
	if err := sw.SetRow("A1", row); err != nil {
		b.Fatal(err)
	}
	for r := range n {
		for c := range row {
			v := sheettest.BenchCell(r, c)
			if c%4 == 3 {
				v = excelize.Cell{StyleID: date, Value: 45306 + r%1000}
			}
			row[c] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
	f.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return data, n
}

// BenchmarkXLSXRead reads the excelize-written workbook (see benchXLSX).
func BenchmarkXLSXRead(b *testing.B) {
	data, n := benchXLSX(b)
	benchReadXLSX(b, data, n)
}

// benchReadXLSX opens and reads workbook data, which has n data rows,
// once per iteration.
func benchReadXLSX(b *testing.B, data []byte, n int) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		x, err := Open(bytes.NewReader(data), int64(len(data)), Options{})
		if err != nil {
			b.Fatal(err)
		}
		recs := 0
		for {
			_, err := x.Next()
			if err != nil {
				break
			}
			recs++
		}
		x.Close()
		if recs != n {
			b.Fatalf("read %d records, want %d", recs, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// benchInlineXLSX writes the table the browser benchmark reads
// (wasm/bench_test.go's writeBenchFilesAs with 15 extra columns) with
// NewXLSXWriter: 20 text columns stored as inline strings, one of them a
// date written as "dd.mm.yyyy" text. It returns the bytes and the number
// of data rows.
func benchInlineXLSX(b *testing.B) ([]byte, int) {
	b.Helper()
	n := sheettest.BenchRows()
	var buf bytes.Buffer
	xw, err := NewWriter(&buf, WriteOptions{Sheet: "Contacts"})
	if err != nil {
		b.Fatal(err)
	}
	const extra = sheettest.BenchCols - 5
	header := []string{"Name", "Email", "Phone", "Position", "Birthday"}
	for i := range extra {
		header = append(header, "Note "+strconv.Itoa(i+1))
	}
	if err := xw.WriteHeader(header); err != nil {
		b.Fatal(err)
	}
	row := make([]core.Cell, 0, sheettest.BenchCols)
	for i := range n {
		phone := fmt.Sprintf("(202) 555-%04d", i%10000)
		if i%1000 == 999 {
			phone = "n/a"
		}
		row = append(row[:0],
			core.StringCell("Person "+strconv.Itoa(i)),
			core.StringCell(fmt.Sprintf("p%d@example.com", i)),
			core.StringCell(phone),
			core.StringCell("Engineer"),
			core.StringCell(fmt.Sprintf("%02d.%02d.19%02d", i%28+1, i%12+1, i%100)),
		)
		for j := range extra {
			row = append(row, core.StringCell("note "+strconv.Itoa((i+j)%1000)))
		}
		if err := xw.WriteRow(row); err != nil {
			b.Fatal(err)
		}
	}
	if err := xw.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes(), n
}

// BenchmarkXLSXReadInline reads the browser benchmark's workbook (see
// benchInlineXLSX).
func BenchmarkXLSXReadInline(b *testing.B) {
	data, n := benchInlineXLSX(b)
	benchReadXLSX(b, data, n)
}

// benchSharedXLSX writes benchInlineXLSX's table the way Excel saves it:
// every text in the shared strings part (each distinct text once), cells
// t="s", rows with spans. It returns the bytes and the number of data
// rows.
func benchSharedXLSX(b *testing.B) ([]byte, int) {
	b.Helper()
	n := sheettest.BenchRows()
	const extra = sheettest.BenchCols - 5
	index := map[string]int{}
	var sst, sheet strings.Builder
	ref := func(s string) int {
		i, ok := index[s]
		if !ok {
			i = len(index)
			index[s] = i
			sst.WriteString("<si><t>" + s + "</t></si>")
		}
		return i
	}
	row := make([]string, 0, sheettest.BenchCols)
	writeRow := func(r int) {
		fmt.Fprintf(&sheet, `<row r="%d" spans="1:%d">`, r, sheettest.BenchCols)
		for c, v := range row {
			cell := string(appendColumnName(nil, c+1)) + strconv.Itoa(r)
			fmt.Fprintf(&sheet, `<c r="%s" t="s"><v>%d</v></c>`, cell, ref(v))
		}
		sheet.WriteString("</row>")
	}
	sheet.WriteString("<sheetData>")
	row = append(row, "Name", "Email", "Phone", "Position", "Birthday")
	for i := range extra {
		row = append(row, "Note "+strconv.Itoa(i+1))
	}
	writeRow(1)
	for i := range n {
		phone := fmt.Sprintf("(202) 555-%04d", i%10000)
		if i%1000 == 999 {
			phone = "n/a"
		}
		row = append(row[:0], "Person "+strconv.Itoa(i), fmt.Sprintf("p%d@example.com", i), phone, "Engineer",
			fmt.Sprintf("%02d.%02d.19%02d", i%28+1, i%12+1, i%100))
		for j := range extra {
			row = append(row, "note "+strconv.Itoa((i+j)%1000))
		}
		writeRow(i + 2)
	}
	sheet.WriteString("</sheetData>")
	return partsBook(b, sheet.String(), sst.String(), ""), n
}

// BenchmarkXLSXReadShared reads benchInlineXLSX's table saved with shared
// strings, as Excel saves it (see benchSharedXLSX).
func BenchmarkXLSXReadShared(b *testing.B) {
	data, n := benchSharedXLSX(b)
	benchReadXLSX(b, data, n)
}
