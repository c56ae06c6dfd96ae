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
