package bulk

// The account's time zone (date fields are its midnights) and accounts
// whose user list the token may not read.

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

const managerToken = "bulk-manager-token"

// tzEnv starts an emulator with opts (importToken and managerToken
// accepted) behind wrap (nil: none) and a client using tok.
func tzEnv(t *testing.T, opts kt.Options, tok string, wrap func(http.Handler) http.Handler) *testEnv {
	t.Helper()
	opts.Tokens, opts.NonAdminTokens, opts.Rate = []string{importToken}, []string{managerToken}, rate.Inf
	emu, err := kt.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = emu
	if wrap != nil {
		h = wrap(emu)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); emu.Close() })
	c, err := kommo.NewClient(srv.URL, kommo.WithToken(tok), kommo.WithRateLimit(rate.Inf, 1))
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{emu: emu, c: c, dir: t.TempDir()}
}

func TestFetchSchemaWithoutUserList(t *testing.T) {
	e := tzEnv(t, kt.Options{}, managerToken, nil)
	s, err := FetchSchema(t.Context(), e.c)
	if err != nil {
		t.Fatalf("FetchSchema with a manager's token = %v; a 403 of /users must not stop it", err)
	}
	if !s.UsersHidden || len(s.Users) != 0 || s.CurrentUserID != kt.SeedUserBoris || len(s.Pipelines) == 0 || len(s.Fields[kommo.EntityContacts]) == 0 {
		t.Errorf("schema: hidden %v, %d users, current %d, %d pipelines", s.UsersHidden, len(s.Users), s.CurrentUserID, len(s.Pipelines))
	}
	if len(s.Notes) != 1 || !strings.Contains(s.Notes[0], "admin-only") || !strings.Contains(s.Notes[0], "user id 1002") {
		t.Errorf("notes = %q", s.Notes)
	}

	// Owners go by id; a name says why it cannot be matched.
	spec := &mapping.Spec{Entity: kommo.EntityContacts, Columns: []mapping.ColumnSpec{
		{Column: "Name", Target: mapping.Target{Field: "name"}},
		{Column: "Owner", Target: mapping.Target{Field: "responsible_user"}},
	}}
	m, err := mapping.Compile(spec, s, []string{"Name", "Owner"})
	if err != nil {
		t.Fatal(err)
	}
	row, errs := m.Map(sheet.Record{Row: 2, Values: []string{"Ada", "1003"}})
	if len(errs) != 0 || row.Contact.ResponsibleUserID != 1003 {
		t.Errorf("owner by id: %v, %+v", errs, row)
	}
	_, errs = m.Map(sheet.Record{Row: 3, Values: []string{"Bob", "Chen Sales"}})
	if len(errs) != 1 || errs[0].Column != "Owner" || !errors.Is(errs[0], mapping.ErrUsersHidden) ||
		!strings.Contains(errs[0].Error(), `"Chen Sales"`) || !strings.Contains(errs[0].Error(), "admin-only; use user ids or an admin token") {
		t.Errorf("owner by name: %v", errs)
	}
	// A constant owner name fails the spec at once.
	spec.Columns = spec.Columns[:1]
	spec.Constants = []mapping.ConstantSpec{{Field: "responsible_user", Value: "Chen Sales"}}
	if _, err := mapping.Compile(spec, s, []string{"Name"}); !errors.Is(err, mapping.ErrUsersHidden) {
		t.Errorf("constant owner name: %v", err)
	}

	// An admin token still reads the users.
	a := tzEnv(t, kt.Options{}, importToken, nil)
	if s, err := FetchSchema(t.Context(), a.c); err != nil || s.UsersHidden || len(s.Users) != 3 || len(s.Notes) != 0 {
		t.Errorf("admin schema: %v, %+v", err, s)
	}
}

