package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMigrateDelta: migrate --delta records the first run; after a deal's
// amount changed in the source, the re-run writes that deal alone (not
// its links, which did not change) and
// says per file what it skipped; a run of the unchanged source writes
// nothing and reads only the schema.
func TestMigrateDelta(t *testing.T) {
	e := newCLIEnv(t)
	src := filepath.Join(e.dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, p := range hubspotFiles(t) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(src, filepath.Base(p))
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, dst)
	}
	tables := fixtureFiles(t, "hubspot", "tables.yaml")[0]
	state := filepath.Join(e.dir, "state")
	var out string
	run := func(job string) string {
		t.Helper()
		args := append([]string{"migrate", "--from", "hubspot", "--create-fields", "--tables", tables, "--results", e.dir, "--rate", "0",
			"--job", job, "--delta", state}, files...)
		code, o, errOut := e.run(t, args...)
		out = o
		if code != exitOK {
			t.Fatalf("%s = exit %d\n%s\n%s", job, code, out, errOut)
		}
		return errOut
	}
	errOut := run("m1")
	if !strings.Contains(errOut, "delta: hubspot-crm-exports-all-deals-2024-03-15.csv: 0 rows unchanged since the last run (skipped), 4 sent, 0 conflicts, 0 gone from the source (first delta run: no state yet)") {
		t.Errorf("first run:\n%s", errOut)
	}
	for _, name := range []string{"companies", "contacts", "leads", "tasks"} {
		if _, err := os.Stat(filepath.Join(state, name+".delta.json")); err != nil {
			t.Error(err)
		}
	}
	deals := files[0]
	b, _ := os.ReadFile(deals)
	if err := os.WriteFile(deals, []byte(strings.Replace(string(b), "Globex renewal,9900,", "Globex renewal,9950,", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	before := e.emu.Stats()
	errOut = run("m2")
	after := e.emu.Stats()
	for _, want := range []string{
		"delta: hubspot-crm-exports-all-deals-2024-03-15.csv: 3 rows unchanged since the last run (skipped), 1 sent, 0 conflicts, 0 gone from the source\n",
		"delta: hubspot-crm-exports-all-contacts-2024-03-15.csv: 5 rows unchanged since the last run (skipped), 0 sent",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("second run lacks %q:\n%s", want, errOut)
		}
	}
	if w := after.Writes - before.Writes; w != 1 || after.ByEndpoint["PATCH /api/v4/leads"]-before.ByEndpoint["PATCH /api/v4/leads"] != 1 {
		t.Errorf("second run: %d writes, want the deal's update alone (its links did not change)", w)
	}
	if !strings.Contains(out, "hubspot-crm-exports-all-contacts-2024-03-15.csv contacts  6 rows: 6 landed, 0 with warnings, 0 failed (0 created, 0 updated, 1 merged, 0 skipped)") {
		t.Errorf("second run's summary:\n%s", out)
	}
	if !strings.Contains(accountText(e.emu.Snapshot()), `lead "Globex renewal" price=9950 `) {
		t.Errorf("the deal's new amount did not land:\n%s", accountText(e.emu.Snapshot()))
	}
	md, err := os.ReadFile(filepath.Join(e.dir, "m2-report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "| hubspot-crm-exports-all-deals-2024-03-15.csv | leads | 3 | 1 | 0 | 0 |") {
		t.Errorf("report lacks the deals' delta counts:\n%s", md)
	}

	before = e.emu.Stats()
	run("m3")
	after = e.emu.Stats()
	if after.Writes != before.Writes {
		t.Errorf("a run of an unchanged source wrote %d times", after.Writes-before.Writes)
	}
	for k, n := range after.ByEndpoint {
		if d := n - before.ByEndpoint[k]; d > 0 && !strings.Contains(k, "custom_fields") && !strings.Contains(k, "pipelines") &&
			!strings.HasSuffix(k, "/account") && !strings.HasSuffix(k, "/users") && !strings.HasSuffix(k, "/task_types") {
			t.Errorf("a run of an unchanged source: %d requests %s", d, k)
		}
	}
}
