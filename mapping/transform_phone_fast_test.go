package mapping

import (
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// phoneCandidates returns numbers in E.164 form, valid and not: the
// example numbers of every region and type, each with its digits changed,
// dropped and added, with the region's national prefix inserted, and
// random digits after every calling code.
func phoneCandidates() []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	r := rand.New(rand.NewSource(1))
	types := []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE,
		phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER,
		phonenumbers.PAGER, phonenumbers.UAN, phonenumbers.VOICEMAIL}
	for cc := 1; cc < 1000; cc++ {
		regions := phonenumbers.GetRegionCodesForCountryCode(cc)
		if len(regions) == 0 {
			continue
		}
		prefix := strconv.Itoa(cc)
		for range 30 {
			n := 2 + r.Intn(14)
			var b strings.Builder
			for range n {
				b.WriteByte(byte('0' + r.Intn(10)))
			}
			add("+" + prefix + b.String())
		}
		for _, region := range regions {
			ndd := phonenumbers.GetNddPrefixForRegion(region, true)
			for _, typ := range types {
				num := phonenumbers.GetExampleNumberForType(region, typ)
				if num == nil {
					continue
				}
				e := phonenumbers.Format(num, phonenumbers.E164)
				nsn := strings.TrimPrefix(e, "+"+prefix)
				add(e)
				add(e[:len(e)-1])
				add("+" + prefix + ndd + nsn)
				add("+" + prefix + "0" + nsn)
				for d := byte('0'); d <= '9'; d++ {
					add(e[:len(e)-1] + string(d))
					add(e + string(d))
					if nsn != "" {
						add("+" + prefix + string(d) + nsn[1:])
					}
					if len(nsn) > 2 {
						add("+" + prefix + nsn[:1] + string(d) + nsn[2:])
					}
				}
			}
		}
	}
	for range 20000 {
		n := 2 + r.Intn(17)
		b := []byte{'+'}
		for range n {
			b = append(b, byte('0'+r.Intn(10)))
		}
		add(string(b))
	}
	return out
}

// The E.164 fast path of ParsePhone returns exactly what the long way
// returns, for every region's numbers, valid and invalid, whatever the
// default region.
func TestParsePhoneFastPathMatchesLibphonenumber(t *testing.T) {
	cands := phoneCandidates()
	if testing.Short() {
		cands = cands[:len(cands)/10]
	}
	fast := 0
	for _, s := range cands {
		// Other numbers go the long way (ParsePhone is then parsePhone).
		if _, ok := validE164(s); !ok {
			continue
		}
		fast++
		for _, region := range []string{"", "US", "RU", "GB", "BR", "IT", "XX"} {
			got, gotErr := ParsePhone(s, region)
			want, wantErr := parsePhone(s, region)
			if got != want || (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
				t.Fatalf("ParsePhone(%q, %q) = %+v, %v; the long way gives %+v, %v", s, region, got, gotErr, want, wantErr)
			}
		}
	}
	t.Logf("%d numbers, %d through the fast path", len(cands), fast)
	if fast < len(cands)/20 {
		t.Errorf("only %d of %d numbers took the fast path", fast, len(cands))
	}
}

func FuzzParsePhoneFastPath(f *testing.F) {
	for _, s := range []string{"+12025550123", "+442079460958", "+79991234567", "+390612345678", "+8001234", "+1", "+0123"} {
		f.Add(s, "US")
	}
	f.Fuzz(func(t *testing.T, s, region string) {
		s = CollapseSpace(s)
		got, gotErr := ParsePhone(s, region)
		want, wantErr := parsePhone(s, region)
		if got != want || (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
			t.Fatalf("ParsePhone(%q, %q) = %+v, %v; the long way gives %+v, %v", s, region, got, gotErr, want, wantErr)
		}
	})
}
