package value

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"1 234,56", "1.234,56", "1,234.56", "1'234.56", "(1,234.50)", "$5", "4.41E+11", "-0", ".5", "1,,2", "руб. 5", "1e999", "−12,5 €"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, comma bool) {
		nf := DecimalPoint
		if comma {
			nf = DecimalComma
		}
		v, err := ParseNumber(s, nf)
		if err != nil {
			return
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("ParseNumber(%q, %v) = %v, want a finite number", s, nf, v)
		}
		// Format → parse round trip, in both conventions.
		en := strconv.FormatFloat(v, 'f', -1, 64)
		if got, err := ParseNumber(en, DecimalPoint); err != nil || got != v {
			t.Errorf("ParseNumber(%q, point) = %v, %v; want %v", en, got, err, v)
		}
		de := strings.Replace(en, ".", ",", 1)
		if got, err := ParseNumber(de, DecimalComma); err != nil || got != v {
			t.Errorf("ParseNumber(%q, comma) = %v, %v; want %v", de, got, err, v)
		}
		if i, err := ParseInt(s, nf); err == nil && float64(i) != v && math.Abs(v) < 1<<53 {
			t.Errorf("ParseInt(%q) = %d but ParseNumber = %v", s, i, v)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2024-01-31", "2024-01-31T14:30:00+03:00", "31.01.2024 14:30", "01/02/2024", "45322.75", "60", "5 Mar 2024", "2024-02-30"} {
		f.Add(s)
	}
	p, err := NewDateParser(DateOptions{
		Layouts:  []string{"dd.mm.yyyy", "mm/dd/yyyy", "d mmm yyyy", "dd.mm.yy HH:mm"},
		Location: time.FixedZone("MSK", 3*3600),
		Serial:   SerialExcel1900,
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := p.Parse(s)
		if err != nil {
			return
		}
		if y := got.Year(); y < 0 || y > 9999 {
			t.Fatalf("Parse(%q) = %v, year out of range", s, got)
		}
		iso := got.Format(time.RFC3339Nano)
		back, err := p.Parse(iso)
		if err != nil || !back.Equal(got) {
			t.Errorf("Parse(%q) = %v; Parse(%q) = %v, %v; want the same instant", s, got, iso, back, err)
		}
		if got.Year() >= 1900 {
			serial, err := TimeToExcelSerial(got, false)
			if err != nil {
				t.Fatalf("TimeToExcelSerial(%v): %v", got, err)
			}
			if again, err := ExcelSerialToTime(serial, false, got.Location()); err == nil &&
				again.Sub(got).Abs() > time.Millisecond {
				t.Errorf("Excel serial round trip of %v = %v", got, again)
			}
		}
	})
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{"8 (999) 123-45-67", "+44 20 7946 0958", "4.41E+11", "441234567890", "00442079460958", "+1 650 253 0000 x123", "доб. 5", "++"} {
		f.Add(s, "RU")
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, s, region string) {
		p, err := ParsePhone(s, region)
		if err != nil {
			return
		}
		if !strings.HasPrefix(p.E164, "+") || !allDigits(p.E164[1:]) || len(p.E164) > 16 {
			t.Fatalf("ParsePhone(%q, %q).E164 = %q, not E.164", s, region, p.E164)
		}
		back, err := ParsePhone(p.String(), "")
		if err != nil || back != p {
			t.Errorf("ParsePhone(%q) = %+v, %v; want %+v", p.String(), back, err, p)
		}
	})
}
