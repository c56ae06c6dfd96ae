package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/bulk"
)

// TestRunExportSinceLast: an export step's since_last is a state file
// beside the job file, passed on as --since-last.
func TestRunExportSinceLast(t *testing.T) {
	e := newCLIEnv(t)
	job := e.write(t, "nightly-export.yaml", "connection: {rate: -1}\nsteps:\n  - export: {entity: contacts, output: out/contacts.csv, since_last: state/contacts.json}\n")
	code, out, errOut := e.run(t, "run", job)
	if code != exitOK {
		t.Fatalf("run = exit %d\n%s\n%s", code, out, errOut)
	}
	st, err := bulk.ReadSinceState(filepath.Join(e.dir, "state", "contacts.json"))
	if err != nil || st == nil || st.Entity != "contacts" {
		t.Fatalf("state beside the job file = %+v, %v", st, err)
	}
	b, err := os.ReadFile(filepath.Join(e.dir, "out", "contacts.csv"))
	if header, _, _ := strings.Cut(string(b), "\n"); err != nil || !strings.HasSuffix(strings.TrimSpace(header), ","+bulk.DeletedColumn) {
		t.Errorf("output header %q, %v", header, err)
	}
}

// TestRunImportDelta: an import step's delta is a state file beside the
// job file: the second night sends only the changed row.
func TestRunImportDelta(t *testing.T) {
	e := newCLIEnv(t)
	job := e.write(t, "nightly.yaml", "connection: {rate: -1}\nsteps:\n  - import: {input: contacts.csv, mapping: contacts.yaml, mode: upsert, delta: state/contacts.json, gone: tag}\n")
	night := func(content string) string {
		t.Helper()
		e.write(t, "contacts.csv", content)
		code, out, errOut := e.run(t, "run", job)
		if code != exitOK {
			t.Fatalf("run = exit %d\n%s\n%s", code, out, errOut)
		}
		return errOut
	}
	night("Name,Email,Phone,Company\nAda,ada@example.org,,\nBob,bob@example.org,,\n")
	if _, err := os.Stat(filepath.Join(e.dir, "state", "contacts.json")); err != nil {
		t.Fatalf("state beside the job file: %v", err)
	}
	writes := e.emu.Stats().Writes
	errOut := night("Name,Email,Phone,Company\nAda Lovelace,ada@example.org,,\n")
	if !strings.Contains(errOut, "delta: 0 rows unchanged since the last run (skipped), 1 sent") ||
		!strings.Contains(errOut, "delta: 1 rows gone from the source since an earlier run (--gone tag: 1 records changed now)") {
		t.Errorf("second night:\n%s", errOut)
	}
	if w := e.emu.Stats().Writes - writes; w != 2 { // Ada's update, Bob's tag
		t.Errorf("second night wrote %d times", w)
	}
}
