package mapping

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"
)

// FuzzXLSXReader opens arbitrary bytes as a workbook and checks that nothing
// panics and every record stays within the limits.
func FuzzXLSXReader(f *testing.F) {
	f.Add(typedBook(f))
	f.Add(book(f, func(x *excelize.File) {
		must(f, x.SetSheetRow("Sheet1", "A1", &[]any{"a", nil, "a"}))
		must(f, x.MergeCell("Sheet1", "A1", "B1"))
		must(f, x.SetSheetRow("Sheet1", "A3", &[]any{1.5, true, "x"}))
	}))
	for _, name := range []string{"contacts.xlsx", "ru_semicolon.xlsx"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "files", "libreoffice", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	l := fuzzLimits
	l.MaxUncompressedSize, l.MaxEntrySize, l.MaxCompressionRatio = 2<<20, 1<<20, 100
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := OpenXLSX(bytes.NewReader(data), int64(len(data)), XLSXOptions{Limits: l})
		if err != nil {
			return
		}
		defer x.Close()
		checkBounded(t, x, l)
	})
}
