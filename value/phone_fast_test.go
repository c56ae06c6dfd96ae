package value

import (
	"errors"
	"fmt"
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

// parsePhoneLibphonenumber is parsePhone as it was written over
// github.com/nyaruka/phonenumbers, before internal/phonenumber replaced
// it: the reference that ParsePhone must agree with.
func parsePhoneLibphonenumber(in, region string) (Phone, error) {
	if in == "" {
		return Phone{}, fmt.Errorf("%w: empty", ErrInvalidPhone)
	}
	region = strings.ToUpper(region)
	v, err := unExcelPhone(in)
	if err != nil {
		return Phone{}, err
	}
	v = replaceRuExtension(v)
	if t := strings.TrimLeft(v, " ("); strings.HasPrefix(t, "00") {
		v = "+" + t[2:]
	}
	num, err := phonenumbers.Parse(v, region)
	if err == nil && !phonenumbers.IsValidNumber(num) && allDigits(v) && len(v) >= 8 {
		if alt, aerr := phonenumbers.Parse("+"+v, region); aerr == nil && phonenumbers.IsValidNumber(alt) {
			num = alt
		}
	}
	if err != nil {
		switch {
		case errors.Is(err, phonenumbers.ErrInvalidCountryCode) && region == "":
			return Phone{}, fmt.Errorf("%w: no country code and no default region", ErrInvalidPhone)
		case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
			return Phone{}, fmt.Errorf("%w: unknown country code", ErrInvalidPhone)
		case errors.Is(err, phonenumbers.ErrNotANumber):
			return Phone{}, fmt.Errorf("%w: not a phone number", ErrInvalidPhone)
		case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
			return Phone{}, fmt.Errorf("%w: too short", ErrInvalidPhone)
		case errors.Is(err, phonenumbers.ErrNumTooLong):
			return Phone{}, fmt.Errorf("%w: too long", ErrInvalidPhone)
		}
		return Phone{}, fmt.Errorf("%w: %v", ErrInvalidPhone, err)
	}
	if !phonenumbers.IsValidNumber(num) {
		switch phonenumbers.IsPossibleNumberWithReason(num) {
		case phonenumbers.TOO_SHORT:
			return Phone{}, fmt.Errorf("%w: too short for country code +%d", ErrInvalidPhone, num.GetCountryCode())
		case phonenumbers.TOO_LONG:
			return Phone{}, fmt.Errorf("%w: too long for country code +%d", ErrInvalidPhone, num.GetCountryCode())
		case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
			return Phone{}, fmt.Errorf("%w: too short for country code +%d", ErrInvalidPhone, num.GetCountryCode())
		case phonenumbers.INVALID_LENGTH:
			return Phone{}, fmt.Errorf("%w: wrong number of digits for country code +%d", ErrInvalidPhone, num.GetCountryCode())
		case phonenumbers.INVALID_COUNTRY_CODE:
			return Phone{}, fmt.Errorf("%w: unknown country code +%d", ErrInvalidPhone, num.GetCountryCode())
		}
		return Phone{}, fmt.Errorf("%w: not a valid number for country code +%d", ErrInvalidPhone, num.GetCountryCode())
	}
	return Phone{E164: phonenumbers.Format(num, phonenumbers.E164), Ext: num.GetExtension()}, nil
}

// checkParsePhone fails t when ParsePhone(s, region) differs from
// parsePhoneLibphonenumber, in the number or the error text.
func checkParsePhone(t *testing.T, s, region string) bool {
	t.Helper()
	got, gotErr := ParsePhone(s, region)
	want, wantErr := parsePhoneLibphonenumber(CollapseSpace(s), region)
	if got != want || (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Errorf("ParsePhone(%q, %q) = %+v, %v; over libphonenumber: %+v, %v", s, region, got, gotErr, want, wantErr)
		return false
	}
	return true
}

// ParsePhone returns exactly what it returned over libphonenumber, error
// texts included, for every region's numbers, valid and invalid, written
// in E.164, nationally, without the "+" and as Excel floats, whatever the
// default region.
func TestParsePhoneMatchesLibphonenumber(t *testing.T) {
	cands := phoneCandidates()
	if testing.Short() || raceEnabled {
		// Every tenth: libphonenumber is slow, the more so under -race.
		for i := range len(cands) / 10 {
			cands[i] = cands[10*i]
		}
		cands = cands[:len(cands)/10]
	}
	r := rand.New(rand.NewSource(2))
	regions := []string{"", "US", "RU", "GB", "BR", "IT", "XX", "de", "AR"}
	bad := 0
	for i, s := range cands {
		region := regions[i%len(regions)]
		forms := []string{s, strings.TrimPrefix(s, "+"), "00" + s[1:], s + " ext. 12"}
		if len(s) > 4 {
			// The national form, as "(xxx) xxx-xxxx" would group it.
			forms = append(forms, "8 ("+s[2:min(5, len(s))]+") "+s[min(5, len(s)):], s[:len(s)-1]+".0")
		}
		if r.Intn(10) == 0 {
			forms = append(forms, s[1:2]+"."+s[2:]+"E+"+strconv.Itoa(len(s)-2))
		}
		for _, f := range forms {
			if !checkParsePhone(t, f, region) {
				bad++
			}
		}
		if bad > 20 {
			t.Fatal("too many differences")
		}
	}
	t.Logf("%d numbers", len(cands))
}

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"+12025550123", "+442079460958", "+79991234567", "+390612345678", "+8001234", "+1", "+0123",
		"8 (999) 123-45-67", "(202) 555-0123", "020 7946 0958", "4.42079460958E+11", "+7 495 123-45-67 доб. 12"} {
		f.Add(s, "US")
		f.Add(s, "RU")
	}
	f.Fuzz(func(t *testing.T, s, region string) {
		checkParsePhone(t, s, region)
	})
}
