package mapping

import (
	"archive/zip"
	"fmt"
	"io"
	"math"
	"unsafe"
)

// readSharedStrings reads the shared string table at path, streaming: the
// text of every item lands in one buffer that the returned strings share.
// A missing part is an empty table, as excelize reads it. The table is
// bounded by the part's size, which the Limits bound.
func readSharedStrings(zr *zip.Reader, path string) ([]string, error) {
	f := findPart(zr, path)
	if f == nil {
		return nil, nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("not a valid xlsx workbook: %s: %w", path, err)
	}
	defer rc.Close()
	sc := newXMLScanner(rc)
	var (
		text []byte
		ends []int
		tbuf []byte
	)
	for {
		kind, name, attrs, err := sc.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not a valid xlsx workbook: %s: %w", path, err)
		}
		switch {
		case kind != tagEnd && string(name) == "sst" && ends == nil:
			// Size the index, within reason, from uniqueCount.
			for {
				n, v, rest, ok, _ := nextAttr(attrs)
				if !ok {
					break
				}
				attrs = rest
				if string(n) == "uniqueCount" {
					if c, ok := smallUint(v); ok {
						ends = make([]int, 0, min(c, int(f.UncompressedSize64/8)+1, 1<<20))
					}
				}
			}
		case kind == tagEmpty && string(name) == "si":
			ends = append(ends, len(text))
		case kind == tagStart && string(name) == "si":
			text, _, err = appendStringItem(sc, text, &tbuf, math.MaxInt)
			if err != nil {
				return nil, fmt.Errorf("not a valid xlsx workbook: %s: %w", path, err)
			}
			ends = append(ends, len(text))
		}
	}
	if len(ends) == 0 {
		return nil, nil
	}
	var all string
	if len(text) > 0 {
		all = unsafe.String(&text[0], len(text)) // text is never written again
	}
	out := make([]string, len(ends))
	prev := 0
	for i, e := range ends {
		out[i] = all[prev:e]
		prev = e
	}
	return out, nil
}

// readStyles classifies the number format of every cell style (cellXfs) of
// the styles part at path, as styleFormats does for excelize's parse. A
// missing part has no styles.
func readStyles(zr *zip.Reader, path string) ([]numFmt, error) {
	if findPart(zr, path) == nil {
		return nil, nil
	}
	var ss struct {
		NumFmts []struct {
			NumFmt []struct {
				ID   int    `xml:"numFmtId,attr"`
				Code string `xml:"formatCode,attr"`
			} `xml:"numFmt"`
		} `xml:"numFmts"`
		CellXfs []struct {
			Xf []struct {
				NumFmtID *int `xml:"numFmtId,attr"`
			} `xml:"xf"`
		} `xml:"cellXfs"`
	}
	if err := decodePart(zr, path, &ss); err != nil {
		return nil, err
	}
	custom := map[int]string{}
	for _, nfs := range ss.NumFmts {
		for _, nf := range nfs.NumFmt {
			custom[nf.ID] = nf.Code
		}
	}
	var out []numFmt
	for _, xfs := range ss.CellXfs {
		for _, xf := range xfs.Xf {
			var nf numFmt
			if xf.NumFmtID != nil {
				nf = classifyNumFmt(*xf.NumFmtID, custom[*xf.NumFmtID])
			}
			out = append(out, nf)
		}
	}
	return out, nil
}
