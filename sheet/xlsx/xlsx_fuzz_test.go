package xlsx

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/sheet/internal/sheettest"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx/internal/xmlscan"
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
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "files", "libreoffice", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	l := sheettest.FuzzLimits
	l.MaxUncompressedSize, l.MaxEntrySize, l.MaxCompressionRatio = 2<<20, 1<<20, 100
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := Open(bytes.NewReader(data), int64(len(data)), Options{Limits: l})
		if err != nil {
			return
		}
		defer x.Close()
		sheettest.CheckBounded(t, x, l)
	})
}

// FuzzFastXLSX feeds the streaming reader broken workbooks and, for input
// that is not a zip, broken worksheet XML wrapped in a workbook with shared
// strings. It must return errors, never panic, keep every record within the
// limits and keep its buffers bounded.
func FuzzFastXLSX(f *testing.F) {
	good := typedBook(f)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(randomBook(f, 1, true, false))
	for _, name := range []string{"contacts.xlsx", "ru_semicolon.xlsx"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "files", "libreoffice", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range craftedSheets {
		f.Add([]byte(s.xml))
		f.Add([]byte(s.xml[:len(s.xml)*2/3]))
	}
	f.Add([]byte(`<sheetData><row><c t="inlineStr"><is><t><![CDATA[a]]>&amp;&#x10FFFF;</t></is></c></row><row r="3"><c r="B3"><v>1&#`))
	l := sheettest.FuzzLimits
	l.MaxUncompressedSize, l.MaxEntrySize, l.MaxCompressionRatio = 4<<20, 2<<20, 100
	f.Fuzz(func(t *testing.T, data []byte) {
		if !bytes.HasPrefix(data, []byte("PK")) {
			data = partsBook(t, string(data), craftedSST, "")
		}
		x, err := Open(bytes.NewReader(data), int64(len(data)), Options{Limits: l})
		if err != nil {
			return
		}
		defer x.Close()
		rows := x.rows
		sheettest.CheckBounded(t, x, l)
		if rows == nil {
			return
		}
		if c := rows.sc.BufferCap(); c > 2*xmlscan.MaxBuffer {
			t.Errorf("scanner buffer grew to %d bytes", c)
		}
		if c := cap(rows.text); c > 2*l.MaxColumns*(rows.rawCap+64) {
			t.Errorf("row buffer grew to %d bytes", c)
		}
	})
}