// A 403 HTML page is a block of the account or IP, not a rights problem:
// it still stops the run.
func TestFetchSchemaStopsOnABlock(t *testing.T) {
	e := tzEnv(t, kt.Options{}, importToken, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v4/users" {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusForbidden)
				io.WriteString(w, "<html><body><h1>403 Forbidden</h1></body></html>")
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	if _, err := FetchSchema(t.Context(), e.c); !errors.Is(err, kommo.ErrAccountBlocked) {
		t.Errorf("FetchSchema = %v, want the block", err)
	}
}

func TestFetchSchemaTimeZone(t *testing.T) {
	e := tzEnv(t, kt.Options{AccountTimeZone: "Europe/Moscow"}, importToken, nil)
	s, err := FetchSchema(t.Context(), e.c)
	if err != nil || s.Location == nil || s.Location.String() != "Europe/Moscow" || len(s.Notes) != 0 {
		t.Fatalf("schema = %v, %v, notes %q", s.Location, err, s.Notes)
	}
	// An answer without datetime_settings: UTC, and a note.
	e = tzEnv(t, kt.Options{AccountTimeZone: "Europe/Moscow"}, importToken, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v4/account" {
				q := r.URL.Query()
				q.Set("with", strings.ReplaceAll(q.Get("with"), "datetime_settings", ""))
				r.URL.RawQuery = q.Encode()
			}
			h.ServeHTTP(w, r)
		})
	})
	s, err = FetchSchema(t.Context(), e.c)
	if err != nil || s.Location != nil {
		t.Fatalf("schema = %v, %v", s.Location, err)
	}
	if len(s.Notes) != 1 || !strings.Contains(s.Notes[0], "time zone") || !strings.Contains(s.Notes[0], "UTC") {
		t.Errorf("notes = %q", s.Notes)
	}
}

// nextCallRow updates contact n's "Next call" date field to v.
func nextCallRow(line, n int, v kommo.FieldValue) *mapping.Row {
	return &mapping.Row{Line: line, Entity: kommo.EntityContacts,
		Contact: &kommo.ContactRequest{CustomFieldsValues: kommo.CustomFieldValues{{FieldID: kt.SeedContactNextCall, Values: []kommo.FieldValue{v}}}},
		Match:   map[kommo.EntityType]mapping.MatchKey{kommo.EntityContacts: {Kind: mapping.MatchID, Values: []string{id(n)}}},
		Columns: map[string]string{"contacts:custom_fields_values.0": "Next call"},
	}
}

