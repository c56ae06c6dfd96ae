package value

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// CollapseSpace trims s and replaces every run of white space inside it
// (including non-breaking, thin and other Unicode spaces, tabs and line
// breaks) with a single ASCII space. Zero-width spaces and byte order marks
// are removed. It is the first transform applied to almost every cell.
func CollapseSpace(s string) string {
	if IsPlainASCII(s) {
		return strings.Join(strings.Fields(s), " ")
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == '\u200b' || r == '\ufeff' || r == '\u200c' || r == '\u200d' || r == '\u2060':
			continue
		case unicode.IsSpace(r) || r == '\u202f' || r == '\u2007' || r == '\u00a0':
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// IsPlainASCII reports whether s has only printable ASCII bytes plus
// ASCII white space, so that byte-oriented fast paths apply.
func IsPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Normalize returns the matching key of s: lower-cased, with accents and
// other combining marks removed (é → e, ё → е, ñ → n), a few letters that do
// not decompose folded to ASCII (ß → ss, ł → l, ø → o, æ → ae, œ → oe,
// đ → d), and every run of punctuation, symbols and white space collapsed to
// one space, trimmed. Letters and digits of any script are kept, so
// "  Über-Straße " and "uber strasse" match, and so do "Фёдор" and "федор".
//
// Normalize is the key used for header matching, value maps, booleans and
// name → id resolution; two strings are "the same" to mapping when their
// Normalize results are equal.
func Normalize(s string) string {
	if !IsPlainASCII(s) {
		s = norm.NFD.String(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	sep := false
	for _, r := range s {
		if r < utf8.RuneSelf {
			c := byte(r)
			switch {
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			default:
				sep = true
				continue
			}
			if sep && b.Len() > 0 {
				b.WriteByte(' ')
			}
			sep = false
			b.WriteByte(c)
			continue
		}
		if unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || r == '\u200b' || r == '\u200d' || r == '\ufeff' {
			continue
		}
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			sep = true
			continue
		}
		if sep && b.Len() > 0 {
			b.WriteByte(' ')
		}
		sep = false
		r = unicode.ToLower(r)
		switch r {
		case 'ß':
			b.WriteString("ss")
		case 'ł':
			b.WriteByte('l')
		case 'ø':
			b.WriteByte('o')
		case 'æ':
			b.WriteString("ae")
		case 'œ':
			b.WriteString("oe")
		case 'đ':
			b.WriteByte('d')
		case 'ı':
			b.WriteByte('i')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// JoinColumns joins the values of several source columns with sep, after
// collapsing the white space of each and skipping the empty ones, so that
// joining "Main St. 1", "", "Berlin" with ", " gives "Main St. 1, Berlin".
func JoinColumns(sep string, values ...string) string {
	parts := make([]string, 0, len(values))
	for _, v := range values {
		if v = CollapseSpace(v); v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, sep)
}

// MultiValueSeparator is the separator [JoinValues] puts between the values
// of a multi-value field, and the default one [SplitValues] splits on.
const MultiValueSeparator = "; "

// SplitValues splits a multi-value cell into its values. Line breaks always
// separate values (a cell edited with Alt+Enter in Excel); sep is the other
// separator, for example ";" or ",". An empty sep splits on both ";" and ",".
// Each value has its white space collapsed, and empty values are dropped, so
// "a; b;;\n c " gives ["a" "b" "c"]. SplitValues returns nil when s holds
// no value.
func SplitValues(s, sep string) []string {
	isSep := func(r rune) bool { return r == '\n' || r == '\r' || r == '\u2028' }
	if sep == "" {
		isSep = func(r rune) bool { return r == '\n' || r == '\r' || r == '\u2028' || r == ';' || r == ',' }
	}
	var out []string
	for _, line := range strings.FieldsFunc(s, isSep) {
		parts := []string{line}
		if sep != "" {
			parts = strings.Split(line, sep)
		}
		for _, p := range parts {
			if p = CollapseSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// JoinValues joins the values of a multi-value field with
// [MultiValueSeparator] ("; "), skipping empty values. It is the inverse of
// SplitValues(s, ";") for values that contain no ";" themselves.
//
// A single value is returned as it is, white space included (white space
// alone is empty): it is the whole value of a one-value field, which a
// re-import takes as the cell holds it.
func JoinValues(values []string) string {
	if len(values) == 1 {
		if Blank(values[0]) {
			return ""
		}
		return values[0]
	}
	return JoinColumns(MultiValueSeparator, values...)
}

// NameOrder says in which order the parts of a full name are written.
type NameOrder int

const (
	// GivenFirst is "First Middle Last", as in "John Ronald Tolkien",
	// "Ludwig van Beethoven" or "Иван Иванович Петров". It is the zero value.
	GivenFirst NameOrder = iota
	// FamilyFirst is "Last First Middle", as in "Петров Иван Иванович"
	// (the usual order of Russian forms) or "Mao Zedong".
	FamilyFirst
)

// Name is a personal name split into its parts.
type Name struct {
	First  string // given name
	Middle string // middle names or patronymic (отчество), space-separated
	Last   string // family name, with its particles ("van der Berg") and suffix ("Smith Jr.")
}

// ErrEmptyName is returned by [SplitName] for a value with no letters.
var ErrEmptyName = errors.New("empty name")

// SplitName splits a full name into first, middle and last names.
//
// A comma always means "Last, First Middle" ("Tolkien, John Ronald"),
// whatever the order, except when what follows it is a suffix such as "Jr."
// or "III", which is kept with the last name. Otherwise order decides: with
// GivenFirst the last word is the family name, extended to the left over
// lower-case particles ("van der", "de la", "von", "bin"); with FamilyFirst
// the first word (with any leading particles) is the family name, the next
// is the given name and the rest are middle names or the patronymic. A
// single word is returned as the first name. SplitName never guesses the
// order from the script or from patronymic endings: callers say which order
// their file uses.
func SplitName(full string, order NameOrder) (Name, error) {
	full = CollapseSpace(full)
	if strings.IndexFunc(full, unicode.IsLetter) < 0 {
		return Name{}, ErrEmptyName
	}
	suffix := ""
	if i := strings.LastIndexByte(full, ','); i >= 0 {
		after := strings.TrimSpace(full[i+1:])
		before := strings.TrimSpace(full[:i])
		switch {
		case isNameSuffix(after):
			full, suffix = before, after
		case before != "" && after != "":
			first, middle := splitFirstMiddle(strings.Fields(after))
			return Name{First: first, Middle: middle, Last: before}, nil
		default:
			full = strings.TrimSpace(before + " " + after)
		}
	}
	words := strings.Fields(full)
	// A trailing suffix without a comma: "John Smith Jr".
	if suffix == "" && len(words) > 2 && isNameSuffix(words[len(words)-1]) {
		suffix = words[len(words)-1]
		words = words[:len(words)-1]
	}
	var n Name
	switch {
	case len(words) == 1:
		n.First = words[0]
	case order == FamilyFirst:
		i := 0
		for i < len(words)-1 && isNameParticle(words[i]) {
			i++
		}
		n.Last = strings.Join(words[:i+1], " ")
		n.First, n.Middle = splitFirstMiddle(words[i+1:])
	default:
		i := len(words) - 1
		for i > 1 && isNameParticle(words[i-1]) {
			i--
		}
		n.Last = strings.Join(words[i:], " ")
		n.First, n.Middle = splitFirstMiddle(words[:i])
	}
	if suffix != "" {
		if n.Last == "" {
			n.Last = suffix
		} else {
			n.Last += " " + suffix
		}
	}
	return n, nil
}

func splitFirstMiddle(words []string) (first, middle string) {
	if len(words) == 0 {
		return "", ""
	}
	return words[0], strings.Join(words[1:], " ")
}

// isNameParticle reports whether w is a lower-case family-name particle.
// Capitalised words are not particles: "De Niro" keeps "De" only when
// another rule puts it in the family name.
func isNameParticle(w string) bool {
	switch w {
	case "van", "von", "der", "den", "de", "del", "della", "de'", "di", "da", "das", "dos", "do",
		"du", "la", "le", "les", "ter", "ten", "bin", "binti", "ibn", "al", "el", "y", "zu", "af", "av":
		return true
	}
	return false
}

func isNameSuffix(w string) bool {
	switch strings.ToLower(strings.TrimSuffix(w, ".")) {
	case "jr", "sr", "ii", "iii", "iv", "phd", "md", "esq":
		return true
	}
	return false
}

// Closest returns up to n of candidates that are most similar to value,
// best first, for "did you mean" hints in error messages. Similarity is the
// edit distance (Levenshtein with adjacent transpositions) between the
// [Normalize]d strings divided by the
// length of the longer one, so it ignores case, accents and punctuation; a
// candidate that contains value (or is contained in it) counts as close.
// Candidates farther than half their length are left out, so the result may
// be shorter than n or empty. Ties keep the order of candidates.
func Closest(value string, candidates []string, n int) []string {
	if n <= 0 || len(candidates) == 0 {
		return nil
	}
	type scored struct {
		s     string
		score float64
		idx   int
	}
	key := []rune(Normalize(value))
	var best []scored
	for i, c := range candidates {
		ck := []rune(Normalize(c))
		longest := max(len(key), len(ck))
		if longest == 0 {
			continue
		}
		score := float64(Levenshtein(key, ck)) / float64(longest)
		if len(key) > 0 && len(ck) > 0 && score > 0 &&
			(strings.Contains(string(ck), string(key)) || strings.Contains(string(key), string(ck))) {
			score = min(score, 0.25)
		}
		if score > 0.5 {
			continue
		}
		// Insert in order, keeping at most n.
		j := len(best)
		for j > 0 && best[j-1].score > score {
			j--
		}
		if j >= n {
			continue
		}
		best = append(best, scored{})
		copy(best[j+1:], best[j:])
		best[j] = scored{s: c, score: score, idx: i}
		if len(best) > n {
			best = best[:n]
		}
	}
	if len(best) == 0 {
		return nil
	}
	out := make([]string, len(best))
	for i, b := range best {
		out[i] = b.s
	}
	return out
}

// Levenshtein returns the optimal-string-alignment edit distance between a
// and b: Levenshtein's insertions, deletions and substitutions, plus
// transpositions of adjacent letters ("Hto" → "Hot" is one edit), the most
// common typing mistake.
func Levenshtein(a, b []rune) int {
	if len(a) < len(b) {
		a, b = b, a
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
