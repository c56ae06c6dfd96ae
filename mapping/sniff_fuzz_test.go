package mapping

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// fuzzLimits are small so the fuzzer reaches them.
var fuzzLimits = Limits{MaxCellSize: 4096, MaxColumns: 64, MaxLineLength: 16 << 10}

// FuzzSniffCSV feeds arbitrary bytes through encoding and delimiter detection
// and the CSV reader, and checks that nothing panics and every record stays
// within the limits.
func FuzzSniffCSV(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n",
		"\xEF\xBB\xBFName;Price\r\nA;1,5\r\n",
		"a\tb\n\"x\ny\"\tz\n",
		"a|b|c\n1|2\n1|2|3|4\n",
		"\"unterminated\n",
		",,,\n\n\n",
		"Phone,Phone,,\n1,2,3\n",
	} {
		f.Add([]byte(s))
	}
	f.Add(enc(f, charmap.Windows1251, "Имя;Телефон\nИван;1\n"))
	f.Add(enc(f, charmap.Windows1252, "Name,City\nJosé,Köln\n"))
	f.Add(enc(f, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), "a\tb\n1\t2\n"))
	f.Add(enc(f, unicode.UTF16(unicode.BigEndian, unicode.UseBOM), "a;b\n1;2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if d := SniffDelimiter(data, false); !slices.Contains(delimiters, d) {
			t.Fatalf("SniffDelimiter() = %q, not a candidate", d)
		}
		if name, bom := DetectEncoding(data, true); bom > len(data) {
			t.Fatalf("DetectEncoding() = %q, bom %d > len %d", name, bom, len(data))
		}
		for _, lazy := range []bool{false, true} {
			c, err := OpenCSV(bytes.NewReader(data), CSVOptions{LazyQuotes: lazy, Limits: fuzzLimits})
			if err != nil {
				continue
			}
			if len(c.Header()) > fuzzLimits.MaxColumns {
				t.Fatalf("Header() has %d columns, limit %d", len(c.Header()), fuzzLimits.MaxColumns)
			}
			checkBounded(t, c, fuzzLimits)
		}
	})
}

// checkBounded drains tb, checking each record against l and that row
// numbers increase.
func checkBounded(t *testing.T, tb Table, l Limits) {
	t.Helper()
	prev := 0
	for i := 0; i < 10000; i++ {
		rec, err := tb.Next()
		if err == io.EOF {
			return
		}
		var re *RowError
		if err != nil {
			if !errors.As(err, &re) {
				return // file-level error ends the table
			}
			if IsLimit(err) {
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
