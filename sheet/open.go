package sheet

import (
	"bytes"
	"fmt"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx"
	"io"
)

var (
	_ Table = (*CSVReader)(nil)
	_ Table = (*xlsx.Reader)(nil)
)

// ReadOptions configures Open. The zero value detects everything and applies
// the default Limits.
type ReadOptions struct {
	CSV  CSVOptions   // used when the file is CSV; value.Name defaults to Open's name
	XLSX xlsx.Options // used when the file is XLSX; value.Name defaults to Open's name
}

// Open opens a CSV or XLSX file, choosing by content (the zip signature of
// XLSX) and, failing that, by the extension of name. name is only used for
// that choice and in error messages. A legacy binary .xls (ErrLegacyXLS),
// an encrypted workbook (ErrEncrypted) or an .ods file yields
// ErrUnsupportedFormat, with a message that names the fix.
func Open(name string, r io.ReaderAt, size int64, opts ReadOptions) (Table, error) {
	head := make([]byte, 8)
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	switch Sniff(name, head[:n]) {
	case FormatXLSX:
		o := opts.XLSX
		if o.Name == "" {
			o.Name = name
		}
		return xlsx.Open(r, size, o)
	case FormatCSV:
		o := opts.CSV
		if o.Name == "" {
			o.Name = name
		}
		return OpenCSV(io.NewSectionReader(r, 0, size), o)
	}
	if bytes.HasPrefix(head[:n], oleMagic) {
		switch sniffOLE(r, size) {
		case oleLegacyXLS:
			return nil, fmt.Errorf("%s: %w; open it in Excel or LibreOffice and save it as .xlsx (Excel Workbook) or .csv, then use that file", name, ErrLegacyXLS)
		case oleEncrypted:
			return nil, fmt.Errorf("%s: %w; give its password to the command line (kommo-bulk import --password, or KOMMO_BULK_PASSWORD), or open it in Excel or LibreOffice and save a copy without a password", name, ErrEncrypted)
		}
	}
	return nil, fmt.Errorf("%s: %w (only CSV and XLSX are read; save the file as .xlsx or .csv)", name, ErrUnsupportedFormat)
}
