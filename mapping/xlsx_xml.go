package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlScanner is a small pull scanner over the XML of one workbook part,
// read as a stream. It knows just enough XML for SpreadsheetML: start, end
// and empty-element tags with their attributes, character data with the
// predefined entities and character references, CDATA sections, comments,
// processing instructions and declarations (skipped). It does not resolve
// namespaces: names are compared by their local part, as encoding/xml's
// Name.Local. It holds one buffer, grown only for a tag longer than it,
// up to maxXMLTag.
type xmlScanner struct {
	r        io.Reader
	buf      []byte
	pos, end int
	base     int64 // stream offset of buf[0]
	eof      bool
	err      error // sticky read error

	// progress, if set, is called after each read with the number of
	// bytes read from r so far.
	progress func(int64)
}

const (
	xmlBufSize = 64 << 10
	maxXMLTag  = 1 << 20 // longest tag (with its attributes) or entity run kept whole
)

var (
	errXMLEOF     = errors.New("unexpected end of XML")
	errXMLTag     = errors.New("tag too long")
	errXMLSyntax  = errors.New("syntax error")
	errXMLChar    = errors.New("illegal character")
	errXMLEntity  = errors.New("invalid character entity")
	errXMLAttrval = errors.New("unquoted or unterminated attribute value")
	errXMLDepth   = fmt.Errorf("elements nested more than %d deep", maxXMLDepth)
)

// maxXMLDepth is how deep elements may nest inside a cell or a string
// item, or inside an element skipped or read as text. SpreadsheetML nests
// a few levels there (is, r, rPr, ...; extLst, ext, ...); more comes only
// from a broken or hostile file.
const maxXMLDepth = 32

func newXMLScanner(r io.Reader) *xmlScanner {
	return &xmlScanner{r: r, buf: make([]byte, xmlBufSize)}
}

// fill discards buf[:pos] and reads more input. It reports whether it
// added any bytes.
func (s *xmlScanner) fill() bool {
	if s.eof || s.err != nil {
		return false
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.base += int64(s.pos)
		s.pos, s.end = 0, n
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= maxXMLTag+xmlBufSize {
			s.err = errXMLTag
			return false
		}
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for i := 0; i < 100; i++ {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			if err == io.EOF {
				s.eof = true
			} else {
				s.err = err
			}
		}
		if n > 0 || err != nil {
			if s.progress != nil && n > 0 {
				s.progress(s.base + int64(s.end))
			}
			return n > 0
		}
	}
	s.err = io.ErrNoProgress
	return false
}

// failure returns the error to report when input ended early.
func (s *xmlScanner) failure() error {
	if s.err != nil {
		return s.err
	}
	return errXMLEOF
}

// ensure makes at least n bytes available at pos.
func (s *xmlScanner) ensure(n int) bool {
	for s.end-s.pos < n {
		if !s.fill() {
			return false
		}
	}
	return true
}

type tagKind uint8

const (
	tagStart tagKind = iota + 1
	tagEnd
	tagEmpty // <name/>: a start immediately followed by its end
)

// next returns the next tag, skipping character data, comments, CDATA
// sections, processing instructions and declarations. name is the tag's
// local name and attrs its raw attribute text; both stay valid until the
// next call. At the end of input it returns io.EOF.
func (s *xmlScanner) next() (kind tagKind, name, attrs []byte, err error) {
	for {
		// A loop, not bytes.IndexByte: the span is mostly short, and
		// under wasm IndexByte's call costs more than it saves.
		i := skipText(s.buf[s.pos:s.end], 0)
		if i < 0 {
			s.pos = s.end
			if !s.fill() {
				if s.err != nil {
					return 0, nil, nil, s.err
				}
				return 0, nil, nil, io.EOF
			}
			continue
		}
		s.pos += i
		if s.pos+1 < s.end && s.buf[s.pos+1] != '!' && s.buf[s.pos+1] != '?' {
			return s.tag()
		}
		if err := s.markup(); err != errNotMarkup {
			if err != nil {
				return 0, nil, nil, err
			}
			continue
		}
		return s.tag()
	}
}

var errNotMarkup = errors.New("not markup")

// markup skips a comment, CDATA section, processing instruction or
// declaration at pos (which holds '<'). It returns errNotMarkup, without
// moving, when pos starts a tag.
func (s *xmlScanner) markup() error {
	if !s.ensure(2) {
		return s.failure()
	}
	switch s.buf[s.pos+1] {
	case '?':
		s.pos += 2
		return s.skipPast("?>")
	case '!':
	default:
		return errNotMarkup
	}
	s.ensure(9)
	rest := s.buf[s.pos:s.end]
	switch {
	case bytes.HasPrefix(rest, []byte("<!--")):
		s.pos += 4
		return s.skipPast("-->")
	case bytes.HasPrefix(rest, []byte("<![CDATA[")):
		s.pos += 9
		return s.skipPast("]]>")
	}
	// <!DOCTYPE ...> and other declarations, with [internal subsets] and
	// quoted strings.
	s.pos += 2
	depth, quote := 0, byte(0)
	for {
		if s.pos >= s.end && !s.fill() {
			return s.failure()
		}
		c := s.buf[s.pos]
		s.pos++
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == '>' && depth <= 0:
			return nil
		}
	}
}

