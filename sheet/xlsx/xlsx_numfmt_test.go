package xlsx

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestAppendSerialMatchesTime checks the civil-date arithmetic of
// appendSerial against the time package (appendSerialTime).
func TestAppendSerialMatchesTime(t *testing.T) {
	vals := []float64{0, 0.5, 0.99999, 0.999999999, 1, 1.25, 59, 59.999999, 60, 60.5, 60.9999999, 61, 61.5,
		366, 367, 1462, 25569, 36525.75, 45306, 45306.0000057, 45306.999994, 109574, 2958465, 2958465.99999, 2958466,
		-1, -0.0000001, 2958466.0001, math.NaN(), math.Inf(1)}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		vals = append(vals, rng.Float64()*(maxSerial+1), float64(rng.IntN(maxSerial+2)))
	}
	for _, v := range vals {
		for _, kind := range []fmtKind{fmtDate, fmtTime, fmtDateTime} {
			for _, d1904 := range []bool{false, true} {
				got, gotOK := appendSerial(nil, v, kind, d1904)
				want, wantOK := appendSerialTime(nil, v, kind, d1904)
				if string(got) != string(want) || gotOK != wantOK {
					t.Errorf("appendSerial(%v, %d, %v) = %q, %v, want %q, %v", v, kind, d1904, got, gotOK, want, wantOK)
				}
			}
		}
	}
}

func TestCivilDate(t *testing.T) {
	tests := []struct {
		day     int64
		y, m, d int
	}{
		{0, 1970, 1, 1},
		{-1, 1969, 12, 31},
		{days18991230, 1899, 12, 30},
		{days19040101, 1904, 1, 1},
		{-719468, 0, 3, 1},
		{-719469, 0, 2, 29},
		{11016, 2000, 2, 29},
		{2932896, 9999, 12, 31},
	}
	for _, tt := range tests {
		if y, m, d := civilDate(tt.day); y != tt.y || m != tt.m || d != tt.d {
			t.Errorf("civilDate(%d) = %d-%d-%d, want %d-%d-%d", tt.day, y, m, d, tt.y, tt.m, tt.d)
		}
	}
}

func TestParseSerial(t *testing.T) {
	for _, v := range []string{"", "0", "45306", "0045306", "999999999999999", "9999999999999999", "45306.5", "-1", "+1", "1e5", "0x10", "1_0", "inf", "NaN", " 1", "x"} {
		got, gotOK := parseSerial([]byte(v))
		want, err := strconv.ParseFloat(v, 64)
		if gotOK != (err == nil) || gotOK && got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("parseSerial(%q) = %v, %v, want %v, %v", v, got, gotOK, want, err == nil)
		}
	}
}

func TestFormatCode(t *testing.T) {
	tests := []struct {
		code string
		want numFmt
	}{
		{"General", numFmt{}},
		{"0.00", numFmt{}},
		{"#,##0.00\" ₽\"", numFmt{}},
		{"0%", numFmt{}},
		{"0.00E+00", numFmt{}},
		{"00000", numFmt{fmtZeroPad, 5}},
		{`dd\.mm\.yyyy`, numFmt{kind: fmtDate}},
		{"[$-409]mmmm d, yyyy;@", numFmt{kind: fmtDate}},
		{"mmm", numFmt{kind: fmtDate}},
		{"yyyy-mm-dd hh:mm", numFmt{kind: fmtDateTime}},
		{"h:mm AM/PM", numFmt{kind: fmtTime}},
		{"[h]:mm:ss", numFmt{kind: fmtTime}},
		{"mm:ss", numFmt{kind: fmtTime}},
		{`"day "0`, numFmt{}},
		{`[Red]0.00;[Blue]-0.00`, numFmt{}},
		{`"TRUE";"TRUE";"FALSE"`, numFmt{}},
	}
	for _, tt := range tests {
		if got := classifyFormatCode(tt.code); got != tt.want {
			t.Errorf("classifyFormatCode(%q) = %+v, want %+v", tt.code, got, tt.want)
		}
	}
}

func TestFormatCell(t *testing.T) {
	date, dt, tm := numFmt{kind: fmtDate}, numFmt{kind: fmtDateTime}, numFmt{kind: fmtTime}
	tests := []struct {
		raw, typ string
		nf       numFmt
		d1904    bool
		want     string
	}{
		{"45306", "", date, false, "2024-01-15"},
		{"45306.99999", "n", date, false, "2024-01-15"},
		{"1", "", date, false, "1900-01-01"},
		{"59", "", date, false, "1900-02-28"},
		{"61", "", date, false, "1900-03-01"},
		{"0", "", date, true, "1904-01-01"},
		{"45306.5", "", dt, false, "2024-01-15T12:00:00"},
		{"45306", "", dt, false, "2024-01-15"},
		{"0.75", "", tm, false, "18:00:00"},
		{"-1", "", date, false, "-1"},
		{"abc", "", date, false, "abc"},
		{"4.41234567890E+11", "", numFmt{}, false, "441234567890"},
		{"1.2345678901234568E+18", "", numFmt{}, false, "1234567890123460000"},
		{"1E-3", "", numFmt{}, false, "0.001"},
		{"12", "", numFmt{fmtZeroPad, 5}, false, "00012"},
		{"12.5", "", numFmt{fmtZeroPad, 5}, false, "12.5"},
		{"1", "b", numFmt{}, false, "TRUE"},
		{"0", "b", numFmt{}, false, "FALSE"},
		{"1E5", "s", date, false, "1E5"},
		{"#DIV/0!", "e", numFmt{}, false, "#DIV/0!"},
		{"2024-01-15T00:00:00Z", "d", numFmt{}, false, "2024-01-15"},
		{"2024-01-15T10:20:30", "d", numFmt{}, false, "2024-01-15T10:20:30"},
	}
	for _, tt := range tests {
		if got := formatCell(tt.raw, tt.typ, tt.nf, tt.d1904); got != tt.want {
			t.Errorf("formatCell(%q, %q, %+v, %v) = %q, want %q", tt.raw, tt.typ, tt.nf, tt.d1904, got, tt.want)
		}
	}
}
