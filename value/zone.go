package value

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ParseZone reads an IANA zone name or a fixed offset (see parseOffset),
// with or without a UTC or GMT prefix: "+03:00", "UTC+3", "GMT-3:30",
// "-0500", "+5.5". Empty, "UTC", "GMT" and "Z" are UTC.
func ParseZone(s string) (*time.Location, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "utc") || strings.EqualFold(s, "gmt") || s == "Z" {
		return time.UTC, nil
	}
	off := s
	if len(off) > 3 && (strings.EqualFold(off[:3], "utc") || strings.EqualFold(off[:3], "gmt")) {
		off = strings.TrimSpace(off[3:])
	}
	if off != "" && (off[0] == '+' || off[0] == '-') {
		secs, err := parseOffset(off)
		if err != nil {
			return nil, fmt.Errorf("bad time zone offset %q: %w (want ±HH:MM, ±HHMM, ±H or hours in quarters such as +5.5 or -3.75, with or without UTC or GMT, up to ±14:00)", s, err)
		}
		return time.FixedZone(s, secs), nil
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q (want an IANA name such as Europe/Moscow, or an offset such as +03:00): %w", s, err)
	}
	return loc, nil
}

// parseOffset reads a UTC offset in seconds: a sign, then hours and
// minutes as H:MM, HH:MM or HHMM, or hours alone as H or HH, or hours with
// a decimal fraction of a quarter (H.25, H.5, H.75). Real offsets are whole
// quarter hours within ±14:00; anything else is an error rather than an
// offset rounded or cut short (+5.3 is not +05:18 nor +05:00).
func parseOffset(s string) (int, error) {
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	body := s[1:]
	digits := func(d string, min, max int) (int, bool) {
		if len(d) < min || len(d) > max {
			return 0, false
		}
		n := 0
		for i := 0; i < len(d); i++ {
			if d[i] < '0' || d[i] > '9' {
				return 0, false
			}
			n = n*10 + int(d[i]-'0')
		}
		return n, true
	}
	var h, m int
	ok := false
	if hs, ms, found := strings.Cut(body, ":"); found {
		h, ok = digits(hs, 1, 2)
		if ok {
			m, ok = digits(ms, 2, 2)
		}
	} else if hs, fs, found := strings.Cut(body, "."); found {
		h, ok = digits(hs, 1, 2)
		if ok {
			switch fs {
			case "0", "00":
			case "25":
				m = 15
			case "5", "50":
				m = 30
			case "75":
				m = 45
			default:
				return 0, fmt.Errorf("%q is not a whole quarter of an hour", "."+fs)
			}
		}
	} else if len(body) == 4 {
		var hm int
		hm, ok = digits(body, 4, 4)
		h, m = hm/100, hm%100
	} else {
		h, ok = digits(body, 1, 2)
	}
	switch {
	case !ok:
		return 0, errors.New("not an offset")
	case m >= 60:
		return 0, fmt.Errorf("%d minutes", m)
	case m%15 != 0:
		return 0, fmt.Errorf("%d minutes is not a whole quarter of an hour", m)
	case h*60+m > 14*60:
		return 0, errors.New("beyond ±14:00")
	}
	return sign * (h*3600 + m*60), nil
}
