// Package xmlscan is the streaming XML tokenizer of the XLSX reader: tags
// with their raw attributes, character data decoded into a caller's buffer
// with a limit, nesting bounded by MaxDepth, and the buffered bytes open
// to the worksheet's fast paths (Buffered, Advance). It reads the subset
// of XML that SpreadsheetML parts use, rejects what a well-formed part
// cannot hold, and allocates nothing per tag.
package xmlscan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// Scanner is a small pull scanner over the XML of one workbook part,
// read as a stream. It knows just enough XML for SpreadsheetML: start, end
// and empty-element tags with their attributes, character data with the
// predefined entities and character references, CDATA sections, comments,
// processing instructions and declarations (skipped). It does not resolve
// namespaces: names are compared by their local part, as encoding/xml's
// Name.Local. It holds one buffer, grown only for a tag longer than it,
// up to maxXMLTag.
type Scanner struct {
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
	ErrEOF     = errors.New("unexpected end of XML")
	ErrTag     = errors.New("tag too long")
	ErrSyntax  = errors.New("syntax error")
	ErrChar    = errors.New("illegal character")
	ErrEntity  = errors.New("invalid character entity")
	ErrAttrval = errors.New("unquoted or unterminated attribute value")
	ErrDepth   = fmt.Errorf("elements nested more than %d deep", MaxDepth)
)

// MaxDepth is how deep elements may nest inside a cell or a string
// item, or inside an element skipped or read as text. SpreadsheetML nests
// a few levels there (is, r, rPr, ...; extLst, ext, ...); more comes only
// from a broken or hostile file.
const MaxDepth = 32

func New(r io.Reader) *Scanner {
	return &Scanner{r: r, buf: make([]byte, xmlBufSize)}
}

