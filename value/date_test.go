package value

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	moscow := time.FixedZone("MSK", 3*3600)
	utc := func(y int, m time.Month, d, h, mi, s int) time.Time { return time.Date(y, m, d, h, mi, s, 0, time.UTC) }
	eu := DateOptions{Layouts: []string{"dd.mm.yyyy", "dd/mm/yyyy"}}
	us := DateOptions{Layouts: []string{"mm/dd/yyyy", "dd/mm/yyyy"}}
	euFirst := DateOptions{Layouts: []string{"dd/mm/yyyy", "mm/dd/yyyy"}}
	tests := []struct {
		name    string
		in      string
		opts    DateOptions
		want    time.Time
		wantErr string
	}{
		{"iso date", "2024-01-31", DateOptions{}, utc(2024, 1, 31, 0, 0, 0), ""},
		{"iso datetime", "2024-01-31T14:30:00", DateOptions{}, utc(2024, 1, 31, 14, 30, 0), ""},
		{"iso datetime space", "2024-01-31 14:30", DateOptions{}, utc(2024, 1, 31, 14, 30, 0), ""},
		{"rfc3339 offset", "2024-01-31T14:30:00+03:00", DateOptions{}, time.Date(2024, 1, 31, 11, 30, 0, 0, time.UTC), ""},
		{"rfc3339 z fraction", "2024-01-31T14:30:00.250Z", DateOptions{}, time.Date(2024, 1, 31, 14, 30, 0, 250e6, time.UTC), ""},
		{"iso offset no colon", "2024-01-31T14:30:00+0300", DateOptions{}, time.Date(2024, 1, 31, 11, 30, 0, 0, time.UTC), ""},
		{"iso in location", "2024-01-31 09:00", DateOptions{Location: moscow}, time.Date(2024, 1, 31, 6, 0, 0, 0, time.UTC), ""},
		{"iso bad day", "2024-02-30", DateOptions{}, time.Time{}, "day out of range"},
		{"dotted", "31.01.2024", eu, utc(2024, 1, 31, 0, 0, 0), ""},
		{"dotted single digits", "1.2.2024", eu, utc(2024, 2, 1, 0, 0, 0), ""},
		{"dotted with time", "31.01.2024 14:30", eu, utc(2024, 1, 31, 14, 30, 0), ""},
		{"dotted with seconds", "31.01.2024 14:30:15", eu, utc(2024, 1, 31, 14, 30, 15), ""},
		{"dotted in location", "31.01.2024", DateOptions{Layouts: eu.Layouts, Location: moscow}, time.Date(2024, 1, 30, 21, 0, 0, 0, time.UTC), ""},
		{"ambiguous follows eu order", "01/02/2024", euFirst, utc(2024, 2, 1, 0, 0, 0), ""},
		{"ambiguous follows us order", "01/02/2024", us, utc(2024, 1, 2, 0, 0, 0), ""},
		{"us falls back when impossible", "31/01/2024", us, utc(2024, 1, 31, 0, 0, 0), ""},
		{"ambiguous without layout is an error", "01/02/2024", DateOptions{}, time.Time{}, "configure a layout"},
		{"no layout matches", "2024/31/01", eu, time.Time{}, "matches neither ISO 8601 nor dd.mm.yyyy, dd/mm/yyyy"},
		{"day out of range via layout", "31.02.2024", eu, time.Time{}, "day out of range"},
		{"two-digit year", "31.01.24", DateOptions{Layouts: []string{"dd.mm.yy"}}, utc(2024, 1, 31, 0, 0, 0), ""},
		{"month name", "5 Mar 2024", DateOptions{Layouts: []string{"d mmm yyyy"}}, utc(2024, 3, 5, 0, 0, 0), ""},
		{"full month name", "March 5, 2024", DateOptions{Layouts: []string{"mmmm d, yyyy"}}, utc(2024, 3, 5, 0, 0, 0), ""},
		{"12-hour", "03/05/2024 2:30 PM", DateOptions{Layouts: []string{"mm/dd/yyyy h:mm AM/PM"}}, utc(2024, 3, 5, 14, 30, 0), ""},
		{"pattern with T", "2024-03-05T14:30", DateOptions{Layouts: []string{"yyyy-mm-ddTHH:mm"}}, utc(2024, 3, 5, 14, 30, 0), ""},
		{"go layout", "05 Mar 24 14:30", DateOptions{Layouts: []string{"02 Jan 06 15:04"}}, utc(2024, 3, 5, 14, 30, 0), ""},
		{"compact pattern beats serial", "20240131", DateOptions{Layouts: []string{"yyyymmdd"}, Serial: SerialExcel1900}, utc(2024, 1, 31, 0, 0, 0), ""},
		{"excel serial", "45322", DateOptions{Serial: SerialExcel1900}, utc(2024, 1, 31, 0, 0, 0), ""},
		{"excel serial after layouts", "45322", DateOptions{Layouts: us.Layouts, Serial: SerialExcel1900}, utc(2024, 1, 31, 0, 0, 0), ""},
		{"compact pattern range error", "20241331", DateOptions{Layouts: []string{"yyyymmdd"}}, time.Time{}, "month out of range"},
		{"excel serial with time", "45322.75", DateOptions{Serial: SerialExcel1900}, utc(2024, 1, 31, 18, 0, 0), ""},
		{"excel serial comma", "45322,5", DateOptions{Serial: SerialExcel1900}, utc(2024, 1, 31, 12, 0, 0), ""},
		{"excel 1904", "43860", DateOptions{Serial: SerialExcel1904}, utc(2024, 1, 31, 0, 0, 0), ""},
		{"number without serial mode", "45322", DateOptions{}, time.Time{}, "set the serial mode"},
		{"unix seconds", "1706659200", DateOptions{Serial: SerialUnix}, utc(2024, 1, 31, 0, 0, 0), ""},
		{"unix seconds in location", "1706659200", DateOptions{Serial: SerialUnix, Location: moscow}, time.Date(2024, 1, 31, 3, 0, 0, 0, moscow), ""},
		{"unix millis", "1706659200500", DateOptions{Serial: SerialUnixMilli}, time.Date(2024, 1, 31, 0, 0, 0, 500e6, time.UTC), ""},
		{"unix out of range", "99999999999999", DateOptions{Serial: SerialUnix}, time.Time{}, "Unix time"},
		{"empty", " ", eu, time.Time{}, "empty"},
		{"garbage", "soon", eu, time.Time{}, "matches neither"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDate(tt.in, tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalidDate) {
					t.Fatalf("ParseDate(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("ParseDate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestNewDateParserBadLayout(t *testing.T) {
	for _, l := range []string{"yyyy-qq-dd", ""} {
		if _, err := NewDateParser(DateOptions{Layouts: []string{l}}); err == nil {
			t.Errorf("NewDateParser(%q) = nil error, want error", l)
		}
	}
	if _, err := NewDateParser(DateOptions{Serial: 99}); err == nil {
		t.Errorf("NewDateParser(Serial: 99) = nil error, want error")
	}
}

func TestExcelSerial(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		serial   float64
		date1904 bool
		want     time.Time
		wantErr  bool
	}{
		{"day 0 is 1900-01-00", 0, false, d(1899, 12, 31), false},
		{"day 1", 1, false, d(1900, 1, 1), false},
		{"day 59", 59, false, d(1900, 2, 28), false},
		{"day 60 leap bug", 60, false, time.Time{}, true},
		{"day 61", 61, false, d(1900, 3, 1), false},
		{"2024-01-31", 45322, false, d(2024, 1, 31), false},
		{"noon", 45322.5, false, time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC), false},
		{"rounds to ms", 45322 + 1.0/86400 - 1e-10, false, time.Date(2024, 1, 31, 0, 0, 1, 0, time.UTC), false},
		{"almost midnight carries", 45322.999999999, false, d(2024, 2, 1), false},
		{"1904 day 0", 0, true, d(1904, 1, 1), false},
		{"1904 2024-01-31", 43860, true, d(2024, 1, 31), false},
		{"9999-12-31", 2958465, false, d(9999, 12, 31), false},
		{"past 9999", 2958466, false, time.Time{}, true},
		{"negative", -1, false, time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExcelSerialToTime(tt.serial, tt.date1904, nil)
			if tt.wantErr {
				if err == nil {
					t.Errorf("ExcelSerialToTime(%v, %v) = %v, nil; want error", tt.serial, tt.date1904, got)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("ExcelSerialToTime(%v, %v) = %v, %v; want %v", tt.serial, tt.date1904, got, err, tt.want)
			}
			// Round trip back to the serial (to the millisecond).
			back, err := TimeToExcelSerial(got, tt.date1904)
			if err != nil {
				t.Fatalf("TimeToExcelSerial(%v) error: %v", got, err)
			}
			if again, _ := ExcelSerialToTime(back, tt.date1904, nil); !again.Equal(got) {
				t.Errorf("ExcelSerialToTime(TimeToExcelSerial(%v)) = %v, want %v", got, again, got)
			}
		})
	}
	if _, err := TimeToExcelSerial(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC), false); err == nil {
		t.Errorf("TimeToExcelSerial(1899-12-30) = nil error, want error")
	}
}

// TestParseZone reads the time_zone option: IANA names and fixed offsets
// in every usual spelling, exactly to the quarter hour, and refuses what is
// not a real offset instead of rounding it.
func TestParseZone(t *testing.T) {
	h := func(hours, mins int) int { return hours*3600 + mins*60 }
	tests := []struct {
		in   string
		want int // offset in seconds
	}{
		{"", 0}, {"UTC", 0}, {"gmt", 0}, {"Z", 0},
		{"+03:00", h(3, 0)}, {"-05:00", -h(5, 0)}, {"+0300", h(3, 0)}, {"-0430", -h(4, 30)},
		{"+3", h(3, 0)}, {"-11", -h(11, 0)}, {"+14", h(14, 0)}, {"-12:00", -h(12, 0)},
		{"+5:30", h(5, 30)}, {"+05:45", h(5, 45)}, {"-9:30", -h(9, 30)},
		{"+5.5", h(5, 30)}, {"+5.50", h(5, 30)}, {"+5.75", h(5, 45)}, {"-3.25", -h(3, 15)}, {"+8.0", h(8, 0)},
		{"UTC+3", h(3, 0)}, {"UTC-5", -h(5, 0)}, {"GMT-3.75", -h(3, 45)}, {"GMT+5:30", h(5, 30)},
		{"utc+0545", h(5, 45)}, {"UTC +9", h(9, 0)}, {"+14:00", h(14, 0)}, {"-00:00", 0},
	}
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		loc, err := ParseZone(tt.in)
		if err != nil {
			t.Errorf("ParseZone(%q) error: %v", tt.in, err)
			continue
		}
		if _, off := now.In(loc).Zone(); off != tt.want {
			t.Errorf("ParseZone(%q) offset = %+d s (%s), want %+d s", tt.in, off, now.In(loc).Format("-07:00"), tt.want)
		}
	}
	if loc, err := ParseZone("Asia/Kolkata"); err != nil || loc.String() != "Asia/Kolkata" {
		t.Errorf("ParseZone(Asia/Kolkata) = %v, %v", loc, err)
	}
	for _, in := range []string{"+5.3", "+5.05", "+5.", "+.5", "+15:00", "+14:15", "-14.25", "+5:3", "+5:60", "+05:20",
		"+530", "+123", "+12345", "+a", "+5h", "+", "UTC+", "+0:3O", "+1:00:00", "++3", "GMT--3"} {
		if loc, err := ParseZone(in); err == nil {
			t.Errorf("ParseZone(%q) = %v (offset %s), want an error", in, loc, now.In(loc).Format("-07:00"))
		} else if !strings.Contains(err.Error(), strconv.Quote(in)) {
			t.Errorf("ParseZone(%q) error %q does not name the value", in, err)
		}
	}
}
