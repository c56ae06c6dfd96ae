package sheet

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestOpenOLE tells the two kinds of OLE2 compound file apart: a legacy
// .xls written by LibreOffice and a workbook encrypted by excelize (the
// standard encryption Excel reads) get errors that name their fixes.
func TestOpenOLE(t *testing.T) {
	legacy, err := os.ReadFile(filepath.Join("..", "testdata", "files", "libreoffice", "legacy.xls"))
	if err != nil {
		t.Fatal(err)
	}
	encrypted, err := excelize.Encrypt(miniBook(t), &excelize.Options{Password: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file string
		data       []byte
		err        error
		says       string
	}{
		{"legacy xls", "old.xls", legacy, ErrLegacyXLS, "save it as .xlsx"},
		{"legacy xls named xlsx", "old.xlsx", legacy, ErrLegacyXLS, "save it as .xlsx"},
		{"encrypted xlsx", "locked.xlsx", encrypted, ErrEncrypted, "--password"},
		{"bare OLE header", "odd.xls", append(bytes.Clone(oleMagic), make([]byte, 600)...), ErrUnsupportedFormat, "save the file as .xlsx or .csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(tt.file, bytes.NewReader(tt.data), int64(len(tt.data)), ReadOptions{})
			if !errors.Is(err, tt.err) || !errors.Is(err, ErrUnsupportedFormat) {
				t.Fatalf("Open error = %v, want %v", err, tt.err)
			}
			if !strings.HasPrefix(err.Error(), tt.file+": ") || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("Open error = %q, want the file name and %q", err, tt.says)
			}
			if tt.err == ErrUnsupportedFormat && (errors.Is(err, ErrLegacyXLS) || errors.Is(err, ErrEncrypted)) {
				t.Errorf("Open error = %v: an unknown OLE file is neither legacy nor encrypted", err)
			}
		})
	}
}
