package phonenumber

import (
	"math/rand"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// The rune classes are those of libphonenumber's expressions, rune by rune.
func TestRuneClasses(t *testing.T) {
	classes := []struct {
		name string
		re   string
		f    func(rune) bool
	}{
		{"isPlus", "^[" + phonenumbers.PLUS_CHARS + "]$", isPlus},
		{"isDigit", `^\p{Nd}$`, isDigit},
		{"isPunct", "(?i)^[" + phonenumbers.VALID_PUNCTUATION + "]$", isPunct},
		{"isAlpha", "(?i)^[" + phonenumbers.VALID_ALPHA + "]$", isAlpha},
		{"isNumberRune", "(?i)^[" + phonenumbers.VALID_PUNCTUATION + "*" + phonenumbers.VALID_ALPHA + phonenumbers.DIGITS + "]$", isNumberRune},
	}
	step := rune(1)
	if testing.Short() || raceEnabled {
		step = 97
	}
	for _, c := range classes {
		re := regexp.MustCompile(c.re)
		for r := rune(0); r <= utf8.MaxRune; r += step {
			if utf8.ValidRune(r) && re.MatchString(string(r)) != c.f(r) {
				t.Errorf("%s(%U) = %v, want %v", c.name, r, c.f(r), !c.f(r))
			}
		}
	}
}

// junk returns n random strings made of the runes and words that matter to
// libphonenumber's expressions.
func junk(r *rand.Rand, n int) []string {
	alphabet := []string{"0", "1", "2", "5", "9", "+", "\uff0b", " ", " ", "-", "(", ")", ".", "/", "\\", "x", "X", "e", "E",
		"t", "n", "i", "o", "s", "a", "#", "\uff03", ";", ",", ",,", ":", "*", "&", "&&", "]", "~", "\uff5e", "\u00a0", "\t",
		"\n", "\uff11", "\u0661", "\u0967", "ext", "EXT", "доб", "ДОБ", "anexo", "int", "extension", "extensión",
		"extensio\u0301n", "ſ", "\u212a", "ó", "Ó", "\uff45\uff58\uff54\uff4e", "\uff49\uff4e\uff54", ";ext=", ";phone-context=",
		";isub=", "tel:", "\uff0e", "\ufffd", "\xff", "\xe0\xa5", "\u2013", "\u30fc", "ᲁ"}
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for range 1 + r.Intn(14) {
			if r.Intn(3) == 0 {
				for range 1 + r.Intn(4) {
					b.WriteByte(byte('0' + r.Intn(10)))
				}
			} else {
				b.WriteString(alphabet[r.Intn(len(alphabet))])
			}
		}
		out[i] = b.String()
	}
	return out
}

// textInputs are the strings the text functions are checked on: the
// differential corpus and junk.
func textInputs() []string {
	var in []string
	for _, c := range corpus() {
		in = append(in, c.in)
	}
	return append(in, junk(rand.New(rand.NewSource(3)), 40000)...)
}

// The scans of text.go accept what libphonenumber's expressions match.
func TestTextMatchesLibphonenumber(t *testing.T) {
	extnPattern := phonenumbers.EXTN_PATTERN
	for _, s := range sample(textInputs()) {
		// extractPossibleNumber
		want := ""
		if loc := phonenumbers.VALID_START_CHAR_PATTERN.FindStringIndex(s); loc != nil {
			want = s[loc[0]:]
			if loc := phonenumbers.UNWANTED_END_CHAR_PATTERN.FindStringIndex(want); loc != nil {
				want = want[:loc[0]]
			}
			if loc := phonenumbers.SECOND_NUMBER_START_PATTERN.FindStringIndex(want); loc != nil {
				want = want[:loc[0]]
			}
		}
		if got := extractPossibleNumber(s); got != want {
			t.Errorf("extractPossibleNumber(%q) = %q, want %q", s, got, want)
		}
		// isViablePhoneNumber
		if got, want := isViable(s), len(s) >= 2 && phonenumbers.VALID_PHONE_NUMBER_PATTERN.MatchString(s); got != want {
			t.Errorf("isViable(%q) = %v, want %v", s, got, want)
		}
		// maybeStripExtension
		wantNum, wantExt := s, ""
		if loc := extnPattern.FindStringSubmatchIndex(s); loc != nil && len(s[:loc[0]]) >= 2 &&
			phonenumbers.VALID_PHONE_NUMBER_PATTERN.MatchString(s[:loc[0]]) {
			for g := 2; g < len(loc); g += 2 {
				if loc[g] >= 0 && loc[g+1] > loc[g] {
					wantNum, wantExt = s[:loc[0]], s[loc[g]:loc[g+1]]
					break
				}
			}
		}
		if num, ext := splitExtension(s); num != wantNum || ext != wantExt {
			t.Errorf("splitExtension(%q) = %q, %q, want %q, %q", s, num, ext, wantNum, wantExt)
		}
		// normalize
		if got, want := string(normalize(nil, s)), normalizeLibphonenumber(s); got != want {
			t.Errorf("normalize(%q) = %q, want %q", s, got, want)
		}
	}
}

