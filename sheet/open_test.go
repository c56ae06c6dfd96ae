package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	xlsxpkg "github.com/kommo-bulk/kommo-bulk/sheet/xlsx"
)

func TestOpen(t *testing.T) {
	xlsx := miniBook(t)
	tests := []struct {
		name   string
		file   string
		data   []byte
		header []string
		err    error
	}{
		{name: "xlsx by content", file: "upload.bin", data: xlsx, header: []string{"Name", "Phone"}},
		{name: "csv", file: "contacts.csv", data: []byte("Name;Phone\nA;1\n"), header: []string{"Name", "Phone"}},
		{name: "tsv named txt", file: "export.txt", data: []byte("Name\tPhone\n"), header: []string{"Name", "Phone"}},
		{name: "legacy xls", file: "old.xls", data: append(bytes.Clone(oleMagic), 0, 0, 0), err: ErrUnsupportedFormat},
		{name: "ods", file: "sheet.ods", data: zipOf(t, map[string][]byte{"mimetype": []byte("application/vnd.oasis.opendocument.spreadsheet")}), err: ErrUnsupportedFormat},
		{name: "truncated xlsx", file: "broken.xlsx", data: xlsx[:20], err: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb, err := Open(tt.file, bytes.NewReader(tt.data), int64(len(tt.data)), ReadOptions{})
			if tt.err != nil || tt.header == nil {
				if err == nil || (tt.err != nil && !errors.Is(err, tt.err)) || !strings.Contains(err.Error(), tt.file) {
					t.Fatalf("Open(%q) error = %v, want %v naming the file", tt.file, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open(%q) error = %v", tt.file, err)
			}
			defer tb.Close()
			if got := tb.Header()[:2]; !cmp.Equal(got, tt.header) {
				t.Errorf("Open(%q).Header() = %q, want %q", tt.file, got, tt.header)
			}
		})
	}
}

// miniBook is a workbook of our own writer with a header, Name and Phone,
// and one row.
func miniBook(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := xlsxpkg.NewWriter(&buf, xlsxpkg.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteHeader([]string{"Name", "Phone"}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRow([]Cell{StringCell("Ann"), StringCell("+15550100")}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zipOf is a zip archive of the given parts.
func zipOf(t *testing.T, parts map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, b := range parts {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
