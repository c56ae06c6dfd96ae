package mapping

import (
	"fmt"
	"github.com/kommo-bulk/kommo-bulk/value"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// transformNames are the transforms a spec may name, for hints.
var transformNames = []string{"trim", "lower", "upper", "title", "digits", "email", "phone", "date", "number", "int", "round", "bool", "split", "split_name"}

// valueFunc rewrites one value.
type valueFunc func(string) (string, error)

// chain is a compiled transform list: value functions before the split,
// the split itself, and value functions applied to each part.
type chain struct {
	pre       []valueFunc
	split     bool
	sep       string
	post      []valueFunc
	splitName bool
}

// withoutPhoneTransform is list without its "phone" transforms that name
// no region.
func withoutPhoneTransform(list []string) []string {
	var out []string
	for _, t := range list {
		if !strings.EqualFold(strings.TrimSpace(t), "phone") {
			out = append(out, t)
		}
	}
	return out
}

// compileTransforms compiles the transform names of one mapping.
func (c *compiler) compileTransforms(list []string) (chain, error) {
	var ch chain
	for _, t := range list {
		name, arg, hasArg := strings.Cut(strings.TrimSpace(t), ":")
		name = strings.ToLower(strings.TrimSpace(name))
		var fn valueFunc
		switch name {
		case "trim", "collapse":
			fn = func(s string) (string, error) { return value.CollapseSpace(s), nil }
		case "lower":
			fn = func(s string) (string, error) { return strings.ToLower(s), nil }
		case "upper":
			fn = func(s string) (string, error) { return strings.ToUpper(s), nil }
		case "title":
			fn = func(s string) (string, error) { return titleCase(s), nil }
		case "digits":
			fn = func(s string) (string, error) { return keepDigits(s), nil }
		case "email":
			fn = value.ParseEmail
		case "phone":
			region := c.region
			if hasArg {
				region = strings.ToUpper(strings.TrimSpace(arg))
			}
			fn = func(s string) (string, error) {
				p, err := value.ParsePhone(s, region)
				if err != nil {
					return "", err
				}
				return p.String(), nil
			}
		case "date":
			dp := c.dates
			fn = func(s string) (string, error) {
				t, err := dp.Parse(s)
				if err != nil {
					return "", err
				}
				return t.Format(time.RFC3339), nil
			}
		case "number":
			nf := c.numfmt
			fn = func(s string) (string, error) {
				v, err := parseNumber(s, nf)
				if err != nil {
					return "", err
				}
				return strconv.FormatFloat(v, 'f', -1, 64), nil
			}
		case "int":
			nf := c.numfmt
			fn = func(s string) (string, error) {
				v, err := parseInt(s, nf)
				if err != nil {
					return "", err
				}
				return strconv.FormatInt(v, 10), nil
			}
		case "round":
			nf := c.numfmt
			fn = func(s string) (string, error) {
				v, err := value.ParseIntRound(s, nf)
				if err != nil {
					return "", err
				}
				return strconv.FormatInt(v, 10), nil
			}
		case "bool":
			fn = func(s string) (string, error) {
				b, err := value.ParseBool(s)
				if err != nil {
					return "", err
				}
				return strconv.FormatBool(b), nil
			}
		case "split":
			if ch.split {
				return ch, fmt.Errorf("transform split given twice")
			}
			ch.split, ch.sep = true, c.sep
			if hasArg {
				ch.sep = arg
			}
			continue
		case "split_name":
			ch.splitName = true
			continue
		default:
			return ch, fmt.Errorf("unknown transform %q%s", t, DidYouMean(name, transformNames))
		}
		if hasArg && name != "phone" {
			return ch, fmt.Errorf("transform %q takes no argument", name)
		}
		if ch.split {
			ch.post = append(ch.post, fn)
		} else {
			ch.pre = append(ch.pre, fn)
		}
	}
	return ch, nil
}

// titleCase upper-cases the first letter of every word and lower-cases
// the rest.
func titleCase(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	start := true
	for _, r := range s {
		if unicode.IsLetter(r) {
			if start {
				r = unicode.ToUpper(r)
			} else {
				r = unicode.ToLower(r)
			}
			start = false
		} else {
			start = r != '\''
		}
		b.WriteRune(r)
	}
	return b.String()
}

func keepDigits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// cellValue is the value of a cell (or of o's default) for o, before its
// transforms. A cell of white space only is empty. Free text (see
// keepsText) is kept exactly as the cell holds it: Kommo takes any text,
// so white space in it is data, and changing it would make an export
// re-import as something else ("\t=cmd", "  indented", "a  b"); a spec
// that wants it tidied says trim. Any other value is read by a parser
// (a number, a date, a phone, an option, a user, ...), for which white
// space around it and runs of it inside it mean nothing, so it is
// cleaned first.
func (o *op) cellValue(raw string) string {
	if o.keepsText() {
		if value.Blank(raw) {
			return ""
		}
		return raw
	}
	return clean(raw)
}

// keepsText reports whether o's target is one free-text value: a name, a
// text custom field (text, text area, URL, street address), or a task's
// text or result. Multi-value fields are not: their parts are trimmed
// where the cell is split.
func (o *op) keepsText() bool {
	if o.cf != nil {
		return o.cf.kind == cfText
	}
	switch o.std {
	case stdName, stdFirstName, stdLastName, stdText, stdResult:
		return true
	}
	return false
}

// clean is CollapseSpace with a fast path for cells that need nothing:
// no surrounding or repeated white space and no special spaces.
func clean(s string) string {
	if s == "" {
		return s
	}
	prevSpace := true // a leading space needs work
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			if prevSpace {
				return value.CollapseSpace(s)
			}
			prevSpace = true
			continue
		case c < 0x20 || c == 0x7f:
			return value.CollapseSpace(s)
		case c >= utf8.RuneSelf:
			// Lead bytes of U+0085, U+00A0, U+1680, U+2000–U+206F,
			// U+3000 and U+FEFF: let CollapseSpace decide.
			if c == 0xC2 || c == 0xE1 || c == 0xE2 || c == 0xE3 || c == 0xEF {
				return value.CollapseSpace(s)
			}
		}
		prevSpace = false
	}
	if prevSpace {
		return value.CollapseSpace(s)
	}
	return s
}

