// Package sheettest holds the helpers the tests of sheet and sheet/xlsx
// share: reading a table whole, checking a reader stays in its limits, and
// rows for writer benchmarks.
package sheettest

import (
	"errors"
	"io"
	"testing"

	"fmt"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/core"
	"runtime"
	"strconv"
	"time"
)

// ReadAll drains t, returning the records read and the first error other
// than io.EOF.
func ReadAll(t testing.TB, tb core.Table) ([]core.Record, error) {
	t.Helper()
	var recs []core.Record
	for {
		rec, err := tb.Next()
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			return recs, err
		}
		recs = append(recs, rec)
	}
}

// FuzzLimits are small so the fuzzer reaches them.
var FuzzLimits = core.Limits{MaxCellSize: 4096, MaxColumns: 64, MaxLineLength: 16 << 10}

// CheckBounded drains tb, checking each record against l and that row
// numbers increase.
func CheckBounded(t *testing.T, tb core.Table, l core.Limits) {
	t.Helper()
	prev := 0
	for i := 0; i < 10000; i++ {
		rec, err := tb.Next()
		if err == io.EOF {
			return
		}
		var re *core.RowError
		if err != nil {
			if !errors.As(err, &re) {
				return // file-level error ends the table
			}
			if core.IsLimit(err) {
				return
			}
			continue
		}
		if rec.Row <= prev {
			t.Fatalf("record %d: Row %d after %d", i, rec.Row, prev)
		}
		prev = rec.Row
		if len(rec.Values) < len(tb.Header()) || len(rec.Values) > max(l.MaxColumns, len(tb.Header())) {
			t.Fatalf("record %d: %d values, header %d, limit %d", i, len(rec.Values), len(tb.Header()), l.MaxColumns)
		}
		for _, v := range rec.Values {
			if len(v) > l.MaxCellSize {
				t.Fatalf("record %d: value of %d bytes, limit %d", i, len(v), l.MaxCellSize)
			}
		}
	}
}

// BenchRow is a typical export row: id, name, phone, email, price, date,
// flag.
func BenchRow(i int) []core.Cell {
	return []core.Cell{
		core.IntCell(int64(10000000 + i)),
		core.StringCell("Контакт номер " + fmt.Sprint(i)),
		core.StringCell("+7999" + fmt.Sprintf("%07d", i)),
		core.StringCell(fmt.Sprintf("user%d@example.com", i)),
		core.NumberCell(float64(i) * 1.25),
		core.DateTimeCell(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)),
		core.BoolCell(i%2 == 0),
	}
}

// BenchHeader is the header of BenchRow.
var BenchHeader = []string{"id", "name", "phone", "email", "price", "created", "active"}

// WriteRows writes BenchHeader and n BenchRows to w and closes it.
func WriteRows(tb testing.TB, w core.TableWriter, n int) {
	tb.Helper()
	if err := w.WriteHeader(BenchHeader); err != nil {
		tb.Fatal(err)
	}
	row := make([]core.Cell, 0, 8)
	for i := 0; i < n; i++ {
		row = append(row[:0], BenchRow(i)...)
		if err := w.WriteRow(row); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
}

// HeapInuse returns HeapInuse after a full collection.
func HeapInuse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// CountingWriter counts the bytes written to it, in N.
type CountingWriter struct{ N int64 }

func (c *CountingWriter) Write(p []byte) (int, error) {
	c.N += int64(len(p))
	return len(p), nil
}

// BenchRows is the size of the benchmark tables: 100k rows × 20 columns, or
// 10k with -short.
func BenchRows() int {
	if testing.Short() {
		return 10_000
	}
	return 100_000
}

// BenchCols is the width of the benchmark tables.
const BenchCols = 20

// BenchCell is the value of a cell of the benchmark tables: a mix of text,
// phones, decimal numbers and dates.
func BenchCell(r, c int) any {
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

// SampleRows is a small table with one cell of every kind.
func SampleRows() (header []string, rows [][]core.Cell) {
	when := time.Date(2024, 1, 31, 14, 30, 15, 0, time.UTC)
	header = []string{"ID", "Name", "Phone", "Price", "Created", "Born", "Active", "Note", "=Header"}
	rows = [][]core.Cell{
		{core.IntCell(123456789012), core.StringCell("Иван Петров"), core.StringCell("+442079460958"), core.NumberCell(1234.5),
			core.DateTimeCell(when), core.DateCell(time.Date(1990, 5, 17, 23, 0, 0, 0, time.FixedZone("X", 5*3600))), core.BoolCell(true), core.StringCell("=HYPERLINK(\"x\")"), core.EmptyCell()},
		{core.IntCell(7), core.StringCell("a,\"b\"\nc"), core.StringCell("-"), core.NumberCell(-0.25),
			core.DateTimeCell(when.In(time.FixedZone("MSK", 3*3600))), core.DateCell(time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)), core.BoolCell(false), core.StringCell("@x"), core.StringCell("'=x")},
	}
	return header, rows
}

// ChunkReader returns its input in pieces of the sizes in sizes, in turn.
type ChunkReader struct {
	S     string
	Sizes []int
	i     int
}

func (c *ChunkReader) Read(p []byte) (int, error) {
	if c.S == "" {
		return 0, io.EOF
	}
	n := min(len(p), len(c.S), c.Sizes[c.i%len(c.Sizes)])
	c.i++
	n = copy(p, c.S[:n])
	c.S = c.S[n:]
	return n, nil
}
