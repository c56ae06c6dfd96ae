package value

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseNumber(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		f       NumberFormat
		want    float64
		wantErr string
	}{
		{"integer", "42", DecimalPoint, 42, ""},
		{"negative", "-42.5", DecimalPoint, -42.5, ""},
		{"plus", "+7", DecimalPoint, 7, ""},
		{"space group comma dec", "1 234,56", DecimalPoint, 1234.56, ""},
		{"nbsp group", "1\u00a0234\u00a0567,5", DecimalComma, 1234567.5, ""},
		{"narrow nbsp group", "1\u202f234,5", DecimalComma, 1234.5, ""},
		{"thin space group", "1\u2009234.5", DecimalPoint, 1234.5, ""},
		{"de full", "1.234,56", DecimalPoint, 1234.56, ""},
		{"en full", "1,234.56", DecimalComma, 1234.56, ""},
		{"swiss apostrophe", "1'234.56", DecimalPoint, 1234.56, ""},
		{"swiss typographic apostrophe", "1’234’567.5", DecimalPoint, 1234567.5, ""},
		{"ambiguous comma en", "1,234", DecimalPoint, 1234, ""},
		{"ambiguous comma de", "1,234", DecimalComma, 1.234, ""},
		{"ambiguous dot en", "1.234", DecimalPoint, 1.234, ""},
		{"ambiguous dot ru", "1.234", DecimalComma, 1234, ""},
		{"repeated dots group", "1.234.567", DecimalPoint, 1234567, ""},
		{"repeated commas group", "1,234,567", DecimalComma, 1234567, ""},
		{"unambiguous comma decimal", "1,5", DecimalPoint, 1.5, ""},
		{"leading zero comma", "0,123", DecimalPoint, 0.123, ""},
		{"leading dot", ".5", DecimalPoint, 0.5, ""},
		{"long leading group", "1234,567", DecimalPoint, 1234.567, ""},
		{"dollar", "$1,234.50", DecimalPoint, 1234.5, ""},
		{"euro suffix", "1.234,50 €", DecimalPoint, 1234.5, ""},
		{"ruble sign", "1 500 ₽", DecimalComma, 1500, ""},
		{"rub abbreviation", "1 500,50 руб.", DecimalComma, 1500.5, ""},
		{"iso code prefix", "USD 99.90", DecimalPoint, 99.9, ""},
		{"iso code suffix lower", "99,90 eur", DecimalComma, 99.9, ""},
		{"accounting negative", "(1,234.50)", DecimalPoint, -1234.5, ""},
		{"accounting negative currency", "($5)", DecimalPoint, -5, ""},
		{"minus before currency", "-$5", DecimalPoint, -5, ""},
		{"unicode minus", "−12,5", DecimalComma, -12.5, ""},
		{"trailing minus", "12-", DecimalPoint, -12, ""},
		{"scientific", "4.41E+11", DecimalPoint, 4.41e11, ""},
		{"scientific small", "1e-3", DecimalPoint, 0.001, ""},
		{"scientific comma", "1,5E3", DecimalComma, 1500, ""},
		{"spaces around", "  12  ", DecimalPoint, 12, ""},
		{"empty", "", DecimalPoint, 0, "empty"},
		{"only currency", "$", DecimalPoint, 0, "no digits"},
		{"letters", "12 apples", DecimalPoint, 0, "unexpected"},
		{"percent", "12%", DecimalPoint, 0, "unexpected"},
		{"two signs", "--5", DecimalPoint, 0, "more than one sign"},
		{"bad group", "1,23,456", DecimalPoint, 0, "digit group of 2"},
		{"two decimals", "1,234.5.6", DecimalPoint, 0, "more than one decimal"},
		{"mixed groups", "1 234.567,5", DecimalPoint, 0, "mixes thousands separators"},
		{"double separator", "1,,2", DecimalPoint, 0, "misplaced"},
		{"trailing separator", "12.", DecimalPoint, 0, "does not end with a digit"},
		{"nan", "NaN", DecimalPoint, 0, "unexpected"},
		{"bad mantissa", "1.2.3e5", DecimalPoint, 0, "scientific"},
		{"inf", "1e999", DecimalPoint, 0, "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseNumber(tt.in, tt.f)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalidNumber) {
					t.Fatalf("ParseNumber(%q, %v) = %v, %v; want error containing %q", tt.in, tt.f, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || math.Abs(got-tt.want) > 1e-9*math.Max(1, math.Abs(tt.want)) {
				t.Errorf("ParseNumber(%q, %v) = %v, %v; want %v", tt.in, tt.f, got, err, tt.want)
			}
		})
	}
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		f         NumberFormat
		want      int64
		wantRound int64
		wantErr   string // for ParseInt only; ParseIntRound must succeed unless it mentions "range"
	}{
		{"plain", "1500", DecimalPoint, 1500, 1500, ""},
		{"grouped", "1 500 000", DecimalComma, 1500000, 1500000, ""},
		{"zero fraction", "12,00", DecimalComma, 12, 12, ""},
		{"price with currency", "$1,299", DecimalPoint, 1299, 1299, ""},
		{"fraction", "12.50", DecimalPoint, 0, 13, "fractional part"},
		{"negative half", "-2.5", DecimalPoint, 0, -3, "fractional part"},
		{"round down", "2,4", DecimalComma, 0, 2, "fractional part"},
		{"max int64", "9223372036854775807", DecimalPoint, math.MaxInt64, 0, ""},
		{"too large", "1e30", DecimalPoint, 0, 0, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseInt(tt.in, tt.f)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalidNumber) {
					t.Errorf("ParseInt(%q, %v) = %v, %v; want error containing %q", tt.in, tt.f, got, err, tt.wantErr)
				}
			} else if err != nil || got != tt.want {
				t.Errorf("ParseInt(%q, %v) = %v, %v; want %v", tt.in, tt.f, got, err, tt.want)
			}
			if tt.name == "max int64" {
				return // float64 cannot represent it; ParseIntRound rejects it
			}
			gotR, err := ParseIntRound(tt.in, tt.f)
			if tt.wantErr == "too large" {
				if err == nil {
					t.Errorf("ParseIntRound(%q, %v) = %v, nil; want error", tt.in, tt.f, gotR)
				}
				return
			}
			if err != nil || gotR != tt.wantRound {
				t.Errorf("ParseIntRound(%q, %v) = %v, %v; want %v", tt.in, tt.f, gotR, err, tt.wantRound)
			}
		})
	}
}

func TestNumberFormatFor(t *testing.T) {
	tests := []struct {
		locale string
		want   NumberFormat
	}{
		{"", DecimalPoint},
		{"en", DecimalPoint},
		{"en-US", DecimalPoint},
		{"de", DecimalComma},
		{"de-DE", DecimalComma},
		{"de-CH", DecimalPoint},
		{"ru_RU", DecimalComma},
		{"pt-BR", DecimalComma},
		{"es-MX", DecimalPoint},
		{"ja", DecimalPoint},
		{"xx", DecimalPoint},
	}
	for _, tt := range tests {
		if got := NumberFormatFor(tt.locale); got != tt.want {
			t.Errorf("NumberFormatFor(%q) = %v, want %v", tt.locale, got, tt.want)
		}
	}
}
