package engine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/internal/hang"
)

// bigCell is longer than the readers' 1 MiB cell limit.
var bigCell = strings.Repeat("x", 11<<20/10)

// bigFile is a CSV of contacts with a cell over the limit at row at.
func bigFile(header string, rows, at int, row func(i int, cell string) string) []byte {
	var b strings.Builder
	b.WriteString(header + "\n")
	for i := 2; i <= rows; i++ {
		cell := fmt.Sprint("note ", i)
		if i == at {
			cell = bigCell
		}
		b.WriteString(row(i, cell) + "\n")
	}
	return []byte(b.String())
}

func contactRow(i int, cell string) string {
	return fmt.Sprintf("Person %d,p%d@example.org,%s", i, i, cell)
}

const limitSpec = `entity: contacts
columns:
  - column: Name
    field: name
  - column: Email
    field: EMAIL
    enum: WORK
  - column: Notes
    field: POSITION
`

// TestCellOverLimitStopsEngine feeds every engine call that reads a file
// one with a cell over the limit: each stops with the file, row and
// column, writes nothing, and does not loop.
func TestCellOverLimitStopsEngine(t *testing.T) {
	e, emu := setup(t)
	ctx := t.Context()
	const want = `big.csv: row 30, column "Notes": cell exceeds size limit: 1153433 bytes, limit 1048576`
	check := func(t *testing.T, what string, err error, want string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s = %v, want an error with %q", what, err, want)
		}
	}

	t.Run("preview", func(t *testing.T) {
		data := bigFile("Name,Email,Notes", 40, 3, contactRow)
		var err error
		hang.Returns(t, "OpenFile", func() { _, err = e.OpenFile(data, "big.csv", OpenOptions{}) })
		check(t, "OpenFile", err, `big.csv: row 3, column "Notes": cell exceeds size limit`)
	})

	// Past the preview's 20 rows: the file opens, the rest stops.
	fi, err := e.OpenFile(bigFile("Name,Email,Notes", 40, 30, contactRow), "big.csv", OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fi.Preview) != 20 {
		t.Fatalf("preview of %d rows, want 20", len(fi.Preview))
	}
	t.Run("propose", func(t *testing.T) {
		var err error
		hang.Returns(t, "Propose", func() { _, err = e.Propose(ctx, fi.ID, "contacts") })
		check(t, "Propose", err, want)
	})
	t.Run("validate", func(t *testing.T) {
		var err error
		hang.Returns(t, "Validate", func() { _, err = e.Validate(ctx, fi.ID, limitSpec, ValidateOptions{}) })
		check(t, "Validate", err, want)
	})
	t.Run("errors file", func(t *testing.T) {
		var ef *FileBytes
		var err error
		hang.Returns(t, "ErrorsFile", func() { ef, err = e.ErrorsFile(ctx, fi.ID, limitSpec) })
		if err != nil || ef.Rows != 1 || !strings.Contains(string(ef.Data), "cell exceeds size limit") {
			t.Errorf("ErrorsFile = %+v, %v; want the row over the limit", ef, err)
		}
	})
	for _, dry := range []bool{true, false} {
		t.Run(fmt.Sprint("import dry=", dry), func(t *testing.T) {
			var err error
			hang.Returns(t, "import", func() {
				j, serr := e.StartImport(ctx, fi.ID, limitSpec, ImportParams{DryRun: dry}, nil)
				if serr != nil {
					err = serr
					return
				}
				_, err = j.Wait()
			})
			check(t, "import", err, want)
		})
	}

	hub, err := e.OpenFile(bigFile("Record ID,First Name,Last Name,Email,Job Title", 40, 30, func(i int, cell string) string {
		return fmt.Sprintf("%d,Person,%d,p%d@example.org,%s", 100+i, i, i, cell)
	}), "hubspot-crm-exports-all-contacts-2024-03-15.csv", OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := MigrateParams{Files: []MigrateFile{{FileID: hub.ID, Source: "hubspot", Entity: "contacts"}}, CreateFields: true}
	const hubWant = `hubspot-crm-exports-all-contacts-2024-03-15.csv: row 30, column "Job Title": cell exceeds size limit`
	t.Run("check migration", func(t *testing.T) {
		var res *MigrationResult
		var err error
		hang.Returns(t, "CheckMigration", func() { res, err = e.CheckMigration(ctx, p) })
		if err != nil || res.Status != "stopped" || !strings.Contains(res.Error, hubWant) {
			t.Errorf("CheckMigration = %v, status %q, error %q; want stopped with %q", err, res.Status, res.Error, hubWant)
		}
	})
	t.Run("migrate", func(t *testing.T) {
		var res *MigrationResult
		hang.Returns(t, "migration", func() {
			j, err := e.StartMigration(ctx, p, nil)
			if err != nil {
				t.Error(err)
				return
			}
			res = j.Wait()
		})
		if res == nil || res.Status != "stopped" || !strings.Contains(res.Error, hubWant) {
			t.Errorf("migration = %+v, want stopped with %q", res, hubWant)
		}
	})

	st := emu.Snapshot()
	if n := len(st.Contacts) + len(st.Leads) + len(st.Companies) + len(st.Tasks); n != 0 {
		t.Errorf("%d records written, want none", n)
	}
}