// A date field compares as a calendar day: a value on the stored day
// writes nothing (dry run or not), another day is an update shown as days
// of the account, and undo puts the day back.
func TestImportComparesDatesAsDays(t *testing.T) {
	for _, zone := range []string{"Europe/Moscow", "America/Bogota"} {
		t.Run(zone, func(t *testing.T) {
			loc, _ := time.LoadLocation(zone)
			e := tzEnv(t, kt.Options{AccountTimeZone: zone}, importToken, nil)
			ctx := t.Context()
			d15 := time.Date(2024, 3, 15, 0, 0, 0, 0, loc)
			pre, _, err := e.c.Contacts.Create(ctx, []kommo.ContactRequest{
				{Name: "Ada", CustomFieldsValues: kommo.CustomFieldValues{{FieldID: kt.SeedContactNextCall, Values: []kommo.FieldValue{kommo.Date(d15)}}}},
				{Name: "Bob", CustomFieldsValues: kommo.CustomFieldValues{{FieldID: kt.SeedContactNextCall, Values: []kommo.FieldValue{kommo.Date(d15)}}}},
			})
			if err != nil {
				t.Fatal(err)
			}
			rows := func() func(func(Item) bool) {
				return items(
					nextCallRow(2, pre[0].ID, kommo.Date(d15.Add(17*time.Hour))),                     // the same day, later: no change
					nextCallRow(3, pre[1].ID, kommo.Text(d15.AddDate(0, 0, 1).Format(time.RFC3339))), // the next day
				)
			}
			before := e.emu.Stats().Writes
			o := e.opts("dry", kommo.EntityContacts, ModeUpdate)
			o.DryRun, o.Location = true, loc
			res, err := Import(ctx, e.c, rows(), o)
			if err != nil {
				t.Fatal(err)
			}
			if a := actions(res); a[2] != ActionSkip || a[3] != ActionUpdate {
				t.Errorf("dry-run actions = %v, want 2 skip, 3 update", a)
			}
			if ch := res.Rows[3].Changes; len(ch) != 1 || ch[0].Old != "2024-03-15" || ch[0].New != "2024-03-16" || ch[0].Type != kommo.FieldDate {
				t.Errorf("dry-run changes = %+v, want 2024-03-15 → 2024-03-16", ch)
			}

			o = e.opts("real", kommo.EntityContacts, ModeUpdate)
			o.Location = loc
			if res, err = Import(ctx, e.c, rows(), o); err != nil {
				t.Fatal(err)
			}
			if a := actions(res); a[2] != ActionSkip || a[3] != ActionUpdate {
				t.Errorf("actions = %v", a)
			}
			if w := e.emu.Stats().Writes - before; w != 1 {
				t.Errorf("%d write requests, want 1 (Bob's)", w)
			}
			get := func(id int) time.Time {
				c, _, err := e.c.Contacts.Get(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				f, _ := c.CustomFieldsValues.Field(kt.SeedContactNextCall, "")
				tm, _ := f.Values[0].Time()
				return tm
			}
			if got := get(pre[0].ID); !got.Equal(d15) {
				t.Errorf("Ada's date = %v, want %v untouched", got, d15)
			}
			if got := get(pre[1].ID); !got.Equal(d15.AddDate(0, 0, 1)) {
				t.Errorf("Bob's date = %v, want the 16th", got.In(loc))
			}

			if _, err := Undo(ctx, e.c, o.Journal); err != nil {
				t.Fatal(err)
			}
			if got := get(pre[1].ID); !got.Equal(d15) {
				t.Errorf("Bob's date after undo = %v, want %v", got.In(loc), d15)
			}
		})
	}
}

// sameDay is Kommo's rule, whatever the zone: a value changes nothing
// when it falls in the stored midnight's day.
func TestSameDay(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	for _, tc := range []struct {
		name       string
		have, want time.Time
		same       bool
	}{
		{"equal", time.Date(2024, 3, 15, 0, 0, 0, 0, ny), time.Date(2024, 3, 15, 0, 0, 0, 0, ny), true},
		{"later that day", time.Date(2024, 3, 15, 0, 0, 0, 0, ny), time.Date(2024, 3, 15, 22, 0, 0, 0, ny), true},
		{"the day before", time.Date(2024, 3, 15, 0, 0, 0, 0, ny), time.Date(2024, 3, 14, 23, 0, 0, 0, ny), false},
		{"the next day", time.Date(2024, 3, 15, 0, 0, 0, 0, ny), time.Date(2024, 3, 16, 0, 0, 0, 0, ny), false},
		// 10 March 2024 has 23 hours in New York.
		{"after a short day", time.Date(2024, 3, 10, 0, 0, 0, 0, ny), time.Date(2024, 3, 11, 0, 0, 0, 0, ny), false},
	} {
		if got := sameDay(kommo.Date(tc.have), kommo.Date(tc.want)); got != tc.same {
			t.Errorf("%s: sameDay = %v, want %v", tc.name, got, tc.same)
		}
	}
}

// Date and birthday columns show the account's days whatever --tz the
// date-times are written in.
func TestExportDateFieldsInAccountZone(t *testing.T) {
	for _, zone := range []string{"Europe/Moscow", "America/Bogota"} {
		t.Run(zone, func(t *testing.T) {
			loc, _ := time.LoadLocation(zone)
			e := tzEnv(t, kt.Options{AccountTimeZone: zone}, importToken, nil)
			if _, _, err := e.c.Contacts.Create(t.Context(), []kommo.ContactRequest{{Name: "Ada", CustomFieldsValues: kommo.CustomFieldValues{
				{FieldID: kt.SeedContactNextCall, Values: []kommo.FieldValue{kommo.Date(time.Date(2024, 3, 15, 0, 0, 0, 0, loc))}},
				{FieldID: kt.SeedContactBirthday, Values: []kommo.FieldValue{kommo.Date(time.Date(1990, 7, 4, 0, 0, 0, 0, loc))}},
			}}}); err != nil {
				t.Fatal(err)
			}
			for _, where := range []*time.Location{nil, time.UTC, time.FixedZone("+14", 14*3600)} {
				rows, _ := exportCSV(t, e.c, ExportOptions{Entity: kommo.EntityContacts, Location: where})
				col := func(h string) string {
					for i, x := range rows[0] {
						if strings.HasPrefix(x, h) {
							return rows[1][i]
						}
					}
					t.Fatalf("no column %s in %q", h, rows[0])
					return ""
				}
				if got := col("Next call"); got != "2024-03-15" {
					t.Errorf("Location %v: Next call = %q, want 2024-03-15", where, got)
				}
				if got := col("Birthday"); got != "1990-07-04" {
					t.Errorf("Location %v: Birthday = %q, want 1990-07-04", where, got)
				}
			}
		})
	}
}
