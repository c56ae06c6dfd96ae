package xlsx

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/core"
	"io"
	"path"
	"strings"
)

// checkZip opens the zip central directory of an XLSX package and rejects
// it before anything is decompressed if an entry, or the total, would
// uncompress beyond the limits, or if a large entry compresses suspiciously
// well. archive/zip then enforces the declared sizes while reading.
func checkZip(r io.ReaderAt, size int64, l core.Limits) (*zip.Reader, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("not a valid xlsx workbook: %w", err)
	}
	registerInflater(zr)
	var total uint64
	names := make(map[string]string, len(zr.File))
	for _, f := range zr.File {
		// Parts are found by name, ignoring case (findPart), as Office
		// does; a zip holding a name twice would let two readers read
		// two different workbooks from one file.
		key := strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))
		if first, dup := names[key]; dup {
			return nil, fmt.Errorf("not a valid xlsx workbook: the zip holds the part %s twice (%q and %q)", first, first, f.Name)
		}
		names[key] = f.Name
		u := f.UncompressedSize64
		if u > uint64(l.MaxEntrySize) {
			return nil, fmt.Errorf("%w: entry %s is %d bytes uncompressed, limit %d", core.ErrTooLarge, f.Name, u, l.MaxEntrySize)
		}
		total += u
		if total > uint64(l.MaxUncompressedSize) {
			return nil, fmt.Errorf("%w: more than %d bytes uncompressed", core.ErrTooLarge, l.MaxUncompressedSize)
		}
		if u > 1<<20 && u/max(f.CompressedSize64, 1) > uint64(l.MaxCompressionRatio) {
			return nil, fmt.Errorf("%w: entry %s compresses %d:1, limit %d:1 (zip bomb?)", core.ErrTooLarge, f.Name, u/max(f.CompressedSize64, 1), l.MaxCompressionRatio)
		}
	}
	return zr, nil
}

// workbookSheet is one sheet of a workbook as listed in xl/workbook.xml.
type workbookSheet struct {
	Name  string
	State string // "", "visible", "hidden", "veryHidden"
	Path  string // zip path of the worksheet XML
}

type workbookInfo struct {
	Sheets   []workbookSheet
	Date1904 bool
	// SharedStrings and Styles are the zip paths of those parts, from the
	// workbook's relationships or, failing that, their usual paths.
	SharedStrings, Styles string
}

// smallPartLimit bounds the workbook and relationship parts read whole.
const smallPartLimit = 16 << 20

// readWorkbook reads the sheet list, the worksheet paths and the date system
// from the package.
func readWorkbook(zr *zip.Reader) (*workbookInfo, error) {
	var wb struct {
		Pr struct {
			Date1904 string `xml:"date1904,attr"`
		} `xml:"workbookPr"`
		Sheets []struct {
			Name  string `xml:"name,attr"`
			State string `xml:"state,attr"`
			RID   string `xml:"id,attr"`
		} `xml:"sheets>sheet"`
	}
	wbPath := "xl/workbook.xml"
	if p := findRootTarget(zr); p != "" {
		wbPath = p
	}
	if err := decodePart(zr, wbPath, &wb); err != nil {
		return nil, err
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	relsPath := path.Join(path.Dir(wbPath), "_rels", path.Base(wbPath)+".rels")
	if err := decodePart(zr, relsPath, &rels); err != nil {
		return nil, err
	}
	info := &workbookInfo{
		Date1904:      wb.Pr.Date1904 == "1" || strings.EqualFold(wb.Pr.Date1904, "true"),
		SharedStrings: "xl/sharedStrings.xml",
		Styles:        "xl/styles.xml",
	}
	targets := make(map[string]string, len(rels.Rel))
	for _, r := range rels.Rel {
		t := strings.ReplaceAll(r.Target, `\`, "/")
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join(path.Dir(wbPath), t)
		}
		targets[r.ID] = t
		switch {
		case strings.HasSuffix(r.Type, "/sharedStrings"):
			info.SharedStrings = t
		case strings.HasSuffix(r.Type, "/styles"):
			info.Styles = t
		}
	}
	byName := make(map[string]string, len(wb.Sheets))
	byPath := make(map[string]string, len(wb.Sheets))
	for _, s := range wb.Sheets {
		p := targets[s.RID]
		// Excel refuses both; reading on would pick one of two sheets
		// silently by name, or show one part as two sheets.
		if _, dup := byName[strings.ToLower(s.Name)]; dup {
			return nil, fmt.Errorf("not a valid xlsx workbook: two sheets are named %q", s.Name)
		}
		if other, dup := byPath[strings.ToLower(p)]; dup && p != "" {
			return nil, fmt.Errorf("not a valid xlsx workbook: sheets %q and %q are the same part %s", other, s.Name, p)
		}
		byName[strings.ToLower(s.Name)], byPath[strings.ToLower(p)] = s.Name, s.Name
		info.Sheets = append(info.Sheets, workbookSheet{Name: s.Name, State: s.State, Path: p})
	}
	return info, nil
}

// findRootTarget returns the officeDocument target of _rels/.rels, or "".
func findRootTarget(zr *zip.Reader) string {
	var rels struct {
		Rel []struct {
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if decodePart(zr, "_rels/.rels", &rels) != nil {
		return ""
	}
	for _, r := range rels.Rel {
		if strings.HasSuffix(r.Type, "/officeDocument") {
			return strings.TrimPrefix(r.Target, "/")
		}
	}
	return ""
}

// openPart opens the zip entry named name, matched case-insensitively.
func openPart(zr *zip.Reader, name string) (io.ReadCloser, error) {
	f := findPart(zr, name)
	if f == nil {
		return nil, fmt.Errorf("not a valid xlsx workbook: missing %s", name)
	}
	return f.Open()
}

// findPart returns the zip entry named name, matched case-insensitively, or
// nil.
func findPart(zr *zip.Reader, name string) *zip.File {
	for _, f := range zr.File {
		if strings.EqualFold(strings.ReplaceAll(f.Name, `\`, "/"), name) {
			return f
		}
	}
	return nil
}

// decodePart XML-decodes a small zip entry into v.
func decodePart(zr *zip.Reader, name string, v any) error {
	rc, err := openPart(zr, name)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := xml.NewDecoder(io.LimitReader(rc, smallPartLimit)).Decode(v); err != nil {
		return fmt.Errorf("not a valid xlsx workbook: %s: %w", name, err)
	}
	return nil
}

// Sheets lists the names of the worksheets of an XLSX workbook, in workbook
// order, hidden ones included. It reads only the zip directory and the
// workbook part.
func Sheets(r io.ReaderAt, size int64, opts Options) ([]string, error) {
	l := opts.Limits.WithDefaults()
	zr, err := checkZip(r, size, l)
	if err != nil {
		return nil, nameErr(opts.Name, err)
	}
	info, err := readWorkbook(zr)
	if err != nil {
		return nil, nameErr(opts.Name, err)
	}
	names := make([]string, len(info.Sheets))
	for i, s := range info.Sheets {
		names[i] = s.Name
	}
	return names, nil
}

func nameErr(name string, err error) error {
	if name == "" {
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}