// Fill discards buf[:pos] and reads more input. It reports whether it
// added any bytes.
func (s *Scanner) Fill() bool {
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
			s.err = ErrTag
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
func (s *Scanner) failure() error {
	if s.err != nil {
		return s.err
	}
	return ErrEOF
}

// ensure makes at least n bytes available at pos.
func (s *Scanner) ensure(n int) bool {
	for s.end-s.pos < n {
		if !s.Fill() {
			return false
		}
	}
	return true
}

type Kind uint8

const (
	Start Kind = iota + 1
	End
	Empty // <name/>: a start immediately followed by its end
)

// Next returns the next tag, skipping character data, comments, CDATA
// sections, processing instructions and declarations. name is the tag's
// local name and attrs its raw attribute text; both stay valid until the
// next call. At the end of input it returns io.EOF.
func (s *Scanner) Next() (kind Kind, name, attrs []byte, err error) {
	for {
		// A loop, not bytes.IndexByte: the span is mostly short, and
		// under wasm IndexByte's call costs more than it saves.
		i := SkipText(s.buf[s.pos:s.end], 0)
		if i < 0 {
			s.pos = s.end
			if !s.Fill() {
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
func (s *Scanner) markup() error {
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
		if s.pos >= s.end && !s.Fill() {
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
func (s *Scanner) skipPast(seq string) error {
	for {
		if i := bytes.Index(s.buf[s.pos:s.end], []byte(seq)); i >= 0 {
			s.pos += i + len(seq)
			return nil
		}
		if s.end-s.pos >= len(seq) {
			s.pos = s.end - (len(seq) - 1)
		}
		if !s.Fill() {
			return s.failure()
		}
	}
}

// tag reads the tag at pos (which holds '<'), in one pass that keeps
// track of quoted values.
func (s *Scanner) tag() (kind Kind, name, attrs []byte, err error) {
	j := s.pos + 1
	var quote byte
	for {
		if j >= s.end {
			off := j - s.pos
			if !s.Fill() {
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
func (s *Scanner) tagAt(j int) (kind Kind, name, attrs []byte, err error) {
	t := s.buf[s.pos+1 : j]
	s.pos = j + 1
	kind = Start
	if len(t) > 0 && t[0] == '/' {
		kind, t = End, t[1:]
	} else if len(t) > 0 && t[len(t)-1] == '/' {
		kind, t = Empty, t[:len(t)-1]
	}
	n := 0
	for n < len(t) && !IsSpace(t[n]) {
		n++
	}
	if n == 0 {
		return 0, nil, nil, ErrSyntax
	}
	return kind, localName(t[:n]), t[n:], nil
}

func IsSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// localName strips a namespace prefix.
func localName(n []byte) []byte {
	for i := len(n) - 1; i >= 0; i-- {
		if n[i] == ':' {
			return n[i+1:]
		}
	}
	return n
}

// NextAttr splits the first attribute off raw attribute text. It returns
// ok=false at the end; err reports malformed text.
func NextAttr(a []byte) (name, val, rest []byte, ok bool, err error) {
	i := 0
	for i < len(a) && IsSpace(a[i]) {
		i++
	}
	if i == len(a) {
		return nil, nil, nil, false, nil
	}
	start := i
	for i < len(a) && a[i] != '=' && !IsSpace(a[i]) {
		i++
	}
	name = a[start:i]
	for i < len(a) && IsSpace(a[i]) {
		i++
	}
	if i == len(a) || a[i] != '=' || len(name) == 0 {
		return nil, nil, nil, false, ErrAttrval
	}
	i++
	for i < len(a) && IsSpace(a[i]) {
		i++
	}
	if i == len(a) || (a[i] != '"' && a[i] != '\'') {
		return nil, nil, nil, false, ErrAttrval
	}
	q := a[i]
	end := i + 1
	for end < len(a) && a[end] != q {
		end++
	}
	if end == len(a) {
		return nil, nil, nil, false, ErrAttrval
	}
	return localName(name), a[i+1 : end], a[end+1:], true, nil
}

// AttrText decodes an attribute value's references.
func AttrText(v []byte) string {
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

// Skip skips the content and end tag of the element whose start tag was
// just read.
func (s *Scanner) Skip() error {
	depth := 1
	for {
		kind, _, _, err := s.Next()
		if err != nil {
			if err == io.EOF {
				return ErrEOF
			}
			return err
		}
		switch kind {
		case Start:
			if depth++; depth > MaxDepth {
				return ErrDepth
			}
		case End:
			if depth--; depth == 0 {
				return nil
			}
		}
	}
}

// Text appends to dst the character data directly inside the element
// whose start tag was just read, up to its end tag, as encoding/xml
// collects it into a string: references decoded, CDATA kept, line ends
// normalised, nested elements skipped. Once the appended text would pass
// limit bytes it is dropped and over reports so; the element is still
// read to its end.
func (s *Scanner) Text(dst []byte, limit int) (out []byte, over bool, err error) {
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
			if !s.Fill() {
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
		case Start:
			if depth++; depth > MaxDepth {
				return dst, over, ErrDepth
			}
		case End:
			if depth == 0 {
				return dst, over, nil
			}
			depth--
		}
	}
}

// cdata appends (when keep) a CDATA section's text up to "]]>", reporting
// whether it passed limit.
func (s *Scanner) cdata(dst []byte, keep bool, start, limit int) (out []byte, over bool, err error) {
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
		if !s.Fill() {
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
			return dst, consumed, ErrEntity
		}
		var ok bool
		dst, ok = appendEntity(dst, b[1:semi])
		if !ok {
			return dst, consumed, ErrEntity
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

// ValidText reports whether b is UTF-8 made only of characters XML
// allows (encoding/xml rejects anything else).
func ValidText(b []byte) bool {
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

// SetProgress makes the scanner call fn after each read with the number
// of bytes read so far.
func (s *Scanner) SetProgress(fn func(int64)) { s.progress = fn }

// Buffered returns the bytes read but not yet consumed; they stay valid
// until the next call that reads (Fill, Next, Skip, Text).
func (s *Scanner) Buffered() []byte { return s.buf[s.pos:s.end] }

// Advance consumes n of the Buffered bytes.
func (s *Scanner) Advance(n int) { s.pos += n }

// Full reports whether the buffer holds nothing consumed and no room for
// more: Fill cannot add bytes until some are consumed.
func (s *Scanner) Full() bool { return s.pos == 0 && s.end == len(s.buf) }

// SkipText returns the index of the first '<' in b at or after i, or -1.
func SkipText(b []byte, i int) int {
	for ; i < len(b); i++ {
		if b[i] == '<' {
			return i
		}
	}
	return -1
}

// MaxBuffer bounds the scanner's buffer: it grows past its initial size
// only to hold one tag or entity run of up to its limit whole.
const MaxBuffer = maxXMLTag + xmlBufSize

// BufferCap is the capacity of the scanner's buffer, for tests of its bound.
func (s *Scanner) BufferCap() int { return cap(s.buf) }
