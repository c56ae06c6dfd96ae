package sheet

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// Canonical encoding names returned by DetectEncoding and accepted (with the
// aliases listed in encodings) by CSVOptions.Encoding.
const (
	EncodingUTF8        = "utf-8"
	EncodingUTF16LE     = "utf-16le"
	EncodingUTF16BE     = "utf-16be"
	EncodingWindows1251 = "windows-1251"
	EncodingWindows1252 = "windows-1252"
)

// encodings maps lower-case names and aliases to decoders; nil means UTF-8,
// which needs no decoding.
var encodings = map[string]encoding.Encoding{
	"utf-8": nil, "utf8": nil,
	"utf-16le":     unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM),
	"utf-16be":     unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM),
	"utf-16":       unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM),
	"windows-1251": charmap.Windows1251, "cp1251": charmap.Windows1251, "1251": charmap.Windows1251,
	"windows-1252": charmap.Windows1252, "cp1252": charmap.Windows1252, "1252": charmap.Windows1252,
	"iso-8859-1": charmap.ISO8859_1, "latin1": charmap.ISO8859_1,
	"iso-8859-5":  charmap.ISO8859_5,
	"iso-8859-15": charmap.ISO8859_15,
	"koi8-r":      charmap.KOI8R, "koi8-u": charmap.KOI8U,
	"ibm866": charmap.CodePage866, "cp866": charmap.CodePage866,
}

// lookupEncoding returns the decoder for name (nil for UTF-8).
func lookupEncoding(name string) (encoding.Encoding, error) {
	e, ok := encodings[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return nil, fmt.Errorf("%w %q (want utf-8, utf-16le, utf-16be, windows-1251, windows-1252, koi8-r, ibm866 or iso-8859-1/5/15)", ErrUnknownEncoding, name)
	}
	return e, nil
}

// DetectEncoding guesses the character encoding of text from a sample of its
// beginning, and returns its canonical name and the length of the byte-order
// mark to skip. A BOM decides UTF-8 and UTF-16; then valid UTF-8 is UTF-8;
// zero bytes in every other position mean BOM-less UTF-16; other text is a
// Windows code page: windows-1251 when most letters with the high bit set
// stand in runs of three or more (whole Cyrillic words), else windows-1252
// (accents inside Latin words). If truncated is true, a multi-byte sequence
// cut off at the end of the sample is not held against UTF-8.
func DetectEncoding(sample []byte, truncated bool) (name string, bom int) {
	switch {
	case bytes.HasPrefix(sample, []byte("\xEF\xBB\xBF")):
		return EncodingUTF8, 3
	case bytes.HasPrefix(sample, []byte("\xFF\xFE")):
		return EncodingUTF16LE, 2
	case bytes.HasPrefix(sample, []byte("\xFE\xFF")):
		return EncodingUTF16BE, 2
	}
	if e := sniffUTF16(sample); e != "" {
		return e, 0
	}
	s := sample
	if truncated {
		s = trimPartialRune(s)
	}
	if utf8.Valid(s) {
		return EncodingUTF8, 0
	}
	if looksCyrillic1251(sample) {
		return EncodingWindows1251, 0
	}
	return EncodingWindows1252, 0
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return b
		}
		if c >= 0xC0 { // start byte
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			return b
		}
	}
	return b
}

// sniffUTF16 recognises BOM-less UTF-16 text by its zero bytes: mostly-ASCII
// text has a zero in every high byte.
func sniffUTF16(b []byte) string {
	n := min(len(b), 4096) &^ 1
	if n < 4 {
		return ""
	}
	var even, odd int
	for i := 0; i < n; i += 2 {
		if b[i] == 0 {
			even++
		}
		if b[i+1] == 0 {
			odd++
		}
	}
	pairs := n / 2
	switch {
	case odd*10 >= pairs*7 && even*10 < pairs:
		return EncodingUTF16LE
	case even*10 >= pairs*7 && odd*10 < pairs:
		return EncodingUTF16BE
	}
	return ""
}

// looksCyrillic1251 reports whether invalid-UTF-8 text reads as windows-1251
// rather than windows-1252. In windows-1251 the bytes 0xC0–0xFF (and 0xA8,
// 0xB8 for Ё/ё) are Cyrillic letters, so Russian words are long runs of them;
// in windows-1252 the same bytes are accented Latin letters, which mostly
// stand alone or in pairs inside ASCII words.
func looksCyrillic1251(b []byte) bool {
	high := func(c byte) bool { return c >= 0xC0 || c == 0xA8 || c == 0xB8 }
	var inRuns, alone, run int
	flush := func() {
		if run >= 3 {
			inRuns += run
		} else {
			alone += run
		}
		run = 0
	}
	for _, c := range b {
		if high(c) {
			run++
			continue
		}
		flush()
	}
	flush()
	return inRuns > alone
}
