package phonenumber

import (
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// outcome is everything mapping reads from parsing s in a region:
// the error class, and for a number its E.164 form, extension, validity
// and possibility.
type outcome struct {
	Err      string
	E164     string
	Ext      string
	Valid    bool
	Possible Possibility
}

func (o outcome) String() string {
	if o.Err != "" {
		return "error " + o.Err
	}
	return fmt.Sprintf("%s ext %q valid %v possible %d", o.E164, o.Ext, o.Valid, o.Possible)
}

func errClass(err error, known ...error) string {
	for _, k := range known {
		if errors.Is(err, k) {
			return k.Error()
		}
	}
	return "unexpected: " + err.Error()
}

func ours(s, region string) outcome {
	n, err := Parse(s, region)
	if err != nil {
		return outcome{Err: errClass(err, ErrNotANumber, ErrInvalidCountryCode, ErrTooShortNSN, ErrTooShortAfterIDD, ErrTooLong)}
	}
	return outcome{E164: n.E164(), Ext: n.Extension, Valid: n.IsValid(), Possible: n.Possible()}
}

func theirs(s, region string) (o outcome) {
	defer func() {
		if e := recover(); e != nil {
			o = outcome{Err: fmt.Sprint("panic: ", e)}
		}
	}()
	n, err := phonenumbers.Parse(s, region)
	if err != nil {
		return outcome{Err: errClass(err, phonenumbers.ErrNotANumber, phonenumbers.ErrInvalidCountryCode,
			phonenumbers.ErrTooShortNSN, phonenumbers.ErrTooShortAfterIDD, phonenumbers.ErrNumTooLong)}
	}
	return outcome{E164: phonenumbers.Format(n, phonenumbers.E164), Ext: n.GetExtension(),
		Valid: phonenumbers.IsValidNumber(n), Possible: Possibility(phonenumbers.IsPossibleNumberWithReason(n))}
}

type phoneCase struct{ in, region string }

// corpus returns the differential test's inputs, built from the metadata:
// every example number of every region and type, written in many ways, in
// many default regions; plus random digits, letters and junk. It is the
// same on every run.
func corpus() []phoneCase {
	r := rand.New(rand.NewSource(1))
	seen := map[phoneCase]bool{}
	var out []phoneCase
	add := func(in, region string) {
		c := phoneCase{in, region}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	var supported []string
	for id := range phonenumbers.GetSupportedRegions() {
		supported = append(supported, id)
	}
	slices.Sort(supported)
	extra := []string{"", "US", "RU", "GB", "DE", "BR", "AR", "IT", "MX", "JP", "CN", "IN", "FR", "ZZ", "001", "us", "ru", "Gb", "XX", "USA", " US"}
	randRegion := func() string {
		if r.Intn(4) == 0 {
			return extra[r.Intn(len(extra))]
		}
		return supported[r.Intn(len(supported))]
	}
	// iddFor returns a prefix that dials out of region: its preferred
	// international prefix, or its pattern when that is digits.
	iddFor := func(region string) string {
		coll, _ := phonenumbers.MetadataCollection()
		for _, md := range coll.GetMetadata() {
			if md.GetId() != region {
				continue
			}
			if p := md.GetPreferredInternationalPrefix(); p != "" {
				return strings.ReplaceAll(p, "~", "")
			}
			if p := md.GetInternationalPrefix(); strings.Trim(p, "0123456789") == "" {
				return p
			}
		}
		return "00"
	}
	punct := []string{" ", "-", ".", "(", ")", "\u00a0", "/", " - ", "  ", "\u2013", "\uff0d", "~", "[", "]"}
	exts := []string{" ext. 12", " x123", " ext 7", "#45", " #45", ";ext=99", " extension 1234", " extn 5", ",,12", ";12",
		", 12", " доб. 12", " anexo 3", " ext: 4", " X 9", " int 42", " - 503#", "\uff58\uff54 7", " ext. 123456789012345678901", "x1234567890"}
	scramble := func(s string) string {
		var b strings.Builder
		for i, c := range s {
			if i > 0 && r.Intn(3) == 0 {
				b.WriteString(punct[r.Intn(len(punct))])
			}
			b.WriteRune(c)
		}
		return b.String()
	}

	coll, _ := phonenumbers.MetadataCollection()
	for _, md := range coll.GetMetadata() {
		region := md.GetId()
		cc := strconv.Itoa(int(md.GetCountryCode()))
		np := strings.ReplaceAll(md.GetNationalPrefix(), "~", "")
		var examples []string
		for _, d := range nyarukaDescs(md) {
			if e := d.GetExampleNumber(); e != "" {
				examples = append(examples, e)
			}
		}
		for _, e := range examples {
			home := region
			if home == "001" {
				home = ""
			}
			other := randRegion()
			forms := []struct{ in, region string }{
				{e, home}, {np + e, home}, {"+" + cc + e, ""}, {"+" + cc + " " + e, other},
				{cc + e, home}, {cc + np + e, home}, {"+" + cc + np + e, home},
				{iddFor(other) + cc + e, other}, {iddFor(other) + " " + cc + " " + e, other},
				{"00" + cc + e, other}, {"+" + cc + e, home},
				{e[:len(e)-1], home}, {e + strconv.Itoa(r.Intn(10)), home},
				{"+" + cc + e[:len(e)-1], ""}, {"+" + cc + e + strconv.Itoa(r.Intn(10)), ""},
				{"+" + cc + "0" + e, ""}, {np + np + e, home},
			}
			for i, f := range forms {
				add(f.in, f.region)
				add(scramble(f.in), f.region)
				if i%3 == 0 {
					add(f.in, randRegion())
					add(f.in+exts[r.Intn(len(exts))], f.region)
					add(scramble(f.in)+exts[r.Intn(len(exts))], randRegion())
				}
			}
			// A digit changed at random.
			if len(e) > 2 {
				i := r.Intn(len(e))
				ch := e[:i] + strconv.Itoa(r.Intn(10)) + e[i+1:]
				add(ch, home)
				add("+"+cc+ch, "")
			}
		}
	}
	// Random digits, with and without "+", in random regions.
	for range 15000 {
		n := 1 + r.Intn(20)
		var b strings.Builder
		if r.Intn(3) == 0 {
			b.WriteByte('+')
		}
		for range n {
			b.WriteByte(byte('0' + r.Intn(10)))
		}
		add(b.String(), randRegion())
	}
	// Letters, vanity numbers and junk.
	alphabet := []string{"0", "1", "2", "3", "5", "7", "8", "9", "+", "\uff0b", " ", "-", "(", ")", ".", "/", "\\", "x", "X",
		"e", "t", "n", "a", "F", "L", "O", "W", "R", "S", "#", ";", ",", ":", "*", "&", "]", "~", "\u00a0", "\t", "\n",
		"\uff11", "\u0661", "\u06f5", "\u0967", "\u0e51", "ext", "доб", "tel:", ";phone-context=", ";isub=", "=", "ſ",
		"\u212a", "é", "\u2060", "\u200b", "\ufffd", "\xff", "Ｅ", "ｘ", "o\u0301"}
	for range 12000 {
		n := 1 + r.Intn(25)
		var b strings.Builder
		for range n {
			if r.Intn(2) == 0 {
				b.WriteByte(byte('0' + r.Intn(10)))
			} else {
				b.WriteString(alphabet[r.Intn(len(alphabet))])
			}
		}
		add(b.String(), randRegion())
	}
	for _, s := range []string{"", " ", "+", "++", "+1", "1", "12", "123", "1-800-FLOWERS", "1-800-MICROSOFT", "0800 FLOWERS",
		"+1 800 six one two", "tel:+1-202-555-0123", "tel:2025550123;phone-context=+1", "2025550123;phone-context=example.com",
		"tel:+44-20-7946-0958;isub=1234", ";phone-context=+1", "(202) 555-0123 x12 / x13", "12&&x]", "2025550123&&]]", "2025550123 a&&b]", "+44 20 7946 0958 &&]]",
		"(202) 555-0123 x&&#]", "(202) 555-0123 x12&&#]", "202 555 0123 &&x]]]", "2025550123\\ x5", "2025550123 /x5",
		strings.Repeat("1", 251), strings.Repeat("1", 250), strings.Repeat("1", 18), "+" + strings.Repeat("1", 18),
		"０２０ ７９４６ ０９５８", "+٧ ٩٩٩ ١٢٣ ٤٥ ٦٧", "+7 ९९९ १२३ ४५ ६७", "8 (999) 123-45-67", "(202) 555-0123",
		"+44 20 7946 0958", "020 7946 0958", "+79991234567", "00", "000", "0000000", "+0", "+00", "+0 123 4567"} {
		for _, region := range []string{"", "US", "RU", "GB", "IT", "AR", "ZZ", "001"} {
			add(s, region)
		}
	}
	return out
}

// sample returns every tenth of cases under -short or -race, else cases.
func sample[T any](cases []T) []T {
	if !testing.Short() && !raceEnabled {
		return cases
	}
	for i := range len(cases) / 10 {
		cases[i] = cases[10*i]
	}
	return cases[:len(cases)/10]
}

// TestParseMatchesLibphonenumber compares Parse, IsValid, Possible and E164
// with github.com/nyaruka/phonenumbers on the corpus.
func TestParseMatchesLibphonenumber(t *testing.T) {
	cases := sample(corpus())
	bad := 0
	for _, c := range cases {
		got, want := ours(c.in, c.region), theirs(c.in, c.region)
		if got != want {
			bad++
			if bad <= 50 {
				t.Errorf("Parse(%q, %q) = %v, libphonenumber: %v", c.in, c.region, got, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d cases differ", bad, len(cases))
	}
	t.Logf("%d cases", len(cases))
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"8 (999) 123-45-67", "(202) 555-0123", "+44 20 7946 0958", "020 7946 0958", "+79991234567",
		"+1 650 253 0000 x123", "(650) 253-0000 ext. 45", "+7 495 123-45-67 доб. 12", "1-800-FLOWERS", "011 44 20 7946 0958",
		"tel:+1-202-555-0123;phone-context=+1", "+٧ ٩٩٩ ١٢٣ ٤٥ ٦٧", "2025550123 a&&b]", "0044 20 7946 0958"} {
		for _, region := range []string{"US", "RU", "GB", "", "AR", "BR"} {
			f.Add(s, region)
		}
	}
	f.Fuzz(func(t *testing.T, s, region string) {
		if got, want := ours(s, region), theirs(s, region); got != want {
			t.Errorf("Parse(%q, %q) = %v, libphonenumber: %v", s, region, got, want)
		}
	})
}