// normalizeLibphonenumber is libphonenumber's normalize, from its
// exported parts.
func normalizeLibphonenumber(s string) string {
	if phonenumbers.VALID_ALPHA_PHONE_PATTERN.MatchString(s) {
		var b strings.Builder
		for _, r := range phonenumbers.ConvertAlphaCharactersInNumber(s) {
			if '0' <= r && r <= '9' {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	return phonenumbers.NormalizeDigitsOnly(s)
}

// Every pattern of the metadata compiles into a DFA that agrees with
// package regexp, for whole numbers and prefixes.
func TestDFAMatchesRegexp(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	states, fallbacks := 0, 0
	check := func(name, pattern string, prefix bool) {
		l := new(lazyDFA).get(pattern)
		if l.d == nil {
			fallbacks++
			t.Errorf("%s: pattern %q does not compile into a DFA", name, pattern)
			return
		}
		re := regexp.MustCompile("^(?:" + pattern + ")$")
		if prefix {
			re = regexp.MustCompile("^(?:" + pattern + ")")
		}
		for range 60 {
			b := make([]byte, r.Intn(18))
			for i := range b {
				b[i] = byte('0' + r.Intn(10))
			}
			if r.Intn(20) == 0 && len(b) > 0 {
				b[r.Intn(len(b))] = "x\xff+"[r.Intn(3)]
			}
			got := l.fullMatch(b)
			if prefix {
				got = l.prefixMatch(b)
			}
			if want := re.Match(b); got != want {
				t.Errorf("%s: %q on %q = %v, want %v", name, pattern, b, got, want)
			}
		}
		states = max(states, len(l.d.sets))
	}
	for i := range regions {
		md := &regions[i]
		for j, d := range md.descs {
			if d.pattern != "" {
				check(md.id+"/"+string(rune('a'+j)), d.pattern, false)
			}
		}
		if md.leadingDigits != "" {
			check(md.id+" leading digits", md.leadingDigits, true)
		}
	}
	t.Logf("largest DFA: %d states; %d fallbacks", states, fallbacks)
}

// A DFA with more states than it may build still matches, by simulation.
func TestDFAOverflow(t *testing.T) {
	// (0|1)*1(0|1){12} needs 2^13 states.
	d, err := newDFA("[01]*1[01]{12}")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("^(?:[01]*1[01]{12})$")
	r := rand.New(rand.NewSource(5))
	for range 3000 {
		b := make([]byte, 13+r.Intn(8))
		for i := range b {
			b[i] = byte('0' + r.Intn(2))
		}
		if got, want := d.fullMatch(b), re.Match(b); got != want {
			t.Fatalf("fullMatch(%q) = %v, want %v", b, got, want)
		}
	}
	if len(d.sets) != dfaMaxStates {
		t.Errorf("%d states, want the cap %d", len(d.sets), dfaMaxStates)
	}
}

// The prefix matcher agrees with package regexp on where a match ends and
// what its groups capture.
func TestPrefixProgMatchesRegexp(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	var pats []string
	for _, md := range regions {
		for _, p := range []string{md.idd, md.npParsing} {
			if p != "" {
				pats = append(pats, p)
			}
		}
	}
	for _, pat := range pats {
		p, err := newPrefixProg(pat)
		if err != nil {
			t.Fatalf("%q: %v", pat, err)
		}
		re := regexp.MustCompile("^(?:" + pat + ")")
		caps := make([]int, p.ncap)
		for range 200 {
			b := make([]byte, r.Intn(16))
			for i := range b {
				b[i] = byte('0' + r.Intn(10))
			}
			if len(b) > 0 && r.Intn(2) == 0 {
				copy(b, pat) // often start with the pattern's own digits
				for i := range b {
					if b[i] < '0' || b[i] > '9' {
						b[i] = byte('0' + r.Intn(10))
					}
				}
			}
			want := re.FindSubmatchIndex(b)
			ok := p.match(b, caps)
			if ok != (want != nil) || ok && !equalInts(caps, want) {
				t.Errorf("%q on %q = %v %v, want %v", pat, b, ok, caps, want)
			}
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Parse is safe for concurrent use while the DFAs are being built.
func TestParseConcurrent(t *testing.T) {
	cases := corpus()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < len(cases); i += 1 + 4*g {
				c := cases[i]
				if n, err := Parse(c.in, c.region); err == nil {
					n.IsValid()
				}
			}
		}()
	}
	wg.Wait()
}
