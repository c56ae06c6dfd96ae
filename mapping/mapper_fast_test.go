package mapping

import (
	"fmt"
	"github.com/kommo-bulk/kommo-bulk/value"
	"slices"
	"strings"
	"testing"
)

// fastSeeds are values for the fast paths and around their edges.
var fastSeeds = []string{
	"", " ", "yes", "Yes", "YES", "no", "N", "true", "False", "1", "0", "x", "X", "on", "OFF", "si", "Sí", "oui", "ja", "J",
	"sim", "não", "tak", "vrai", "wahr", "verdadero", "Verdadero", "falsch", "falso", "faux", "nie", "non", "nein", "nao",
	"да", "нет", "+", "-", "✓", "maybe", "yes!", "y e s", "truex", "verdaderos",
	"12", "12.5", "-12.5", "007", "0.5", "1.234", "-1.234", "1,234", "1.5e3", ".5", "5.", "-", "--5", "-0", "0.000", "12.50",
	"99999999999999999999", "1e400", "123456789012345678901234567890.5", "1 234,56", "R$ 12.500", "+5", "5-", "(3)", "١٢",
	"2024-03-15", "2024-3-15", "2024-02-30", "2024-02-29", "2023-02-29", "0000-01-01", "9999-12-31", "2024-03-15z",
	"2024-03-15T10:30:00Z", "2024-03-15 10:30", "2024-13-01", "15.03.2024", "03/15/2024", "3/15/2024", "15.03.2024 10:30",
	"45000", "45000.5", "31.02.2024", "29.02.2024", "29.02.2023", "29.02.1900", "29.02.2000", "31.04.2024", "00.01.2024",
	"15.00.2024", "1.3.2024", "15.03.0000", "15-03-2024", "2024/03/15", "2024/3/15", "03/15/2024", "02/29/2100", "15.03.2024.",
	"15-03-2024 10:30", "１５.03.2024", "2024-03-15T10:30", "0000-02-29", "2000-02-29", "2100-02-29", "2024-04-31", "2024-00-10", "2024-03-15 ", " 2024-03-15",
	"ann@example.com", "Ann@Example.com", "a@b.co", "a@b", "a@b.", "a@.b.co", "a@b..co", "a..b@c.de", ".a@b.co", "a.@b.co",
	"a@-b.co", "a@b-.co", "a-b@c-d.e-f.gh", "x_y%z+w@sub.dom.org", "a@b@c.de", "@b.co", "a@", "mailto:a@b.co", "<a@b.co>",
	"a b@c.de", "a@b_c.de", "ü@b.co", strings.Repeat("a", 250) + "@b.co", strings.Repeat("a", 240) + "@b.co",
	"a;b", "a, b", " a ; b ", "a;;b", ";", "a\nb", "a\r\nb", "a\tb; c  d", "a\u2028b", "a|b|c", "a | b", "a/b", "é;b",
	"a  b", " a", "a ", "a\u00a0b", "a\x00b", "a\x7fb", "a\vb;c\fd",
}

func TestFastPathSeeds(t *testing.T) {
	for _, s := range fastSeeds {
		checkFastPaths(t, s)
	}
}

func FuzzFastPaths(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add(s)
	}
	f.Fuzz(checkFastPaths)
}

func sameResult[T comparable](t *testing.T, what string, got T, gotErr error, want T, wantErr error) {
	t.Helper()
	if got != want || (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Errorf("%s = %v, %v; want %v, %v", what, got, gotErr, want, wantErr)
	}
}

// checkFastPaths checks that every fast path returns what the function it
// stands for returns.
func checkFastPaths(t *testing.T, s string) {
	b, err := parseBool(s)
	wb, werr := value.ParseBool(s)
	sameResult(t, fmt.Sprintf("parseBool(%q)", s), b, err, wb, werr)

	for _, nf := range []value.NumberFormat{value.DecimalPoint, value.DecimalComma} {
		m := &Mapper{numfmt: nf}
		n, err := m.number(s)
		wn, werr := parseNumber(s, nf)
		sameResult(t, fmt.Sprintf("number(%q, %v)", s, nf), n, err, wn, werr)
		i, err := m.integer(s)
		wi, werr := parseInt(s, nf)
		sameResult(t, fmt.Sprintf("integer(%q, %v)", s, nf), i, err, wi, werr)
	}

	e, err := email(s)
	we, werr := value.ParseEmail(s)
	sameResult(t, fmt.Sprintf("email(%q)", s), e, err, we, werr)

	for _, sep := range []string{"", ";", "|", " ", ",", "/", "\n", "\r", "; ", "é", "\u2028"} {
		if got, want := appendSplit(nil, s, sep), value.SplitValues(s, sep); !slices.Equal(got, want) {
			t.Errorf("appendSplit(%q, %q) = %q, want %q", s, sep, got, want)
		}
		if got, want := needsSplit(s, sep), oldNeedsSplit(s, sep); got != want {
			t.Errorf("needsSplit(%q, %q) = %v, want %v", s, sep, got, want)
		}
	}
	if value.IsPlainASCII(s) {
		if got, want := collapseASCII(s), value.CollapseSpace(s); got != want {
			t.Errorf("collapseASCII(%q) = %q, want %q", s, got, want)
		}
	}
	if value.Collapsed(s) && value.CollapseSpace(s) != s {
		t.Errorf("Collapsed(%q), but CollapseSpace gives %q", s, value.CollapseSpace(s))
	}
}

// oldNeedsSplit is needsSplit as it was written first.
func oldNeedsSplit(v, sep string) bool {
	if sep == "" {
		return strings.ContainsAny(v, ";,\n\r\u2028")
	}
	return strings.Contains(v, sep) || strings.ContainsAny(v, "\n\r\u2028")
}
