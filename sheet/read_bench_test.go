package sheet

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/sheet/internal/sheettest"
)

func BenchmarkCSVRead(b *testing.B) {
	n := sheettest.BenchRows()
	var buf bytes.Buffer
	for c := range sheettest.BenchCols {
		if c > 0 {
			buf.WriteByte(';')
		}
		fmt.Fprintf(&buf, "Col%d", c)
	}
	buf.WriteString("\r\n")
	for r := range n {
		for c := range sheettest.BenchCols {
			if c > 0 {
				buf.WriteByte(';')
			}
			switch v := sheettest.BenchCell(r, c).(type) {
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
