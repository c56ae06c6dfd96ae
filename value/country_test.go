package value

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCountryRegion(t *testing.T) {
	tests := []struct{ in, want string }{
		{"United States", "US"}, {"USA", "US"}, {"U.S.A.", "US"}, {"Estados Unidos", "US"}, {"EE. UU.", "US"}, {"США", "US"}, {"Vereinigte Staaten", "US"},
		{"Germany", "DE"}, {"Alemania", "DE"}, {"Alemanha", "DE"}, {"Германия", "DE"}, {"Deutschland", "DE"}, {"DEU", "DE"}, {"de", "DE"},
		{"España", "ES"}, {"espana", "ES"}, {"Spanien", "ES"}, {"Испания", "ES"},
		{"México", "MX"}, {"Brasil", "BR"}, {"BRA", "BR"}, {"Россия", "RU"}, {"Российская Федерация", "RU"}, {"РФ", "RU"},
		{"United Kingdom", "GB"}, {"UK", "GB"}, {"gb", "GB"}, {"Reino Unido", "GB"}, {"Großbritannien", "GB"}, {"Великобритания", "GB"},
		{"Österreich", "AT"}, {"Schweiz", "CH"}, {"Países Bajos", "NL"}, {"Нидерланды", "NL"}, {"Ecuador", "EC"}, {"ECU", "EC"},
		{"  France ", "FR"}, {"Côte d'Azur", ""}, {"Narnia", ""}, {"XX", ""}, {"", ""},
		{"NP", "NP"}, // any region the phone metadata knows, by its code
	}
	for _, tt := range tests {
		if got := CountryRegion(tt.in); got != tt.want {
			t.Errorf("CountryRegion(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The names table parses: two or more codes and at least the English name
// on every line, alpha-2 codes the phone metadata knows.
func TestCountryNames(t *testing.T) {
	n := 0
	for line := range strings.SplitSeq(strings.TrimSpace(countryNames), "\n") {
		codes, names, ok := strings.Cut(line, "|")
		f := strings.Fields(codes)
		if !ok || len(f) != 2 || len(f[0]) != 2 || len(f[1]) != 3 || names == "" {
			t.Errorf("bad line %q", line)
			continue
		}
		if CountryRegion(f[0]) != f[0] || CountryRegion(f[1]) != f[0] {
			t.Errorf("line %q: codes do not resolve to %s", line, f[0])
		}
		for n := range strings.SplitSeq(names, "|") {
			if got := CountryRegion(n); got != f[0] && len(n) > 2 {
				t.Errorf("CountryRegion(%q) = %q, want %s", n, got, f[0])
			}
		}
		n++
	}
	if n < 60 {
		t.Errorf("%d countries, want at least 60", n)
	}
}

func TestCountryColumns(t *testing.T) {
	tests := []struct {
		header []string
		want   []int
	}{
		{[]string{"Name", "Country/Region", "Phone"}, []int{1}},
		{[]string{"LastName", "OtherCountry", "MailingCountry", "Phone"}, []int{2, 1}},
		{[]string{"Nombre", "Teléfono", "País"}, []int{2}},
		{[]string{"Имя", "Страна", "Телефон"}, []int{1}},
		{[]string{"Vorname", "Land", "Telefon"}, []int{1}},
		{[]string{"Billing Country", "Country"}, []int{1, 0}},
		{[]string{"Delivery country", "Phone"}, []int{0}},
		{[]string{"Country code", "Bundesland", "Phone"}, nil},
	}
	for _, tt := range tests {
		got := CountryColumns(tt.header)
		if len(got) == 0 {
			got = nil
		}
		if !cmp.Equal(got, tt.want) {
			t.Errorf("CountryColumns(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}
