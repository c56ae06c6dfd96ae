package kommo_test

// The account's time zone and the users API's admin-only rule, client and
// emulator both after Kommo's documentation (kommo-api.md, Corrections).

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// rawGet sends an authenticated GET to the emulator and returns the status,
// the content type and the decoded JSON body.
func rawGet(t *testing.T, e *env, tok, path string) (int, string, map[string]any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", e.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("GET %s: %v: %s", path, err, b)
		}
	}
	return res.StatusCode, res.Header.Get("Content-Type"), m
}

// The emulator's account answers with=datetime_settings in _embedded, as
// the SDK reads it (AccountModel::fromArray), with the configured zone;
// the client turns it into a location.
func TestAccountDatetimeSettings(t *testing.T) {
	for _, tc := range []struct{ zone, offset string }{
		{"Europe/Moscow", "+03:00"},
		{"America/Bogota", "-05:00"},
		{"America/New_York", "-05:00"}, // the fake clock is 1 March: standard time
		{"", "+00:00"},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			e := newEnv(t, kt.Options{AccountTimeZone: tc.zone})
			status, _, raw := rawGet(t, e, token, "/api/v4/account?with=datetime_settings")
			if status != 200 {
				t.Fatalf("status %d", status)
			}
			ds, _ := raw["_embedded"].(map[string]any)["datetime_settings"].(map[string]any)
			want := tc.zone
			if want == "" {
				want = "UTC"
			}
			if ds["timezone"] != want || ds["timezone_offset"] != tc.offset {
				t.Errorf("datetime_settings on the wire = %v, want timezone %q, offset %q", ds, want, tc.offset)
			}
			for _, k := range []string{"date_pattern", "short_date_pattern", "short_time_pattern", "date_format", "time_format"} {
				if _, ok := ds[k].(string); !ok {
					t.Errorf("datetime_settings has no %s: %v", k, ds)
				}
			}
			a, _, err := e.client.Account.Get(t.Context(), "datetime_settings")
			if err != nil {
				t.Fatal(err)
			}
			loc, err := a.TimeZone()
			if err != nil || loc.String() != want {
				t.Errorf("TimeZone() = %v, %v; want %s", loc, err, want)
			}
		})
	}
}

