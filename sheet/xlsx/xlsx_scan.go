package xlsx

import (
	"archive/zip"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx/internal/xmlscan"
)

// mergeRange is a merged cell range, 1-based rows and 0-based columns.
type mergeRange struct{ r1, c1, r2, c2 int }

// scanMergeCells returns the merged ranges of a worksheet part (up to
// 100,000 of them). A malformed part yields the ranges before the fault;
// the row reader reports it.
func scanMergeCells(zr *zip.Reader, part string) ([]mergeRange, error) {
	rc, err := openPart(zr, part)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	sc := xmlscan.New(rc)
	var out []mergeRange
	for len(out) <= 100000 {
		kind, name, attrs, err := sc.Next()
		if err != nil {
			break
		}
		if kind == xmlscan.End || string(name) != "mergeCell" {
			continue
		}
		for {
			n, v, rest, ok, err := xmlscan.NextAttr(attrs)
			if !ok || err != nil {
				break
			}
			attrs = rest
			if string(n) != "ref" {
				continue
			}
			if m, ok := parseRange(xmlscan.AttrText(v)); ok {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

func parseRange(ref string) (mergeRange, bool) {
	for i := 0; i < len(ref); i++ {
		if ref[i] != ':' {
			continue
		}
		c1, r1, err1 := cellNameToCoordinates(ref[:i])
		c2, r2, err2 := cellNameToCoordinates(ref[i+1:])
		if err1 != nil || err2 != nil {
			return mergeRange{}, false
		}
		return mergeRange{r1: r1, c1: c1 - 1, r2: r2, c2: c2 - 1}, true
	}
	return mergeRange{}, false
}
