package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/bulk"
)

// TestExportSinceLast: --since-last exports everything the first time and
// writes its state file after the output; the next run reads from the
// stored cursor (here set past every record: nothing) and adds the
// _deleted column; it refuses --updated-from and datasets without
// deletions events.
func TestExportSinceLast(t *testing.T) {
	env := exportEnv(t)
	dir := t.TempDir()
	state := filepath.Join(dir, "leads.state.json")
	out := filepath.Join(dir, "leads.csv")
	code, _, errs := runExport(t, env, "leads", "--since-last", state, "-o", out)
	if code != exitOK {
		t.Fatalf("export = %d\n%s", code, errs)
	}
	b, _ := os.ReadFile(out)
	rows := readCSV(t, string(b))
	if len(rows) != 4 || rows[0][len(rows[0])-1] != bulk.DeletedColumn {
		t.Fatalf("first export: %v", rows)
	}
	st, err := bulk.ReadSinceState(state)
	if err != nil || st == nil || st.Rows != 3 || st.Entity != "leads" || st.Cursor == 0 {
		t.Fatalf("state = %+v, %v", st, err)
	}
	st.Cursor += 3600 // an hour on: nothing changed since
	if err := bulk.SaveSinceState(state, st); err != nil {
		t.Fatal(err)
	}
	code, _, errs = runExport(t, env, "leads", "--since-last", state, "-o", out)
	if code != exitOK {
		t.Fatalf("second export = %d\n%s", code, errs)
	}
	b, _ = os.ReadFile(out)
	if rows := readCSV(t, string(b)); len(rows) != 1 {
		t.Errorf("second export: %v", rows)
	}
	if st2, _ := bulk.ReadSinceState(state); st2 == nil || st2.Rows != 0 || st2.Cursor >= st.Cursor {
		t.Errorf("state after the second export = %+v", st2)
	}
	for _, args := range [][]string{
		{"leads", "--since-last", state, "--updated-from", "2025-01-01", "-o", out},
		{"events", "--since-last", state, "-o", out},
	} {
		if code, _, errs := runExport(t, env, args...); code != exitUsage || !strings.Contains(errs, "since-last") {
			t.Errorf("%v = %d\n%s", args, code, errs)
		}
	}
}
