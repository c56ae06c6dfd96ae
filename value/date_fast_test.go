package value

import (
	"fmt"
	"testing"
	"time"
)

var fastZone = time.FixedZone("+03", 3*3600)

var fastDates = []*DateParser{
	mustDateParser(DateOptions{}),
	mustDateParser(DateOptions{Layouts: []string{"dd.mm.yyyy"}, Location: fastZone}),
	mustDateParser(DateOptions{Layouts: []string{"mm/dd/yyyy", "dd.mm.yyyy"}, Serial: SerialExcel1900}),
	mustDateParser(DateOptions{Layouts: []string{"yyyy/mm/dd"}, Location: fastZone}),
	mustDateParser(DateOptions{Layouts: []string{"dd-mm-yyyy hh:mm"}}),
	mustDateParser(DateOptions{Layouts: []string{"d.m.yyyy"}}),
}

// The layouts numDate reads, and some it must leave to time.Parse.
func TestNumDateLayouts(t *testing.T) {
	for layout, want := range map[string]bool{
		"2006-01-02": true, "01/02/2006": true, "02.01.2006": true, "2006/01/02": true, "02 01 2006": true,
		"2.1.2006": false, "02.01.06": false, "Jan 02 2006": false, "02.01.2006 15:04": false, "_2.01.2006": false,
		"2006-002": false, "02.01.2006Z07": false, "2006-01-02-01": false,
	} {
		if got := newNumDate(layout).supported; got != want {
			t.Errorf("newNumDate(%q).supported = %v, want %v", layout, got, want)
		}
	}
}

func mustDateParser(o DateOptions) *DateParser {
	p, err := NewDateParser(o)
	if err != nil {
		panic(err)
	}
	return p
}

// Every day of some years, and the days around them, in every numeric
// layout: the fast date reading agrees with the general one.
func TestFastDatesAllDays(t *testing.T) {
	for _, p := range fastDates {
		for _, y := range []int{0, 1, 1900, 1969, 1970, 2000, 2023, 2024, 2100, 9999} {
			for mo := 0; mo <= 13; mo++ {
				for d := 0; d <= 32; d++ {
					for _, s := range []string{
						fmt.Sprintf("%04d-%02d-%02d", y, mo, d), fmt.Sprintf("%02d.%02d.%04d", d, mo, y),
						fmt.Sprintf("%02d/%02d/%04d", mo, d, y), fmt.Sprintf("%04d/%02d/%02d", y, mo, d),
						fmt.Sprintf("%02d-%02d-%04d", d, mo, y),
					} {
						got, ok := p.fast(s)
						want, werr := p.parse(s)
						if ok && (werr != nil || !got.Equal(want) || got.Location().String() != want.Location().String()) {
							t.Errorf("fast(%q) = %v; parse gives %v, %v", s, got, want, werr)
						}
					}
				}
			}
		}
	}
}

// FuzzDateFast: whatever the fast path reads, the general path reads the
// same.
func FuzzDateFast(f *testing.F) {
	for _, s := range []string{"2024-03-15", "15.03.2024", "03/15/2024", "2024/03/15", "15-03-2024 10:00", "1.2.2024", "2024-02-30", "0000-01-01", "9999-12-31z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for k, p := range fastDates {
			got, ok := p.fast(s)
			if !ok {
				continue
			}
			want, err := p.parse(s)
			if err != nil || !got.Equal(want) || got.Location().String() != want.Location().String() {
				t.Errorf("parser %d: fast(%q) = %v; parse gives %v, %v", k, s, got, want, err)
			}
		}
	})
}
