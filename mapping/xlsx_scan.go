package mapping

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// cellMeta is what excelize's Rows.Columns drops and the reader needs: a
// cell's type attribute and style index.
type cellMeta struct {
	col   int // 0-based
	style int
	typ   string
}

// cellScanner walks a worksheet part in step with excelize's row iterator and
// reports the type and style of each cell. It keeps only the current row.
type cellScanner struct {
	rc    io.ReadCloser
	dec   *xml.Decoder
	cur   int // row number of cells
	cells []cellMeta
	done  bool
	err   error
}

func newCellScanner(zr *zip.Reader, part string) (*cellScanner, error) {
	rc, err := openPart(zr, part)
	if err != nil {
		return nil, err
	}
	d := xml.NewDecoder(rc)
	d.Strict = false
	return &cellScanner{rc: rc, dec: d}, nil
}

func (s *cellScanner) Close() error { return s.rc.Close() }

// row returns the cells of row n, advancing past earlier rows. Rows must be
// requested in increasing order.
func (s *cellScanner) row(n int) ([]cellMeta, error) {
	for s.cur < n && !s.done {
		if err := s.next(); err != nil {
			return nil, err
		}
	}
	if s.cur == n {
		return s.cells, nil
	}
	return nil, s.err
}

// next reads the next row element.
func (s *cellScanner) next() error {
	s.cells = s.cells[:0]
	for {
		tok, err := s.dec.RawToken()
		if err == io.EOF {
			s.done = true
			return nil
		}
		if err != nil {
			s.done = true
			s.err = fmt.Errorf("malformed worksheet: %w", err)
			return s.err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "row" {
			if ee, ok := tok.(xml.EndElement); ok && ee.Name.Local == "sheetData" {
				s.done = true
				return nil
			}
			continue
		}
		r := s.cur + 1
		for _, a := range se.Attr {
			if a.Name.Local == "r" {
				if v, err := strconv.Atoi(a.Value); err == nil && v > 0 {
					r = v
				}
			}
		}
		s.cur = r
		return s.readCells()
	}
}

// readCells collects the c elements of the current row.
func (s *cellScanner) readCells() error {
	col := -1
	depth := 0
	for {
		tok, err := s.dec.RawToken()
		if err != nil {
			s.done = true
			if err == io.EOF {
				return nil
			}
			s.err = fmt.Errorf("malformed worksheet: %w", err)
			return s.err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth != 1 || t.Name.Local != "c" {
				continue
			}
			col++
			m := cellMeta{col: col}
			for _, a := range t.Attr {
				switch a.Name.Local {
				case "r":
					if c, _, err := excelize.CellNameToCoordinates(a.Value); err == nil {
						col = c - 1
						m.col = col
					}
				case "s":
					m.style, _ = strconv.Atoi(a.Value)
				case "t":
					m.typ = a.Value
				}
			}
			s.cells = append(s.cells, m)
		case xml.EndElement:
			if depth == 0 {
				return nil // </row>
			}
			depth--
		}
	}
}

// mergeRange is a merged cell range, 1-based rows and 0-based columns.
type mergeRange struct{ r1, c1, r2, c2 int }

// scanMergeCells returns the merged ranges of a worksheet part.
func scanMergeCells(zr *zip.Reader, part string) ([]mergeRange, error) {
	rc, err := openPart(zr, part)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	d.Strict = false
	var out []mergeRange
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, nil // the row reader reports malformed XML
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "mergeCell" {
			continue
		}
		for _, a := range se.Attr {
			if a.Name.Local != "ref" {
				continue
			}
			if m, ok := parseRange(a.Value); ok {
				out = append(out, m)
			}
		}
		if len(out) > 100000 {
			return out, nil
		}
	}
}

func parseRange(ref string) (mergeRange, bool) {
	for i := 0; i < len(ref); i++ {
		if ref[i] != ':' {
			continue
		}
		c1, r1, err1 := excelize.CellNameToCoordinates(ref[:i])
		c2, r2, err2 := excelize.CellNameToCoordinates(ref[i+1:])
		if err1 != nil || err2 != nil {
			return mergeRange{}, false
		}
		return mergeRange{r1: r1, c1: c1 - 1, r2: r2, c2: c2 - 1}, true
	}
	return mergeRange{}, false
}
