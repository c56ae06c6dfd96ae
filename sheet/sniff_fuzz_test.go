package sheet

import (
	"bytes"
	"slices"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/sheet/internal/sheettest"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

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
			c, err := OpenCSV(bytes.NewReader(data), CSVOptions{LazyQuotes: lazy, Limits: sheettest.FuzzLimits})
			if err != nil {
				continue
			}
			if len(c.Header()) > sheettest.FuzzLimits.MaxColumns {
				t.Fatalf("Header() has %d columns, limit %d", len(c.Header()), sheettest.FuzzLimits.MaxColumns)
			}
			sheettest.CheckBounded(t, c, sheettest.FuzzLimits)
		}
	})
}
