package phonenumber

import (
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// benchInputs are numbers as spreadsheets hold them.
var benchInputs = []struct{ name, in, region string }{
	{"US-national", "(202) 555-0123", "US"},
	{"RU-national", "8 (999) 123-45-67", "RU"},
	{"GB-international", "+44 20 7946 0958", "RU"},
	{"GB-national", "020 7946 0958", "GB"},
	{"E164", "+79991234567", ""},
	{"US-extension", "(650) 253-0000 ext. 45", "US"},
	{"AR-mobile", "011 15-2345-6789", "AR"},
	{"invalid", "8 (000) 000-00-00", "RU"},
}

// BenchmarkParse parses, validates and formats each input, with this
// package ("ours") and with github.com/nyaruka/phonenumbers ("nyaruka").
func BenchmarkParse(b *testing.B) {
	for _, in := range benchInputs {
		b.Run(in.name+"/ours", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				n, err := Parse(in.in, in.region)
				if err != nil {
					b.Fatal(err)
				}
				if n.IsValid() {
					_ = n.E164()
				}
			}
		})
		b.Run(in.name+"/nyaruka", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				n, err := phonenumbers.Parse(in.in, in.region)
				if err != nil {
					b.Fatal(err)
				}
				if phonenumbers.IsValidNumber(n) {
					_ = phonenumbers.Format(n, phonenumbers.E164)
				}
			}
		})
	}
}

// TestParseAllocs checks that parsing, validating and formatting the
// common forms allocates only the E.164 string.
func TestParseAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	for _, in := range benchInputs[:6] {
		n, err := Parse(in.in, in.region)
		if err != nil || !n.IsValid() {
			t.Fatalf("Parse(%q, %q) = %+v, %v; want a valid number", in.in, in.region, n, err)
		}
		allocs := testing.AllocsPerRun(100, func() {
			n, _ := Parse(in.in, in.region)
			if n.IsValid() {
				_ = n.E164()
			}
		})
		if allocs > 1 {
			t.Errorf("Parse, IsValid and E164 of %q allocate %v times, want at most 1", in.in, allocs)
		}
	}
}
