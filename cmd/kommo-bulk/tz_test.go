package main

// Accounts east and west of UTC (date fields are midnights of the
// account's zone) and tokens that may not read the user list.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// newTZEnv is newCLIEnv with the emulator's options: the CLI token
// "cli-token" is an admin's, "manager-token" a manager's.
func newTZEnv(t *testing.T, opts kt.Options) *cliEnv {
	t.Helper()
	opts.Tokens, opts.NonAdminTokens, opts.Rate = []string{"cli-token"}, []string{"manager-token"}, rate.Inf
	emu, err := kt.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(func() { srv.Close(); emu.Close() })
	return &cliEnv{emu: emu, url: srv.URL, dir: t.TempDir(), env: map[string]string{"KOMMO_BASE_URL": srv.URL, "KOMMO_TOKEN": "cli-token"}}
}

const datesSpec = `entity: contacts
match: email
options: {date_layouts: [dd.mm.yyyy]}
columns:
  - {column: Name, field: name}
  - {column: Email, field: EMAIL, enum: WORK}
  - {column: Next call, field: Next call}
  - {column: Born, field: Birthday}
`

const meetingSpec = `entity: leads
columns:
  - {column: Deal, field: name}
  - {column: Close, field: Expected close}
  - {column: Meeting, field: Meeting at}
`

// cfValue is the stored value of field id of a record's values.
func cfValue(t *testing.T, cfv []kt.FieldValues, id int) int64 {
	t.Helper()
	for _, f := range cfv {
		if f.FieldID == id && len(f.Values) == 1 {
			v, ok := f.Values[0].Value.(int64)
			if !ok {
				t.Fatalf("field %d holds %#v, want a unix time", id, f.Values[0].Value)
			}
			return v
		}
	}
	t.Fatalf("no field %d in %+v", id, cfv)
	return 0
}

