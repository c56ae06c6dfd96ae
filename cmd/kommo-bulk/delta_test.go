package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// TestImportDelta: import --delta sends only the rows whose source changed
// since the last run and says how many it skipped; an unchanged file
// writes nothing; a row gone from the source is listed.
func TestImportDelta(t *testing.T) {
	e := newCLIEnv(t)
	state := filepath.Join(e.dir, "state", "contacts.json")
	in := filepath.Join(e.dir, "contacts.csv")
	night := func(job, content string, extra ...string) string {
		t.Helper()
		if err := os.WriteFile(in, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		args := append([]string{"import", in, "--mapping", filepath.Join(e.dir, "contacts.yaml"), "--mode", "upsert", "--job", job, "--delta", state}, extra...)
		code, out, errOut := e.run(t, args...)
		if code != exitOK {
			t.Fatalf("%s = exit %d\n%s\n%s", job, code, out, errOut)
		}
		return errOut
	}
	errOut := night("n1", "Name,Email,Phone,Company\nAda,ada@example.org,,\nBob,bob@example.org,,\nCy,cy@example.org,,\n")
	if !strings.Contains(errOut, "delta: 0 rows unchanged since the last run (skipped), 3 sent") {
		t.Errorf("first run:\n%s", errOut)
	}
	writes := e.emu.Stats().Writes
	errOut = night("n2", "Name,Email,Phone,Company\nAda Lovelace,ada@example.org,,\nBob,bob@example.org,,\nCy,cy@example.org,,\n")
	if !strings.Contains(errOut, "delta: 2 rows unchanged since the last run (skipped), 1 sent") || e.emu.Stats().Writes-writes != 1 {
		t.Errorf("second run wrote %d times:\n%s", e.emu.Stats().Writes-writes, errOut)
	}
	before := e.emu.Stats()
	errOut = night("n3", "Name,Email,Phone,Company\nAda Lovelace,ada@example.org,,\nBob,bob@example.org,,\n", "--gone", "ignore")
	if !strings.Contains(errOut, "delta: 2 rows unchanged since the last run (skipped), 0 sent") ||
		!strings.Contains(errOut, "delta: 1 rows gone from the source") {
		t.Errorf("third run:\n%s", errOut)
	}
	// Only the schema the mapping needs is read: no record, no event.
	after := e.emu.Stats()
	for k, n := range after.ByEndpoint {
		if d := n - before.ByEndpoint[k]; d > 0 && !strings.Contains(k, "custom_fields") && !strings.Contains(k, "pipelines") &&
			!strings.HasSuffix(k, "/account") && !strings.HasSuffix(k, "/users") {
			t.Errorf("a run of an unchanged source: %d requests %s", d, k)
		}
	}
	if after.Writes != before.Writes {
		t.Errorf("a run of an unchanged source wrote %d times", after.Writes-before.Writes)
	}
	if code, _, errOut := e.run(t, "import", in, "--mapping", filepath.Join(e.dir, "contacts.yaml"), "--delta", state, "--on-conflict", "mine"); code != exitUsage || !strings.Contains(errOut, "keep-kommo") {
		t.Errorf("bad --on-conflict = %d\n%s", code, errOut)
	}
}

// TestPrintKept: undo lists each kept field on a line of its own.
func TestPrintKept(t *testing.T) {
	var sb strings.Builder
	printKept(&sb, nil)
	if sb.Len() != 0 {
		t.Errorf("nothing kept printed %q", sb.String())
	}
	printKept(&sb, []bulk.KeptField{{Entity: kommo.EntityLeads, ID: 12, Field: "name", By: 1002, ByName: "Boris Manager", At: 1796220120}})
	want := "kept 1 fields changed in Kommo after the import:\n  lead 12 name: kept: changed by Boris Manager at " +
		time.Unix(1796220120, 0).In(time.Local).Format("2006-01-02 15:04 MST") + "\n"
	if sb.String() != want {
		t.Errorf("printed %q, want %q", sb.String(), want)
	}
}
