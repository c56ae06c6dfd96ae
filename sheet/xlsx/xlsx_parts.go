package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/core"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx/internal/xmlscan"
	"io"
	"math"
	"unsafe"
)

// sharedStrings is a shared string table: the text of all items in one
// string, and where each item ends in it (4 bytes an item, so that a
// table of many small or empty items stays small).
type sharedStrings struct {
	text string
	ends []uint32
}

// len returns the number of items.
func (t *sharedStrings) len() int { return len(t.ends) }

// at returns item i, 0 <= i < len().
func (t *sharedStrings) at(i int) string {
	start := uint32(0)
	if i > 0 {
		start = t.ends[i-1]
	}
	return t.text[start:t.ends[i]]
}

// readSharedStrings reads the shared string table at path, streaming: the
// text of every item lands in one buffer that the returned table shares.
// A missing part is an empty table, as excelize reads it. It is the one
// part held whole in memory, so besides the part's size (which the zip
// Limits bound) the number of its items and their decoded text are
// bounded, by MaxSharedStrings and MaxSharedStringsSize: a small part can
// decode to far more text than its XML (entities, or items repeated by
// the compression), and many empty items cost memory without text.
func readSharedStrings(zr *zip.Reader, path string, l core.Limits) (sharedStrings, error) {
	f := findPart(zr, path)
	if f == nil {
		return sharedStrings{}, nil
	}
	rc, err := f.Open()
	if err != nil {
		return sharedStrings{}, fmt.Errorf("not a valid xlsx workbook: %s: %w", path, err)
	}
	defer rc.Close()
	sst, err := parseSharedStrings(rc, f.UncompressedSize64, l, true)
	if errors.Is(err, core.ErrTooLarge) {
		return sharedStrings{}, fmt.Errorf("%s: %w", path, err)
	}
	if err != nil {
		return sharedStrings{}, fmt.Errorf("not a valid xlsx workbook: %s: %w", path, err)
	}
	return sst, nil
}

func errSSTText(limit int) error {
	return fmt.Errorf("%w: the shared strings decode to more than %d bytes of text (limit %d)", core.ErrTooLarge, limit, limit)
}

// parseSharedStrings is readSharedStrings' parse of the part, of size
// bytes; fast says to read plain items with fastStringItems (it is off
// only in tests). The Limits are those of readSharedStrings, with
// defaults applied.
func parseSharedStrings(rd io.Reader, size uint64, l core.Limits, fast bool) (sharedStrings, error) {
	maxText := min(l.MaxSharedStringsSize, math.MaxInt32) // ends are uint32
	sc := xmlscan.New(rd)
	var (
		text []byte
		ends []uint32
		tbuf []byte
	)
	check := func() error {
		switch {
		case len(ends) > l.MaxSharedStrings:
			return fmt.Errorf("%w: more than %d shared strings (limit %d)", core.ErrTooLarge, l.MaxSharedStrings, l.MaxSharedStrings)
		case len(text) > maxText:
			return errSSTText(maxText)
		}
		return nil
	}
	for {
		if fast {
			text, ends = fastStringItems(sc, text, ends, maxText, l.MaxSharedStrings)
			if err := check(); err != nil {
				return sharedStrings{}, err
			}
		}
		kind, name, attrs, err := sc.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return sharedStrings{}, err
		}
		switch {
		case kind != xmlscan.End && string(name) == "sst" && ends == nil:
			// Size the index, within reason, from uniqueCount.
			for {
				n, v, rest, ok, _ := xmlscan.NextAttr(attrs)
				if !ok {
					break
				}
				attrs = rest
				if string(n) == "uniqueCount" {
					if c, ok := smallUint(v); ok {
						ends = make([]uint32, 0, min(c, int(size/8)+1, 1<<20, l.MaxSharedStrings+1))
					}
				}
			}
		case kind == xmlscan.Empty && string(name) == "si":
			ends = append(ends, uint32(len(text)))
		case kind == xmlscan.Start && string(name) == "si":
			// The item may take what is left of the text budget, and
			// one byte more to tell that it is over.
			var over bool
			text, over, err = appendStringItem(sc, text, &tbuf, maxText-len(text)+1)
			if err != nil {
				return sharedStrings{}, err
			}
			if over {
				return sharedStrings{}, errSSTText(maxText)
			}
			ends = append(ends, uint32(len(text)))
		default:
			continue
		}
		if err := check(); err != nil {
			return sharedStrings{}, err
		}
	}
	if len(ends) == 0 {
		return sharedStrings{}, nil
	}
	var all string
	if len(text) > 0 {
		all = unsafe.String(&text[0], len(text)) // text is never written again
	}
	return sharedStrings{text: all, ends: ends}, nil
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
// anything else, and at the end of a buffer's worth of items once text
// has passed maxText bytes or ends maxItems items.
func fastStringItems(sc *xmlscan.Scanner, text []byte, ends []uint32, maxText, maxItems int) ([]byte, []uint32) {
	for retry := false; ; retry = true {
		b := sc.Buffered()
		done, more := 0, false
		for {
			j := xmlscan.SkipText(b, done)
			if j < 0 || len(b)-j < 4 {
				more = true
				break
			}
			if !hasTag(b, j, "<si>") {
				break
			}
			j = xmlscan.SkipText(b, j+4)
			if j < 0 {
				more = true
				break
			}
			t, k := scanPlainT(b, j)
			if k <= 0 {
				more = k < 0
				break
			}
			k = xmlscan.SkipText(b, k)
			if k < 0 || len(b)-k < 5 {
				more = true
				break
			}
			if !hasTag(b, k, "</si>") {
				break
			}
			text = append(text, t...)
			ends = append(ends, uint32(len(text)))
			done = k + 5
		}
		if done > 0 {
			sc.Advance(done)
			retry = false
		}
		if !more || retry || len(text) > maxText || len(ends) > maxItems ||
			sc.Full() || !sc.Fill() {
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
		if !xmlscan.IsSpace(b[j]) {
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
		flags&textHigh != 0 && !xmlscan.ValidText(text) {
		return nil, 0
	}
	return text, k + 4
}
