package mapping

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"
)

// benchRows is the size of the benchmark tables: 100k rows × 20 columns, or
// 10k with -short.
func benchRows() int {
	if testing.Short() {
		return 10_000
	}
	return 100_000
}

const benchCols = 20

// benchCell is the value of a cell of the benchmark tables: a mix of text,
// phones, decimal numbers and dates.
func benchCell(r, c int) any {
	switch c % 4 {
	case 0:
		return "Name " + strconv.Itoa(r)
	case 1:
		return 79120000000 + r
	case 2:
		return float64(r) + 0.25
	}
	return "2024-01-15"
}

func BenchmarkCSVRead(b *testing.B) {
	n := benchRows()
	var buf bytes.Buffer
	for c := range benchCols {
		if c > 0 {
			buf.WriteByte(';')
		}
		fmt.Fprintf(&buf, "Col%d", c)
	}
	buf.WriteString("\r\n")
	for r := range n {
		for c := range benchCols {
			if c > 0 {
				buf.WriteByte(';')
			}
			switch v := benchCell(r, c).(type) {
			case float64:
				buf.WriteString(strconv.Itoa(int(v)) + ",25")
			default:
				fmt.Fprint(&buf, v)
			}
		}
		buf.WriteString("\r\n")
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c, err := OpenCSV(bytes.NewReader(data), CSVOptions{})
		if err != nil {
			b.Fatal(err)
		}
		recs := 0
		for {
			_, err := c.Next()
			if err != nil {
				break
			}
			recs++
		}
		if recs != n {
			b.Fatalf("read %d records, want %d", recs, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// benchXLSX writes the benchmark table as a workbook the way the export
// does (excelize's StreamWriter: inline strings, a date style) and returns
// its bytes and number of data rows.
func benchXLSX(b *testing.B) ([]byte, int) {
	b.Helper()
	n := benchRows()
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
	row := make([]any, benchCols)
	for c := range row {
		row[c] = fmt.Sprintf("Col%d", c)
	}
	if err := sw.SetRow("A1", row); err != nil {
		b.Fatal(err)
	}
	for r := range n {
		for c := range row {
			v := benchCell(r, c)
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

func BenchmarkXLSXRead(b *testing.B) {
	data, n := benchXLSX(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		x, err := OpenXLSX(bytes.NewReader(data), int64(len(data)), XLSXOptions{})
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
