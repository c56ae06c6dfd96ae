package value

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePhone(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		region  string
		want    Phone
		wantErr string // substring of the error; "" means no error
	}{
		{"ru national with 8", "8 (999) 123-45-67", "RU", Phone{E164: "+79991234567"}, ""},
		{"ru with 7 no plus", "7 999 123 45 67", "RU", Phone{E164: "+79991234567"}, ""},
		{"ru plus", "+7 (999) 123-45-67", "", Phone{E164: "+79991234567"}, ""},
		{"uk international", "+44 20 7946 0958", "RU", Phone{E164: "+442079460958"}, ""},
		{"uk national", "020 7946 0958", "GB", Phone{E164: "+442079460958"}, ""},
		{"leading 00 in RU", "00 44 20 7946 0958", "RU", Phone{E164: "+442079460958"}, ""},
		{"leading 00 in US", "0044 20 7946 0958", "US", Phone{E164: "+442079460958"}, ""},
		{"ru 810 prefix", "810 44 20 7946 0958", "RU", Phone{E164: "+442079460958"}, ""},
		{"excel float full", "442079460958", "RU", Phone{E164: "+442079460958"}, ""},
		{"excel float with .0", "442079460958.0", "RU", Phone{E164: "+442079460958"}, ""},
		{"excel scientific exact", "4.42079460958E+11", "RU", Phone{E164: "+442079460958"}, ""},
		{"excel scientific lowercase", "7.9991234567e10", "RU", Phone{E164: "+79991234567"}, ""},
		{"excel scientific lost digits", "4.41E+11", "RU", Phone{}, "lost its last digits"},
		{"excel fraction", "4.4207946095812E+11", "RU", Phone{}, "fraction"},
		{"us extension x", "+1 650 253 0000 x123", "US", Phone{E164: "+16502530000", Ext: "123"}, ""},
		{"us extension ext.", "(650) 253-0000 ext. 45", "US", Phone{E164: "+16502530000", Ext: "45"}, ""},
		{"ru extension доб", "+7 495 123-45-67 доб. 12", "RU", Phone{E164: "+74951234567", Ext: "12"}, ""},
		{"nbsp", "+44\u00a020\u00a07946\u00a00958", "", Phone{E164: "+442079460958"}, ""},
		{"lower-case region", "8 999 123 45 67", "ru", Phone{E164: "+79991234567"}, ""},
		{"empty", "  ", "RU", Phone{}, "empty"},
		{"letters", "call me", "RU", Phone{}, "not a phone number"},
		{"too short", "12", "RU", Phone{}, "too short"},
		{"invalid ru", "8 (000) 000-00-00", "RU", Phone{}, "not a valid number"},
		{"too long", "+7 999 123 45 67 89 01 23 45 67", "", Phone{}, "too long"},
		{"extra digits", "+7 999 123 45 67 89 01", "", Phone{}, "not a valid number for country code +7"},
		{"local only", "+44 20 7946 09", "", Phone{}, "too short for country code +44"},
		{"no region", "999 123 45 67", "", Phone{}, "no country code and no default region"},
		{"unknown country code", "+999 123 456 789", "", Phone{}, "country code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePhone(tt.in, tt.region)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalidPhone) {
					t.Fatalf("ParsePhone(%q, %q) = %+v, %v; want error containing %q", tt.in, tt.region, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParsePhone(%q, %q) = %+v, %v; want %+v", tt.in, tt.region, got, err, tt.want)
			}
		})
	}
}

func TestPhoneStringRoundTrip(t *testing.T) {
	for _, p := range []Phone{{E164: "+442079460958"}, {E164: "+16502530000", Ext: "123"}} {
		got, err := ParsePhone(p.String(), "")
		if err != nil || got != p {
			t.Errorf("ParsePhone(%q) = %+v, %v; want %+v", p.String(), got, err, p)
		}
	}
}

// ReadPhone grades what ParsePhone refuses: a number of its country's
// shape that the metadata does not know (a new area code) still has its
// E.164 form; every refusal is a *ValueError with a reason.
func TestReadPhoneGrades(t *testing.T) {
	tests := []struct {
		in, region string
		grade      PhoneGrade
		e164       string
		reason     string
	}{
		{"+1 202 555 0143", "", PhoneValid, "+12025550143", ""},
		{"+1 (487) 456-2346", "", PhoneInPlan, "+14874562346", "not_valid"},
		{"(593) 544 8524", "US", PhoneInPlan, "+15935448524", "not_valid"},
		{"030 1234567", "US", PhoneDigits, "", "not_valid"},
		{"(593) 544 8524", "", PhoneDigits, "", "no_country_code"},
		{"12345", "RU", PhoneDigits, "", "too_short"},
		{"4.41E+11", "", PhoneDigits, "", "scientific_notation"},
		{"n/a", "", PhoneNoDigits, "", "not_a_number"},
		{"", "", PhoneNoDigits, "", "empty"},
	}
	for _, tt := range tests {
		p, grade, err := ReadPhone(tt.in, tt.region)
		var ve *ValueError
		reason := ""
		if errors.As(err, &ve) {
			reason = ve.Reason
		}
		if grade != tt.grade || p.E164 != tt.e164 || reason != tt.reason || (err != nil) != (tt.reason != "") {
			t.Errorf("ReadPhone(%q, %q) = %q, grade %d, %v (reason %q); want %q, grade %d, reason %q", tt.in, tt.region, p.E164, grade, err, reason, tt.e164, tt.grade, tt.reason)
		}
		if err != nil && !errors.Is(err, ErrInvalidPhone) {
			t.Errorf("ReadPhone(%q) error %v does not wrap ErrInvalidPhone", tt.in, err)
		}
	}
}