// stripLetterCurrency removes a currency written as letters glued to a
// symbol ("R$ 12.500", "US$5", "12 R$"), which ParseNumber does not
// recognise; other values are returned unchanged.
func stripLetterCurrency(s string) string {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && i < 3 && ('A' <= t[i] && t[i] <= 'Z' || 'a' <= t[i] && t[i] <= 'z') {
		i++
	}
	if i > 0 && i < len(t) && t[i] == '$' {
		return strings.TrimSpace(t[i+1:])
	}
	if j := strings.LastIndexByte(t, '$'); j > 0 && j == len(t)-1 {
		k := j
		for k > 0 && j-k < 3 && ('A' <= t[k-1] && t[k-1] <= 'Z') {
			k--
		}
		if k < j {
			return strings.TrimSpace(t[:k])
		}
	}
	return s
}

// parseNumber is ParseNumber that also accepts "R$ 12.500".
func parseNumber(s string, f value.NumberFormat) (float64, error) {
	v, err := value.ParseNumber(s, f)
	if err != nil {
		if t := stripLetterCurrency(s); t != s {
			if v2, err2 := value.ParseNumber(t, f); err2 == nil {
				return v2, nil
			}
		}
	}
	return v, err
}

// parseInt is ParseInt that also accepts "R$ 12.500".
func parseInt(s string, f value.NumberFormat) (int64, error) {
	v, err := value.ParseInt(s, f)
	if err != nil {
		if t := stripLetterCurrency(s); t != s {
			if v2, err2 := value.ParseInt(t, f); err2 == nil {
				return v2, nil
			}
		}
	}
	return v, err
}
