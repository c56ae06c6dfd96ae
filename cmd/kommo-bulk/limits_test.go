package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/engine"
	"github.com/kommo-bulk/kommo-bulk/internal/hang"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/migrate"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// bigCell is longer than the readers' 1 MiB cell limit.
var bigCell = strings.Repeat("x", 11<<20/10)

// TestCellOverLimitStopsCommands feeds every command that reads a table a
// file with a cell over the limit: each stops with the file, row and
// column, writes nothing, and does not loop.
func TestCellOverLimitStopsCommands(t *testing.T) {
	e := newCLIEnv(t)
	big := e.write(t, "big.csv", "Name,Email,Phone,Company\n"+
		"Ada,ada@example.org,,Acme\n"+
		"Bob,bob@example.org,,"+bigCell+"\n"+
		"Cy,cy@example.org,,Acme\n")
	hub := e.write(t, "hubspot-crm-exports-all-contacts-2024-03-15.csv",
		"Record ID,First Name,Last Name,Email,Phone Number,Job Title,Contact owner\n"+
			"101,Ada,Lovelace,ada@example.com,,Engineer,\n"+
			"102,Grace,Hopper,grace@example.com,,CTO,\n"+
			"103,Alan,Turing,alan@example.com,,"+bigCell+",\n")
	spec := filepath.Join(e.dir, "contacts.yaml")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"map", []string{"map", big, "--entity", "contacts"},
			`big.csv: row 3, column "Company": cell exceeds size limit: 1153433 bytes, limit 1048576`},
		{"import --mapping", []string{"import", big, "--mapping", spec, "--mode", "upsert"},
			`big.csv: row 3, column "Company": cell exceeds size limit`},
		{"import --mapping --dry-run", []string{"import", big, "--mapping", spec, "--dry-run"},
			`big.csv: row 3, column "Company": cell exceeds size limit`},
		{"import without --mapping", []string{"import", big, "--entity", "contacts", "--dry-run"},
			`big.csv: row 3, column "Company": cell exceeds size limit`},
		{"migrate", []string{"migrate", "--from", "hubspot", "--create-fields", "--results", e.dir, hub},
			`hubspot-crm-exports-all-contacts-2024-03-15.csv: row 4, column "Job Title": cell exceeds size limit`},
		{"migrate --dry-run", []string{"migrate", "--from", "hubspot", "--create-fields", "--dry-run", "--results", e.dir, hub},
			`hubspot-crm-exports-all-contacts-2024-03-15.csv: row 4, column "Job Title": cell exceeds size limit`},
	}
	before := accountText(e.emu.Snapshot())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var code int
			var out, errOut string
			hang.Returns(t, tc.name, func() { code, out, errOut = e.run(t, append(tc.args, "--rate", "0")...) })
			if code != exitFailed || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q (stdout %q)", code, errOut, exitFailed, tc.want, out)
			}
			if strings.Count(errOut, "cell exceeds size limit") != 1 {
				t.Errorf("the limit is reported %d times, want once:\n%s", strings.Count(errOut, "cell exceeds size limit"), errOut)
			}
		})
	}
	if after := accountText(e.emu.Snapshot()); after != before {
		t.Errorf("the account changed:\n%s", after)
	}
	left, _ := filepath.Glob(filepath.Join(e.dir, "big.*.csv"))
	journals, _ := filepath.Glob(filepath.Join(e.dir, "*.journal"))
	if len(left)+len(journals) > 0 {
		t.Errorf("result files or journals were written: %v %v", left, journals)
	}
}

// endless is a table of good rows without end, as a huge file is for a
// loop that does not look at its context.
type endless struct{ row int }

func (t *endless) Header() []string { return []string{"Name", "Email", "Phone", "Company"} }
func (t *endless) Close() error     { return nil }
func (t *endless) Next() (sheet.Record, error) {
	t.row++
	return sheet.Record{Row: t.row, Values: []string{"Ada", "ada@example.org", "", "Acme"}}, nil
}

// cancelAt is an endless table that cancels a context at a row.
type cancelAt struct {
	endless
	at     int
	cancel context.CancelFunc
}

func (t *cancelAt) Next() (sheet.Record, error) {
	if t.row == t.at {
		t.cancel()
	}
	return t.endless.Next()
}

// TestCheckRowsStopsOnCancel: the first pass of an import stops when its
// context is cancelled (Ctrl-C, SIGTERM), however long the file.
func TestCheckRowsStopsOnCancel(t *testing.T) {
	e := newCLIEnv(t)
	spec, err := mapping.ParseSpec([]byte(contactsSpec))
	if err != nil {
		t.Fatal(err)
	}
	c, err := kommo.NewClient(e.url, kommo.WithToken("cli-token"), kommo.WithRateLimit(rate.Inf, 1))
	if err != nil {
		t.Fatal(err)
	}
	schema, err := bulk.FetchSchema(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	tb := &cancelAt{at: 1000}
	m, err := mapping.Compile(spec, schema, tb.Header())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	tb.cancel = cancel
	var rerr error
	hang.Returns(t, "engine.Check", func() {
		_, rerr = engine.Check(ctx, m, tb, engine.CheckOptions{Unmatched: migrate.NewUnmatchedNames("huge.csv", nil)})
	})
	if !errors.Is(rerr, context.Canceled) || tb.row > 1001 {
		t.Errorf("engine.Check = %v after %d rows, want context.Canceled after 1001", rerr, tb.row)
	}
}