// The client reads datetime_settings leniently: an odd answer never fails
// the account request, and TimeZone says why there is no zone.
func TestAccountTimeZoneTolerant(t *testing.T) {
	for _, tc := range []struct {
		name   string
		body   string
		zone   string // "" when TimeZone must fail
		offset int    // seconds east of UTC at 2024-03-15, when zone is set
	}{
		{"embedded", `{"id":1,"_embedded":{"datetime_settings":{"timezone":"Europe/Moscow","timezone_offset":"+03:00"}}}`, "Europe/Moscow", 3 * 3600},
		{"at the root", `{"id":1,"datetime_settings":{"timezone":"America/Bogota"}}`, "America/Bogota", -5 * 3600},
		{"unknown zone, offset", `{"id":1,"_embedded":{"datetime_settings":{"timezone":"Mars/Olympus","timezone_offset":"+05:30"}}}`, "Mars/Olympus", 5*3600 + 1800},
		{"offset only, a number", `{"id":1,"_embedded":{"datetime_settings":{"timezone_offset":-5}}}`, "UTC-5", -5 * 3600},
		{"missing", `{"id":1,"_embedded":{}}`, "", 0},
		{"a PHP empty array", `{"id":1,"_embedded":{"datetime_settings":[]}}`, "", 0},
		{"wrong types", `{"id":1,"_embedded":{"datetime_settings":{"timezone":7,"timezone_offset":{"h":3}}}}`, "", 0},
		{"unknown zone, no offset", `{"id":1,"_embedded":{"datetime_settings":{"timezone":"Mars/Olympus"}}}`, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/hal+json")
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			c, _ := kommo.NewClient(srv.URL, kommo.WithToken("t"))
			a, _, err := c.Account.Get(t.Context(), "datetime_settings")
			if err != nil {
				t.Fatalf("Get = %v: an odd datetime_settings must not fail the request", err)
			}
			loc, err := a.TimeZone()
			if tc.zone == "" {
				if err == nil || !errors.Is(err, kommo.ErrNoTimeZone) {
					t.Errorf("TimeZone() = %v, %v; want an ErrNoTimeZone", loc, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("TimeZone() = %v", err)
			}
			_, off := time.Date(2024, 3, 15, 12, 0, 0, 0, loc).Zone()
			if loc.String() != tc.zone || off != tc.offset {
				t.Errorf("TimeZone() = %s (offset %d), want %s (%d)", loc, off, tc.zone, tc.offset)
			}
		})
	}
}

// Kommo keeps date and birthday values as midnight in the account's zone
// (SDK #402) and date_time values as sent. The client sees what the wire
// carries.
func TestDateFieldsAreAccountMidnights(t *testing.T) {
	const meeting = 1710507600 // 2024-03-15 13:00 UTC, a date_time: kept as sent
	for _, zone := range []string{"Europe/Moscow", "America/Bogota", "America/New_York"} {
		t.Run(zone, func(t *testing.T) {
			loc, _ := time.LoadLocation(zone)
			e := newEnv(t, kt.Options{AccountTimeZone: zone})
			ctx := t.Context()
			midnight := time.Date(2024, 3, 15, 0, 0, 0, 0, loc)
			res, _, err := e.client.Contacts.Create(ctx, []kommo.ContactRequest{{Name: "Ada", CustomFieldsValues: kommo.CustomFieldValues{
				// Noon of the day, as a unix time: the day is kept.
				{FieldID: kt.SeedContactNextCall, Values: []kommo.FieldValue{kommo.Date(midnight.Add(12 * time.Hour))}},
				// A date string without an offset is a day of the account.
				{FieldID: kt.SeedContactBirthday, Values: []kommo.FieldValue{kommo.Text("1990-07-04")}},
			}}})
			if err != nil {
				t.Fatal(err)
			}
			lres, _, err := e.client.Leads.Create(ctx, []kommo.LeadRequest{{Name: "Deal", CustomFieldsValues: kommo.CustomFieldValues{
				{FieldID: kt.SeedLeadCloseDate, Values: []kommo.FieldValue{kommo.Text(midnight.Format(time.RFC3339))}},
				{FieldID: kt.SeedLeadMeetingAt, Values: []kommo.FieldValue{kommo.Date(time.Unix(meeting, 0))}},
			}}})
			if err != nil {
				t.Fatal(err)
			}
			status, _, c := rawGet(t, e, token, "/api/v4/contacts/"+strconv.Itoa(res[0].ID))
			if status != 200 {
				t.Fatalf("status %d", status)
			}
			got := map[float64]float64{}
			for _, f := range c["custom_fields_values"].([]any) {
				f := f.(map[string]any)
				got[f["field_id"].(float64)] = f["values"].([]any)[0].(map[string]any)["value"].(float64)
			}
			if v := got[kt.SeedContactNextCall]; int64(v) != midnight.Unix() {
				t.Errorf("date on the wire = %v (%s), want %d, midnight of 2024-03-15 in %s", v, time.Unix(int64(v), 0).UTC(), midnight.Unix(), zone)
			}
			if v, want := got[kt.SeedContactBirthday], time.Date(1990, 7, 4, 0, 0, 0, 0, loc).Unix(); int64(v) != want {
				t.Errorf("birthday on the wire = %v, want %d", v, want)
			}
			l, _, err := e.client.Leads.Get(ctx, lres[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			cd, _ := l.CustomFieldsValues.Field(kt.SeedLeadCloseDate, "")
			if tm, ok := cd.Values[0].Time(); !ok || !tm.Equal(midnight) {
				t.Errorf("RFC 3339 date read back as %v, want %v", tm, midnight)
			}
			ma, _ := l.CustomFieldsValues.Field(kt.SeedLeadMeetingAt, "")
			if tm, _ := ma.Values[0].Time(); tm.Unix() != meeting {
				t.Errorf("date_time read back as %d, want %d as sent", tm.Unix(), meeting)
			}
		})
	}
}

// The example of SDK issue #402: on a UTC+3 account, 1634601600 (19 Oct
// 2021 00:00 UTC) reads back as 1634590800 (18 Oct 21:00 UTC).
func TestDateFieldSDKIssue402(t *testing.T) {
	e := newEnv(t, kt.Options{AccountTimeZone: "Europe/Moscow"})
	res, _, err := e.client.Leads.Create(t.Context(), []kommo.LeadRequest{{Name: "x", CustomFieldsValues: kommo.CustomFieldValues{
		{FieldID: kt.SeedLeadCloseDate, Values: []kommo.FieldValue{kommo.Date(time.Unix(1634601600, 0))}}}}})
	if err != nil {
		t.Fatal(err)
	}
	l, _, err := e.client.Leads.Get(t.Context(), res[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	cd, _ := l.CustomFieldsValues.Field(kt.SeedLeadCloseDate, "")
	if s := cd.Values[0].String(); s != "1634590800" {
		t.Errorf("read back %s, want 1634590800", s)
	}
}

// GET /users is for administrators only: a manager's token gets Kommo's
// 403 problem+json there, and everything else works.
func TestUsersAdminOnly(t *testing.T) {
	const manager = "manager-token"
	e := newEnv(t, kt.Options{NonAdminTokens: []string{manager}})
	for _, path := range []string{"/api/v4/users", "/api/v4/users/" + strconv.Itoa(kt.SeedUserAna)} {
		status, ctype, body := rawGet(t, e, manager, path)
		if status != 403 || !strings.HasPrefix(ctype, "application/problem+json") {
			t.Errorf("GET %s as a manager = %d %s, want 403 problem+json", path, status, ctype)
		}
		if body["detail"] != "Insufficient rights to call this method" || body["title"] != "Forbidden" ||
			body["type"] != "https://httpstatus.es/403" || body["status"] != float64(403) {
			t.Errorf("GET %s body = %v", path, body)
		}
		if status, _, _ := rawGet(t, e, token, path); status != 200 {
			t.Errorf("GET %s as the admin = %d", path, status)
		}
	}

	c, _ := kommo.NewClient(e.url, kommo.WithToken(manager))
	ctx := t.Context()
	_, _, err := c.Users.List(ctx, nil)
	var er *kommo.ErrorResponse
	if !errors.Is(err, kommo.ErrForbidden) || errors.Is(err, kommo.ErrAccountBlocked) || !errors.As(err, &er) || er.Detail != "Insufficient rights to call this method" {
		t.Errorf("Users.List as a manager = %v", err)
	}
	a, _, err := c.Account.Get(ctx)
	if err != nil || a.CurrentUserID != kt.SeedUserBoris {
		t.Errorf("account as a manager = %+v, %v; want current_user_id %d", a, err, kt.SeedUserBoris)
	}
	res, _, err := c.Leads.Create(ctx, []kommo.LeadRequest{{Name: "By a manager"}})
	if err != nil {
		t.Fatal(err)
	}
	l, _, err := c.Leads.Get(ctx, res[0].ID)
	if err != nil || l.CreatedBy != kt.SeedUserBoris || l.ResponsibleUserID != kt.SeedUserBoris {
		t.Errorf("lead by a manager = %+v, %v", l, err)
	}
	if _, _, err := c.Pipelines.List(ctx); err != nil {
		t.Errorf("pipelines as a manager: %v", err)
	}
}
