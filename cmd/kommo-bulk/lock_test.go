package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// slowContacts writes a contacts file of n rows and slows the emulator so
// that an import of it is still running when the test acts.
func slowContacts(t *testing.T, e *cliEnv, name string, n int) string {
	t.Helper()
	e.emu.SetLatency(20 * time.Millisecond)
	var b strings.Builder
	b.WriteString("Name,Email,Phone,Company\n")
	for i := range n {
		fmt.Fprintf(&b, "Person %d,p%d@example.org,,\n", i, i)
	}
	return e.write(t, name, b.String())
}

// hasAck reports whether a journal matching the glob records a write.
func hasAck(glob string) bool {
	ms, _ := filepath.Glob(glob)
	for _, m := range ms {
		if b, _ := os.ReadFile(m); bytes.Contains(b, []byte(`"op":"ack"`)) {
			return true
		}
	}
	return false
}

// whileRunning runs the command args in this process (on open files of
// its own, so its journal locks are its own: flock locks belong to the
// open file) and calls during once a journal matching glob records a
// write; it returns the command's exit code and output.
func whileRunning(t *testing.T, e *cliEnv, glob string, args []string, during func()) (int, string) {
	t.Helper()
	m, out, errb := testMain(e.env)
	done := make(chan int, 1)
	go func() { done <- m.Run(t.Context(), args) }()
	for !hasAck(glob) {
		select {
		case code := <-done:
			t.Fatalf("%v ended (exit %d) before the test could act: make it slower\n%s\n%s", args, code, out, errb)
		case <-time.After(5 * time.Millisecond):
		}
	}
	during()
	code := <-done
	return code, out.String() + errb.String()
}

// refused runs args and checks that they exit 1 naming the journal and
// this process as its holder.
func refused(t *testing.T, e *cliEnv, journal string, args ...string) {
	t.Helper()
	holder := fmt.Sprintf("pid %d", os.Getpid())
	code, stdout, stderr := e.run(t, args...)
	if code != exitFailed || !strings.Contains(stderr, journal+" is in use by") || !strings.Contains(stderr, holder) {
		t.Errorf("%v while the job runs = exit %d, want %d naming %s\n%s\n%s", args, code, exitFailed, holder, stdout, stderr)
	}
}

// TestSecondImportIsRefused starts an import, and while it runs starts
// the same job again (a resume, an undo): each is refused, names the
// holder and exits 1, and the first import writes every row once with
// its result files whole.
func TestSecondImportIsRefused(t *testing.T) {
	e := newCLIEnv(t)
	const n = 120
	input := slowContacts(t, e, "contacts.csv", n)
	spec := filepath.Join(e.dir, "contacts.yaml")
	journal := filepath.Join(e.dir, "held.journal")
	code, out := whileRunning(t, e, journal, []string{"import", "--rate", "0", "--batch-size", "5", "--workers", "1", "--mapping", spec, "--mode", "upsert", "--job", "held", input}, func() {
		refused(t, e, journal, "import", "--rate", "0", "--resume", journal)
		refused(t, e, journal, "undo", "--rate", "0", journal)
	})
	if code != exitOK {
		t.Fatalf("the first import = exit %d\n%s", code, out)
	}
	st := e.emu.Snapshot()
	seen := map[string]int{}
	for _, c := range st.Contacts {
		seen[c.Name]++
	}
	if len(st.Contacts) != n || len(seen) != n {
		t.Errorf("%d contacts, %d names; want %d", len(st.Contacts), len(seen), n)
	}
	if recs := readResultCSV(t, filepath.Join(e.dir, "contacts.success.csv")); len(recs) != n+1 {
		t.Errorf("success file has %d records, want %d: a second process truncated it", len(recs), n+1)
	}
	if _, err := os.Stat(journal + ".lock"); !os.IsNotExist(err) {
		t.Errorf("lock file left after the job: %v", err)
	}
}

// TestSecondMigrationIsRefused starts a migration and, while it writes,
// the same migration again: the second is refused before it writes
// anything (a field, a record, a report).
func TestSecondMigrationIsRefused(t *testing.T) {
	e := newCLIEnv(t)
	e.emu.SetLatency(30 * time.Millisecond)
	tables := fixtureFiles(t, "hubspot", "tables.yaml")[0]
	args := append([]string{"migrate", "--from", "hubspot", "--create-fields", "--tables", tables, "--results", e.dir, "--rate", "0", "--batch", "1", "--workers", "1"}, hubspotFiles(t)...)
	code, out := whileRunning(t, e, filepath.Join(e.dir, "m-companies.journal"), append(args, "--job", "m"), func() {
		refused(t, e, filepath.Join(e.dir, "m-companies.journal"), append(args, "--resume", "m")...)
		if _, err := os.Stat(filepath.Join(e.dir, "m-report.md")); !os.IsNotExist(err) {
			t.Errorf("the refused migration wrote a report: %v", err)
		}
	})
	if code != exitOK {
		t.Fatalf("the first migration = exit %d\n%s", code, out)
	}
	if got := accountText(e.emu.Snapshot()); got != hubspotWant {
		t.Errorf("account after the migration:\n%s\nwant:\n%s", got, hubspotWant)
	}
}

// TestSecondRunIsRefused runs a job file twice at once, as two cron runs
// that overlap do: the second stops at the file the first is importing.
func TestSecondRunIsRefused(t *testing.T) {
	e := newCLIEnv(t)
	const n = 120
	slowContacts(t, e, "contacts.csv", n)
	os.MkdirAll(filepath.Join(e.dir, "results"), 0o755)
	job := e.write(t, "job.yaml", "connection: {rate: -1}\nsteps:\n  - import: {input: contacts.csv, mapping: contacts.yaml, mode: upsert, batch_size: 5, workers: 1, results: results}\n")
	glob := filepath.Join(e.dir, "results", "contacts*.journal")
	code, out := whileRunning(t, e, glob, []string{"run", job}, func() {
		journals, _ := filepath.Glob(glob)
		if len(journals) != 1 {
			t.Fatalf("journals = %v", journals)
		}
		refused(t, e, journals[0], "run", job)
	})
	if code != exitOK {
		t.Fatalf("the first run = exit %d\n%s", code, out)
	}
	if got := len(e.emu.Snapshot().Contacts); got != n {
		t.Errorf("%d contacts, want %d", got, n)
	}
}
