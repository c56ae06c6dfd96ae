package mapping

import (
	"archive/zip"
	"bytes"
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
	sst, err := parseSharedStrings(rc, f.UncompressedSize64, true)
	if err != nil {
		return nil, fmt.Errorf("not a valid xlsx workbook: %s: %w", path, err)
	}
	return sst, nil
}

// parseSharedStrings is readSharedStrings' parse of the part, of size
// bytes; fast says to read plain items with fastStringItems (it is off
// only in tests).
func parseSharedStrings(rd io.Reader, size uint64, fast bool) ([]string, error) {
	sc := newXMLScanner(rd)
	var (
		text []byte
		ends []int
		tbuf []byte
	)
	for {
		if fast {
			text, ends = fastStringItems(sc, text, ends)
		}
		kind, name, attrs, err := sc.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
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
						ends = make([]int, 0, min(c, int(size/8)+1, 1<<20))
					}
				}
			}
		case kind == tagEmpty && string(name) == "si":
			ends = append(ends, len(text))
		case kind == tagStart && string(name) == "si":
			text, _, err = appendStringItem(sc, text, &tbuf, math.MaxInt)
			if err != nil {
				return nil, err
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

// fastStringItems reads, straight from the scanner's buffer, the string
// items that follow of the plain shape <si><t>text</t></si> (the t maybe
// with attributes, text without reference, CR, control character, CDATA
// or _xHHHH_ escape), appending each one's text to text and its end to
// ends, as the general path would. It stops, consuming nothing of it, at
// anything else.
func fastStringItems(sc *xmlScanner, text []byte, ends []int) ([]byte, []int) {
	for retry := false; ; retry = true {
		b := sc.buf[sc.pos:sc.end]
		done, more := 0, false
		for {
			j := skipText(b, done)
			if j < 0 || len(b)-j < 4 {
				more = true
				break
			}
			if !hasTag(b, j, "<si>") {
				break
			}
			j = skipText(b, j+4)
			if j < 0 {
				more = true
				break
			}
			t, k := scanPlainT(b, j)
			if k <= 0 {
				more = k < 0
				break
			}
			k = skipText(b, k)
			if k < 0 || len(b)-k < 5 {
				more = true
				break
			}
			if !hasTag(b, k, "</si>") {
				break
			}
			text = append(text, t...)
			ends = append(ends, len(text))
			done = k + 5
		}
		if done > 0 {
			sc.pos += done
			retry = false
		}
		if !more || retry || (sc.pos == 0 && sc.end == len(sc.buf)) || !sc.fill() {
			return text, ends
		}
	}
}

// afterTOpen reads the rest of a t element's start tag, b[j:] being what
// follows "<t": ">", or attributes and ">" (xml:space="preserve"; they
// are ignored). It returns the index after the tag; 0 for a tag the fast
// paths leave to the general scanner (another name, self-closing, a ' or
// < among the attributes); -1 when b ends first.
func afterTOpen(b []byte, j int) int {
	if j >= len(b) {
		return -1
	}
	if b[j] != '>' {
		if !isXMLSpace(b[j]) {
			return 0
		}
		quote := false
		for ; j < len(b) && (quote || b[j] != '>'); j++ {
			switch b[j] {
			case '"':
				quote = !quote
			case '\'', '<':
				return 0
			}
		}
		if j >= len(b) {
			return -1
		}
		if b[j-1] == '/' {
			return 0
		}
	}
	return j + 1
}

// scanPlainT reads from b[j:] a t element, <t> or <t attributes>, holding
// plain text (as fastStringItems has it) and its end tag. It returns the
// text and the index after the end tag; the index is 0 for anything else
// and -1 when b ends first.
func scanPlainT(b []byte, j int) ([]byte, int) {
	if len(b)-j < 3 {
		return nil, -1
	}
	if b[j] != '<' || b[j+1] != 't' {
		return nil, 0
	}
	if j = afterTOpen(b, j+2); j <= 0 {
		return nil, j
	}
	k, flags := scanText(b, j)
	if k < 0 || len(b)-k < 4 {
		return nil, -1
	}
	text := b[j:k]
	if !hasTag(b, k, "</t>") || flags&textSpecial != 0 ||
		flags&textUnderscore != 0 && bytes.Contains(text, []byte("_x")) ||
		flags&textHigh != 0 && !validXMLText(text) {
		return nil, 0
	}
	return text, k + 4
}