// skipPast moves pos past the next occurrence of seq.
func (s *xmlScanner) skipPast(seq string) error {
	for {
		if i := bytes.Index(s.buf[s.pos:s.end], []byte(seq)); i >= 0 {
			s.pos += i + len(seq)
			return nil
		}
		if s.end-s.pos >= len(seq) {
			s.pos = s.end - (len(seq) - 1)
		}
		if !s.fill() {
			return s.failure()
		}
	}
}

// tag reads the tag at pos (which holds '<'), in one pass that keeps
// track of quoted values.
func (s *xmlScanner) tag() (kind tagKind, name, attrs []byte, err error) {
	j := s.pos + 1
	var quote byte
	for {
		if j >= s.end {
			off := j - s.pos
			if !s.fill() {
				return 0, nil, nil, s.failure()
			}
			j = s.pos + off
			continue
		}
		c := s.buf[j]
		if quote != 0 {
			if c == quote {
				quote = 0
			}
		} else if c == '>' {
			break
		} else if c == '"' || c == '\'' {
			quote = c
		}
		j++
	}
	return s.tagAt(j)
}

// tagAt splits the tag from pos (its '<') to j (its '>').
func (s *xmlScanner) tagAt(j int) (kind tagKind, name, attrs []byte, err error) {
	t := s.buf[s.pos+1 : j]
	s.pos = j + 1
	kind = tagStart
	if len(t) > 0 && t[0] == '/' {
		kind, t = tagEnd, t[1:]
	} else if len(t) > 0 && t[len(t)-1] == '/' {
		kind, t = tagEmpty, t[:len(t)-1]
	}
	n := 0
	for n < len(t) && !isXMLSpace(t[n]) {
		n++
	}
	if n == 0 {
		return 0, nil, nil, errXMLSyntax
	}
	return kind, localName(t[:n]), t[n:], nil
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// localName strips a namespace prefix.
func localName(n []byte) []byte {
	for i := len(n) - 1; i >= 0; i-- {
		if n[i] == ':' {
			return n[i+1:]
		}
	}
	return n
}

// nextAttr splits the first attribute off raw attribute text. It returns
// ok=false at the end; err reports malformed text.
func nextAttr(a []byte) (name, val, rest []byte, ok bool, err error) {
	i := 0
	for i < len(a) && isXMLSpace(a[i]) {
		i++
	}
	if i == len(a) {
		return nil, nil, nil, false, nil
	}
	start := i
	for i < len(a) && a[i] != '=' && !isXMLSpace(a[i]) {
		i++
	}
	name = a[start:i]
	for i < len(a) && isXMLSpace(a[i]) {
		i++
	}
	if i == len(a) || a[i] != '=' || len(name) == 0 {
		return nil, nil, nil, false, errXMLAttrval
	}
	i++
	for i < len(a) && isXMLSpace(a[i]) {
		i++
	}
	if i == len(a) || (a[i] != '"' && a[i] != '\'') {
		return nil, nil, nil, false, errXMLAttrval
	}
	q := a[i]
	end := i + 1
	for end < len(a) && a[end] != q {
		end++
	}
	if end == len(a) {
		return nil, nil, nil, false, errXMLAttrval
	}
	return localName(name), a[i+1 : end], a[end+1:], true, nil
}

// attrText decodes an attribute value's references.
func attrText(v []byte) string {
	if bytes.IndexByte(v, '&') < 0 {
		return string(v)
	}
	var cr bool
	out, _, err := appendCharData(nil, v, true, &cr)
	if err != nil {
		return string(v)
	}
	return string(out)
}

// skip skips the content and end tag of the element whose start tag was
// just read.
func (s *xmlScanner) skip() error {
	depth := 1
	for {
		kind, _, _, err := s.next()
		if err != nil {
			if err == io.EOF {
				return errXMLEOF
			}
			return err
		}
		switch kind {
		case tagStart:
			if depth++; depth > maxXMLDepth {
				return errXMLDepth
			}
		case tagEnd:
			if depth--; depth == 0 {
				return nil
			}
		}
	}
}

// text appends to dst the character data directly inside the element
// whose start tag was just read, up to its end tag, as encoding/xml
// collects it into a string: references decoded, CDATA kept, line ends
// normalised, nested elements skipped. Once the appended text would pass
// limit bytes it is dropped and over reports so; the element is still
// read to its end.
func (s *xmlScanner) text(dst []byte, limit int) (out []byte, over bool, err error) {
	start := len(dst)
	depth := 0
	for {
		// Character data up to the next '<'.
		var cr bool
		for {
			i := bytes.IndexByte(s.buf[s.pos:s.end], '<')
			chunk := s.buf[s.pos:s.end]
			if i >= 0 {
				chunk = chunk[:i]
			}
			if depth == 0 && !over {
				var n int
				dst, n, err = appendCharData(dst, chunk, i >= 0, &cr)
				if err != nil {
					return dst, over, err
				}
				s.pos += n
				if len(dst)-start > limit {
					dst, over = dst[:start], true
				}
			} else {
				s.pos += len(chunk)
			}
			if i >= 0 && s.pos < s.end && s.buf[s.pos] == '<' {
				break
			}
			if !s.fill() {
				return dst, over, s.failure()
			}
		}
		if !s.ensure(9) && !s.ensure(2) {
			return dst, over, s.failure()
		}
		if bytes.HasPrefix(s.buf[s.pos:s.end], []byte("<![CDATA[")) {
			s.pos += 9
			var o bool
			dst, o, err = s.cdata(dst, depth == 0 && !over, start, limit)
			over = over || o
			if err != nil {
				return dst, over, err
			}
			continue
		}
		if err := s.markup(); err != errNotMarkup {
			if err != nil {
				return dst, over, err
			}
			continue
		}
		kind, _, _, err := s.tag()
		if err != nil {
			return dst, over, err
		}
		switch kind {
		case tagStart:
			if depth++; depth > maxXMLDepth {
				return dst, over, errXMLDepth
			}
		case tagEnd:
			if depth == 0 {
				return dst, over, nil
			}
			depth--
		}
	}
}

// cdata appends (when keep) a CDATA section's text up to "]]>", reporting
// whether it passed limit.
func (s *xmlScanner) cdata(dst []byte, keep bool, start, limit int) (out []byte, over bool, err error) {
	var cr bool
	for {
		chunk := s.buf[s.pos:s.end]
		i := bytes.Index(chunk, []byte("]]>"))
		n := len(chunk)
		if i >= 0 {
			n = i
		} else if n >= 2 {
			n -= 2 // "]]" may continue in the next read
		} else {
			n = 0
		}
		if keep && !over {
			dst = appendNewlines(dst, chunk[:n], &cr)
			if len(dst)-start > limit {
				dst, over = dst[:start], true
			}
		}
		s.pos += n
		if i >= 0 {
			s.pos += 3
			return dst, over, nil
		}
		if !s.fill() {
			return dst, over, s.failure()
		}
	}
}

// appendNewlines appends b with \r\n and lone \r turned into \n; cr
// carries a \r at the end of one piece of text to the next.
func appendNewlines(dst, b []byte, cr *bool) []byte {
	if len(b) == 0 {
		return dst
	}
	if *cr && b[0] == '\n' {
		b = b[1:]
	}
	*cr = false
	for {
		i := bytes.IndexByte(b, '\r')
		if i < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:i]...)
		dst = append(dst, '\n')
		b = b[i+1:]
		if len(b) == 0 {
			*cr = true
			return dst
		}
		if b[0] == '\n' {
			b = b[1:]
		}
	}
}

