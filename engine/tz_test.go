package engine

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// A manager's token cannot read the user list: the schema and the import
// result carry the warning, owners go by id, names fail their rows. The
// account's zone is the schema's, and exports show its days.
func TestEngineManagerTokenAndZone(t *testing.T) {
	const manager = "wasm-manager"
	emu, err := kommotest.NewServer(kommotest.Options{NonAdminTokens: []string{manager}, Rate: rate.Inf, AccountTimeZone: "Europe/Moscow"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(emu)
	t.Cleanup(func() { ts.Close(); emu.Close() })
	e := New()
	if err := e.Configure(Config{BaseURL: ts.URL, Token: manager, Rate: -1}); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	s, err := e.Schema(ctx)
	if err != nil {
		t.Fatalf("Schema with a manager's token = %v", err)
	}
	if !s.UsersHidden || len(s.Users) != 0 || s.TimeZone != "Europe/Moscow" || len(s.Notes) != 1 || !strings.Contains(s.Notes[0], "admin-only") {
		t.Errorf("schema: hidden %v, users %v, zone %q, notes %q", s.UsersHidden, s.Users, s.TimeZone, s.Notes)
	}

	f, err := e.OpenFile([]byte("Name,Owner,Next call\nAda,1003,2024-03-15\nBob,Chen Sales,2024-03-15\n"), "people.csv", OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spec := "entity: contacts\ncolumns:\n  - {column: Name, field: name}\n  - {column: Owner, field: responsible_user}\n  - {column: Next call, field: Next call}\n"
	j, err := e.StartImport(ctx, f.ID, spec, ImportParams{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := j.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 1 || res.Failed != 1 || len(res.Notes) != 1 {
		t.Fatalf("import = %+v, want Ada created, Bob failed, a note", res)
	}
	for _, d := range res.Details {
		if d.Row == 3 && (d.Column != "Owner" || !strings.Contains(d.Error, `"Chen Sales" cannot be matched: the account's user list is admin-only`)) {
			t.Errorf("row 3 = %+v", d)
		}
	}
	if c := emu.Snapshot().Contacts; len(c) != 1 || c[0].ResponsibleUserID != 1003 {
		t.Errorf("contacts = %+v", c)
	}

	// Exported in the account's zone by default, and a date field is its
	// day whatever zone the date-times are asked in.
	for _, tz := range []string{"", "UTC"} {
		out, err := e.Export(ctx, ExportParams{Entity: "contacts", Format: "csv", TimeZone: tz}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tb, err := sheet.Open(out.Name, bytes.NewReader(out.Data), int64(len(out.Data)), sheet.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rec, _ := tb.Next()
		tb.Close()
		if !strings.Contains(strings.Join(rec.Values, "|"), "|2024-03-15|") {
			t.Errorf("timeZone %q: export row = %q, want the date 2024-03-15", tz, rec.Values)
		}
	}
}

// Export filter dates are days of the export's zone.
func TestDateRangeInZone(t *testing.T) {
	msk, _ := time.LoadLocation("Europe/Moscow")
	r, err := dateRange("2024-03-15", "2024-03-15", msk)
	if err != nil || r.From != time.Date(2024, 3, 15, 0, 0, 0, 0, msk).Unix() || r.To != time.Date(2024, 3, 15, 23, 59, 59, 0, msk).Unix() {
		t.Errorf("dateRange in Moscow = %+v, %v", r, err)
	}
}