// On accounts at UTC+3 and UTC−5 a date column reads "2024-03-15" in the
// file, in Kommo (midnight of the account's zone) and in the export; an
// export imported back unchanged writes nothing.
func TestDatesInTheAccountZone(t *testing.T) {
	for _, zone := range []string{"Europe/Moscow", "America/Bogota"} {
		for _, ext := range []string{".csv", ".xlsx"} {
			t.Run(zone+ext, func(t *testing.T) {
				loc, _ := time.LoadLocation(zone)
				e := newTZEnv(t, kt.Options{AccountTimeZone: zone})
				spec := e.write(t, "dates.yaml", datesSpec)
				in := e.write(t, "in.csv", "Name,Email,Next call,Born\nAda,ada@example.org,2024-03-15,1990-07-04\nBob,bob@example.org,15.03.2024,04.07.1990\n")
				if code, out, errOut := e.run(t, "import", "--rate", "0", "--mapping", spec, in); code != exitOK {
					t.Fatalf("import exit %d\n%s\n%s", code, out, errOut)
				}
				st := e.emu.Snapshot()
				if len(st.Contacts) != 2 {
					t.Fatalf("%d contacts", len(st.Contacts))
				}
				for _, c := range st.Contacts {
					if got, want := cfValue(t, c.CustomFieldsValues, kt.SeedContactNextCall), time.Date(2024, 3, 15, 0, 0, 0, 0, loc).Unix(); got != want {
						t.Errorf("%s: Next call stored as %d (%s), want %d, 2024-03-15 00:00 in %s", c.Name, got, time.Unix(got, 0).UTC(), want, zone)
					}
					if got, want := cfValue(t, c.CustomFieldsValues, kt.SeedContactBirthday), time.Date(1990, 7, 4, 0, 0, 0, 0, loc).Unix(); got != want {
						t.Errorf("%s: birthday stored as %d, want %d", c.Name, got, want)
					}
				}

				path := filepath.Join(e.dir, "export"+ext)
				code, out, errOut := e.run(t, "export", "contacts", "-o", path, "--rate", "0")
				if code != exitOK {
					t.Fatalf("export exit %d\n%s\n%s", code, out, errOut)
				}
				var rows [][]string
				if ext == ".csv" {
					rows = readResultCSV(t, path)
				} else {
					f, err := excelize.OpenFile(path)
					if err != nil {
						t.Fatal(err)
					}
					rows, _ = f.GetRows(f.GetSheetName(0))
					f.Close()
				}
				cell := func(r int, h string) string {
					for i, x := range rows[0] {
						if strings.HasPrefix(x, h) && i < len(rows[r]) {
							return rows[r][i]
						}
					}
					t.Fatalf("no column %s in %q", h, rows[0])
					return ""
				}
				for r := 1; r <= 2; r++ {
					if got := cell(r, "Next call"); got != "2024-03-15" {
						t.Errorf("export row %d: Next call = %q, want 2024-03-15", r, got)
					}
					if got := cell(r, "Birthday"); got != "1990-07-04" {
						t.Errorf("export row %d: Birthday = %q, want 1990-07-04", r, got)
					}
				}

				// The export, imported back unchanged: no changes, no writes.
				writes := e.emu.Stats().Writes
				code, out, errOut = e.run(t, "import", "--rate", "0", "--mode", "update", "--dry-run", path)
				if code != exitOK || strings.Contains(out, ": update") || !strings.Contains(out, "2 would be skipped") {
					t.Errorf("dry run exit %d: %s\n%s", code, out, errOut)
				}
				code, out, errOut = e.run(t, "import", "--rate", "0", "--mode", "update", "--json", path)
				if code != exitOK {
					t.Fatalf("re-import exit %d\n%s\n%s", code, out, errOut)
				}
				var sum importSummary
				if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Updated != 0 || sum.Skipped != 2 {
					t.Errorf("re-import summary = %+v (%v), want 2 skipped", sum, err)
				}
				if w := e.emu.Stats().Writes - writes; w != 0 {
					t.Errorf("re-import wrote %d times, want 0", w)
				}
				for _, c := range e.emu.Snapshot().Contacts {
					if got, want := cfValue(t, c.CustomFieldsValues, kt.SeedContactNextCall), time.Date(2024, 3, 15, 0, 0, 0, 0, loc).Unix(); got != want {
						t.Errorf("after the round trip %s's Next call = %s", c.Name, time.Unix(got, 0).In(loc))
					}
				}
			})
		}
	}
}

// A date_time is kept as sent; without an offset it is a time of the
// account's zone.
func TestDateTimeKeptAsSent(t *testing.T) {
	for _, zone := range []string{"Europe/Moscow", "America/Bogota"} {
		t.Run(zone, func(t *testing.T) {
			loc, _ := time.LoadLocation(zone)
			e := newTZEnv(t, kt.Options{AccountTimeZone: zone})
			spec := e.write(t, "leads.yaml", meetingSpec)
			in := e.write(t, "leads.csv", "Deal,Close,Meeting\nA,2024-03-15,2024-03-15T22:30:00Z\nB,2024-03-15,2024-03-15 22:30\n")
			if code, out, errOut := e.run(t, "import", "--rate", "0", "--mapping", spec, in); code != exitOK {
				t.Fatalf("import exit %d\n%s\n%s", code, out, errOut)
			}
			st := e.emu.Snapshot()
			if len(st.Leads) != 2 {
				t.Fatalf("%d leads", len(st.Leads))
			}
			want := map[string]int64{"A": time.Date(2024, 3, 15, 22, 30, 0, 0, time.UTC).Unix(), "B": time.Date(2024, 3, 15, 22, 30, 0, 0, loc).Unix()}
			for _, l := range st.Leads {
				if got := cfValue(t, l.CustomFieldsValues, kt.SeedLeadMeetingAt); got != want[l.Name] {
					t.Errorf("lead %s: Meeting at = %s, want %s", l.Name, time.Unix(got, 0).UTC(), time.Unix(want[l.Name], 0).UTC())
				}
				if got := cfValue(t, l.CustomFieldsValues, kt.SeedLeadCloseDate); got != time.Date(2024, 3, 15, 0, 0, 0, 0, loc).Unix() {
					t.Errorf("lead %s: Expected close = %s", l.Name, time.Unix(got, 0).In(loc))
				}
			}
		})
	}
}

