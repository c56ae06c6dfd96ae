package kommo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// AccountService reads the account the client is connected to.
//
// Kommo API docs: https://developers.kommo.com/reference/account-parameters
type AccountService service

// Account is the account's parameters. TaskTypes, UsersGroups and
// DatetimeSettings are filled when asked for in With ("task_types",
// "users_groups", "datetime_settings"). CurrentUserID is the user the token
// acts as.
type Account struct {
	ID             int       `json:"id"`
	Name           string    `json:"name"`
	Subdomain      string    `json:"subdomain"`
	CreatedAt      LooseTime `json:"created_at"`
	CreatedBy      int       `json:"created_by"`
	UpdatedAt      LooseTime `json:"updated_at"`
	UpdatedBy      int       `json:"updated_by"`
	CurrentUserID  int       `json:"current_user_id"`
	Country        string    `json:"country"`
	Currency       string    `json:"currency"`
	CurrencySymbol string    `json:"currency_symbol"`
	// IsAPIFilterEnabled is filled with "is_api_filter_enabled" in With,
	// on amoCRM only (not in Kommo's list).
	IsAPIFilterEnabled bool  `json:"is_api_filter_enabled,omitempty"`
	Links              Links `json:"_links"`
	// DatetimeSettings at the root is read in case an account sends it
	// there; Kommo (and its SDK) put it in _embedded. Use
	// Account.TimeZone.
	DatetimeSettings *DatetimeSettings `json:"datetime_settings,omitempty"`
	Embedded         struct {
		TaskTypes        []TaskType        `json:"task_types,omitempty"`
		UsersGroups      []json.RawMessage `json:"users_groups,omitempty"`
		DatetimeSettings *DatetimeSettings `json:"datetime_settings,omitempty"`
	} `json:"_embedded"`
}

// DatetimeSettings are the account's date formats and time zone
// (With "datetime_settings"): {"date_pattern", "short_date_pattern",
// "short_time_pattern", "date_format", "time_format", "timezone":
// "Europe/Moscow", "timezone_offset": "+03:00"}. Kommo keeps the values of
// date and birthday custom fields as midnight in this zone.
//
// Decoding is lenient: a member of another type than expected is skipped,
// and anything but an object leaves the settings empty, so that an odd
// answer never fails the account request.
type DatetimeSettings struct {
	DatePattern      string `json:"date_pattern,omitempty"`
	ShortDatePattern string `json:"short_date_pattern,omitempty"`
	ShortTimePattern string `json:"short_time_pattern,omitempty"`
	DateFormat       string `json:"date_format,omitempty"`
	TimeFormat       string `json:"time_format,omitempty"`
	// Timezone is an IANA zone name.
	Timezone string `json:"timezone,omitempty"`
	// TimezoneOffset is the zone's offset from UTC, such as "+03:00".
	TimezoneOffset string `json:"timezone_offset,omitempty"`
}

// UnmarshalJSON reads the members it knows that are strings (an offset may
// also be a number of hours) and ignores the rest.
func (d *DatetimeSettings) UnmarshalJSON(b []byte) error {
	*d = DatetimeSettings{}
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	str := func(key string) string {
		raw := bytes.TrimSpace(m[key])
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return strings.TrimSpace(s)
		}
		var n json.Number
		if json.Unmarshal(raw, &n) == nil {
			return n.String()
		}
		return ""
	}
	d.DatePattern, d.ShortDatePattern, d.ShortTimePattern = str("date_pattern"), str("short_date_pattern"), str("short_time_pattern")
	d.DateFormat, d.TimeFormat = str("date_format"), str("time_format")
	d.Timezone, d.TimezoneOffset = str("timezone"), str("timezone_offset")
	return nil
}

// ErrNoTimeZone reports an account answer without a usable time zone.
var ErrNoTimeZone = errors.New("no time zone in the account's datetime_settings")

// Location returns the zone the settings name: the IANA zone, or, when
// that is unknown here (no zoneinfo), a fixed zone of TimezoneOffset. The
// error says why neither works; it wraps ErrNoTimeZone.
func (d *DatetimeSettings) Location() (*time.Location, error) {
	if d == nil || d.Timezone == "" && d.TimezoneOffset == "" {
		return nil, ErrNoTimeZone
	}
	var zoneErr error
	if d.Timezone != "" {
		loc, err := time.LoadLocation(d.Timezone)
		if err == nil {
			return loc, nil
		}
		zoneErr = err
	}
	if off, ok := parseOffset(d.TimezoneOffset); ok {
		name := d.Timezone
		if name == "" {
			name = "UTC" + d.TimezoneOffset
		}
		return time.FixedZone(name, off), nil
	}
	if zoneErr != nil {
		return nil, fmt.Errorf("%w: timezone %q: %v", ErrNoTimeZone, d.Timezone, zoneErr)
	}
	return nil, fmt.Errorf("%w: timezone_offset %q", ErrNoTimeZone, d.TimezoneOffset)
}

// parseOffset reads "+03:00", "-0500", "+3", "5.5" (hours) or "UTC+3" as
// seconds east of UTC.
func parseOffset(s string) (int, bool) {
	s = strings.TrimSpace(s)
	for _, p := range []string{"UTC", "GMT", "utc", "gmt"} {
		s = strings.TrimPrefix(s, p)
	}
	if s == "" {
		return 0, false
	}
	sign := 1
	switch s[0] {
	case '-':
		sign, s = -1, s[1:]
	case '+':
		s = s[1:]
	}
	var h, m int
	var err error
	switch hh, mm, colon := strings.Cut(s, ":"); {
	case colon:
		h, err = strconv.Atoi(hh)
		if err == nil {
			m, err = strconv.Atoi(mm)
		}
	case len(s) == 4 && !strings.Contains(s, "."):
		h, err = strconv.Atoi(s[:2])
		if err == nil {
			m, err = strconv.Atoi(s[2:])
		}
	default:
		var f float64
		f, err = strconv.ParseFloat(s, 64)
		h, m = int(f), int((f-float64(int(f)))*60+0.5)
	}
	if err != nil || h < 0 || h > 14 || m < 0 || m >= 60 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

// TimeZone returns the account's zone from its datetime settings (asked
// for with With "datetime_settings"). The error, wrapping ErrNoTimeZone,
// says why there is none: the settings are missing or name no zone this
// program knows.
func (a *Account) TimeZone() (*time.Location, error) {
	d := a.Embedded.DatetimeSettings
	if d == nil {
		d = a.DatetimeSettings
	}
	if d == nil {
		return nil, fmt.Errorf("%w: the account answer has no datetime_settings", ErrNoTimeZone)
	}
	return d.Location()
}

// TaskType is a task type (1 follow-up, 2 meeting, or a custom one).
type TaskType struct {
	ID     int    `json:"id"`
	Name   string `json:"name"`
	Color  string `json:"color,omitempty"`
	IconID int    `json:"icon_id,omitempty"`
	Code   string `json:"code,omitempty"`
}

// Get returns the account. With (Kommo's list): "amojo_id",
// "amojo_rights", "users_groups", "task_types", "version", "entity_names",
// "datetime_settings", "drive_url". amoCRM also takes "invoices_settings"
// and "is_api_filter_enabled".
//
// Kommo API docs: https://developers.kommo.com/reference/account-parameters
func (s *AccountService) Get(ctx context.Context, with ...string) (*Account, *Response, error) {
	q := url.Values{}
	setWith(q, with)
	return getOne[Account](ctx, s.client, "get account", "api/v4/account", q)
}