// appendCharData appends character data b decoded. complete says b ends at
// markup; otherwise a reference cut at the end of b is left unconsumed. It
// returns the number of bytes of b consumed.
func appendCharData(dst, b []byte, complete bool, cr *bool) ([]byte, int, error) {
	consumed := 0
	for {
		i := bytes.IndexByte(b, '&')
		if i < 0 {
			return appendNewlines(dst, b, cr), consumed + len(b), nil
		}
		dst = appendNewlines(dst, b[:i], cr)
		consumed += i
		b = b[i:]
		semi := bytes.IndexByte(b, ';')
		if semi < 0 {
			if !complete && len(b) < 64 {
				return dst, consumed, nil
			}
			return dst, consumed, errXMLEntity
		}
		var ok bool
		dst, ok = appendEntity(dst, b[1:semi])
		if !ok {
			return dst, consumed, errXMLEntity
		}
		*cr = false
		consumed += semi + 1
		b = b[semi+1:]
	}
}

// appendEntity appends the text of reference &ref; as encoding/xml decodes
// it.
func appendEntity(dst, ref []byte) ([]byte, bool) {
	switch string(ref) {
	case "lt":
		return append(dst, '<'), true
	case "gt":
		return append(dst, '>'), true
	case "amp":
		return append(dst, '&'), true
	case "apos":
		return append(dst, '\''), true
	case "quot":
		return append(dst, '"'), true
	}
	if len(ref) < 2 || ref[0] != '#' {
		return dst, false
	}
	base, digits := 10, ref[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	if len(digits) == 0 {
		return dst, false
	}
	for _, c := range digits {
		if !('0' <= c && c <= '9' || base == 16 && ('a' <= c && c <= 'f' || 'A' <= c && c <= 'F')) {
			return dst, false
		}
	}
	n, err := strconv.ParseUint(string(digits), base, 64)
	if err != nil || n > utf8.MaxRune {
		return dst, false
	}
	return utf8.AppendRune(dst, rune(n)), true
}

// validXMLText reports whether b is UTF-8 made only of characters XML
// allows (encoding/xml rejects anything else).
func validXMLText(b []byte) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return false
		}
		if r >= 0xD800 && r <= 0xDFFF || r == 0xFFFE || r == 0xFFFF {
			return false
		}
		i += n
	}
	return true
}