// A manager's token cannot read the user list: commands go on with a
// warning, owners by id work, owner names fail before anything is written.
func TestNonAdminToken(t *testing.T) {
	e := newTZEnv(t, kt.Options{})
	e.env["KOMMO_TOKEN"] = "manager-token"
	spec := e.write(t, "owners.yaml", "entity: contacts\ncolumns:\n  - {column: Name, field: name}\n  - {column: Owner, field: responsible_user}\n")
	const warning = "warning: users: the account's user list is admin-only"

	ids := e.write(t, "ids.csv", fmt.Sprintf("Name,Owner\nAda,%d\nBob,%d\n", kt.SeedUserBoris, kt.SeedUserChen))
	code, out, errOut := e.run(t, "import", "--rate", "0", "--mapping", spec, ids)
	if code != exitOK {
		t.Fatalf("import with owner ids exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, warning) {
		t.Errorf("no warning on stderr:\n%s", errOut)
	}
	owners := map[string]int{}
	for _, c := range e.emu.Snapshot().Contacts {
		owners[c.Name] = c.ResponsibleUserID
	}
	if owners["Ada"] != kt.SeedUserBoris || owners["Bob"] != kt.SeedUserChen {
		t.Errorf("owners = %v", owners)
	}

	// Owner names stop the import before anything is written, each name
	// once, with the reason and a tables skeleton to fill with ids.
	writes := e.emu.Stats().Writes
	names := e.write(t, "names.csv", "Name,Owner\nCarl,Boris Manager\nDora,Chen Sales\nEve,Chen Sales\n")
	code, out, errOut = e.run(t, "import", "--rate", "0", "--mapping", spec, names)
	if code != exitFailed {
		t.Fatalf("import with owner names exit %d, want %d\n%s\n%s", code, exitFailed, out, errOut)
	}
	for _, want := range []string{
		`names.csv, column "Owner": user "Chen Sales" (2 rows): the account's user list is admin-only; use user ids or an admin token`,
		"users:\n  \"Boris Manager\": \"\"\n  \"Chen Sales\": \"\"",
		"stopped before writing",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "unknown user") {
		t.Errorf("stderr says unknown user:\n%s", errOut)
	}
	if w := e.emu.Stats().Writes - writes; w != 0 || len(e.emu.Snapshot().Contacts) != 2 {
		t.Errorf("%d writes, %d contacts: owner names must write nothing", w, len(e.emu.Snapshot().Contacts))
	}
	// The table, with ids, resolves them.
	code, out, errOut = e.run(t, "import", "--rate", "0", "--mapping", spec, "--user", fmt.Sprintf("Boris Manager=%d", kt.SeedUserBoris),
		"--user", fmt.Sprintf("Chen Sales=%d", kt.SeedUserChen), names)
	if code != exitOK {
		t.Fatalf("import with a users table exit %d\n%s\n%s", code, out, errOut)
	}
	for _, c := range e.emu.Snapshot().Contacts {
		owners[c.Name] = c.ResponsibleUserID
	}
	if owners["Carl"] != kt.SeedUserBoris || owners["Dora"] != kt.SeedUserChen || owners["Eve"] != kt.SeedUserChen {
		t.Errorf("owners by the table = %v", owners)
	}

	// Export and schema go on too, and say why.
	out1 := filepath.Join(e.dir, "contacts.csv")
	if code, out, errOut := e.run(t, "export", "contacts", "-o", out1, "--rate", "0", "--responsible", fmt.Sprint(kt.SeedUserBoris)); code != exitOK || !strings.Contains(errOut, warning) {
		t.Errorf("export exit %d\n%s\n%s", code, out, errOut)
	}
	if rows := readResultCSV(t, out1); len(rows) != 3 || rows[1][1] != "Ada" || rows[2][1] != "Carl" {
		t.Errorf("export = %q", rows)
	}
	code, _, errOut = e.run(t, "export", "contacts", "-o", out1, "--rate", "0", "--responsible", "Boris Manager")
	if code == exitOK || !strings.Contains(errOut, `--responsible: user "Boris Manager" cannot be matched: the account's user list is admin-only`) {
		t.Errorf("export --responsible NAME exit %d\n%s", code, errOut)
	}
	code, out, errOut = e.run(t, "schema", "--json")
	if code != exitOK || !strings.Contains(errOut, warning) || !strings.Contains(out, `"notes"`) {
		t.Errorf("schema exit %d\n%s\n%s", code, out, errOut)
	}
}

// kommo-bulk emulator --account-tz sets the account's zone, which the
// state keeps; --non-admin-token is a manager's token.
func TestEmulatorAccountTZ(t *testing.T) {
	const secret, manager = "tz-admin-token", "tz-manager-token"
	state := filepath.Join(t.TempDir(), "state.json")
	start := func(args ...string) (string, context.CancelFunc, chan error) {
		m, _, errb := testMain(map[string]string{"KOMMO_TOKEN": secret})
		ctx, cancel := context.WithCancel(t.Context())
		addrc, done := make(chan string, 1), make(chan error, 1)
		cmd := &EmulatorCommand{m: m, ready: func(a string) { addrc <- a }}
		go func() {
			done <- cmd.Run(ctx, append([]string{"--addr", "127.0.0.1:0", "--state", state, "--rate", "0"}, args...))
		}()
		select {
		case a := <-addrc:
			if strings.Contains(errb.String(), manager) {
				t.Errorf("the manager's token was printed: %s", errb)
			}
			return a, cancel, done
		case err := <-done:
			t.Fatalf("emulator exited: %v\n%s", err, errb)
		case <-time.After(10 * time.Second):
			t.Fatal("emulator did not start")
		}
		return "", cancel, done
	}
	zoneOf := func(addr string) string {
		c, _ := kommo.NewClient("http://"+addr, kommo.WithToken(secret), kommo.WithRateLimit(rate.Inf, 1))
		a, _, err := c.Account.Get(t.Context(), "datetime_settings")
		if err != nil {
			t.Fatal(err)
		}
		loc, err := a.TimeZone()
		if err != nil {
			t.Fatal(err)
		}
		return loc.String()
	}

	addr, cancel, done := start("--account-tz", "America/Bogota", "--non-admin-token", manager)
	if z := zoneOf(addr); z != "America/Bogota" {
		t.Errorf("zone = %s", z)
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v4/users", nil)
	req.Header.Set("Authorization", "Bearer "+manager)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("GET /users with --non-admin-token = %d, want 403", res.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// Started again on the same state without the flag, the zone stays.
	addr, cancel, done = start()
	if z := zoneOf(addr); z != "America/Bogota" {
		t.Errorf("zone after a restart = %s, want the saved America/Bogota", z)
	}
	cancel()
	<-done
	b, _ := os.ReadFile(state)
	if !strings.Contains(string(b), `"timezone": "America/Bogota"`) && !strings.Contains(string(b), `"timezone":"America/Bogota"`) {
		t.Errorf("state file lacks the zone")
	}

	m, _, _ := testMain(map[string]string{"KOMMO_TOKEN": secret})
	if code := m.Run(t.Context(), []string{"emulator", "--account-tz", "Mars/Olympus"}); code != exitUsage {
		t.Errorf("unknown zone exit %d, want %d", code, exitUsage)
	}
}
