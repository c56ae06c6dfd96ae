package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestRunJobFile(t *testing.T) {
	e := newCLIEnv(t)
	// The job names the variables; the test environment holds them under
	// other names than the defaults.
	e.env = map[string]string{"CRM_URL": e.url, "CRM_TOKEN": "cli-token"}
	for _, name := range []string{"companies.csv", "companies.yaml", "contacts.csv", "contacts.yaml"} {
		b, err := os.ReadFile(filepath.Join("../../testdata/demo", name))
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(e.dir, "in", name)
		if strings.HasSuffix(name, ".yaml") {
			dst = filepath.Join(e.dir, name)
		}
		os.MkdirAll(filepath.Dir(dst), 0o755)
		os.WriteFile(dst, b, 0o644)
	}
	os.MkdirAll(filepath.Join(e.dir, "results"), 0o755) // (TestRunJobFile runs without it)
	job := e.write(t, "nightly.yaml", `connection:
  base_url_env: CRM_URL
  token_env: CRM_TOKEN
  rate: -1
steps:
  - import:
      input: in/companies*.csv
      mapping: companies.yaml
      results: results
  - import:
      input: in/contacts*.csv
      mapping: contacts.yaml
      mode: upsert
      results: results
      refs: [results/companies*.journal]
  - export:
      entity: contacts
      output: out/contacts-{date}.csv
      filters: {query: "@acme.example"}
`)
	// results/ and out/ do not exist yet: run makes them.
	code, out, errOut := e.run(t, "run", job)
	if code != exitOK {
		t.Fatalf("run exit %d, want %d (the demo contacts all land, two with warnings)\n%s\n%s", code, exitOK, out, errOut)
	}
	st := e.emu.Snapshot()
	if len(st.Companies) != 3 || len(st.Contacts) != 6 {
		t.Fatalf("%d companies, %d contacts; want 3 and 6", len(st.Companies), len(st.Contacts))
	}
	if !strings.Contains(out, "; 2 rows landed with warnings (see its success file)") || !strings.Contains(out, "6 rows: 6 landed, 2 with warnings, 0 failed") {
		t.Errorf("run's summary does not count the warnings:\n%s", out)
	}
	exports, _ := filepath.Glob(filepath.Join(e.dir, "out", "contacts-*.csv"))
	if len(exports) != 1 {
		t.Fatalf("exports = %v", exports)
	}
	recs := readResultCSV(t, exports[0])
	if len(recs) != 3 { // header + Ada and Alan of Acme
		t.Errorf("export rows = %d: %q", len(recs), recs)
	}

	// The same line again: both files were imported; nothing is written twice.
	writes := e.emu.Stats().Writes
	code, out, errOut = e.run(t, "run", job)
	if code != exitOK {
		t.Fatalf("second run exit %d\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "was imported before") || e.emu.Stats().Writes != writes {
		t.Errorf("second run wrote %d times:\n%s", e.emu.Stats().Writes-writes, errOut)
	}
	if !strings.Contains(out, "step 2: 1 skipped\n  skipped   "+filepath.Join(e.dir, "in", "contacts.csv")+": imported before with the same content") {
		t.Errorf("second run's summary:\n%s", out)
	}

	bad := e.write(t, "bad.yaml", "steps:\n  - import: {input: x.csv}\n    export: {entity: leads}\n")
	if code, _, _ := e.run(t, "run", bad); code != exitFailed {
		t.Errorf("a step with both import and export: exit %d", code)
	}
	typo := e.write(t, "typo.yaml", "stepz: []\n")
	if code, _, errOut := e.run(t, "run", typo); code != exitFailed || !strings.Contains(errOut, "stepz") {
		t.Errorf("unknown key: exit %d: %s", code, errOut)
	}
}

// TestRunNightlyFileWithAFixedName runs a job whose input has the same
// name every night: new content is a new job, whatever the name's
// journal says; the same content is skipped; each run says which and why.
func TestRunNightlyFileWithAFixedName(t *testing.T) {
	e := newCLIEnv(t)
	input := filepath.Join(e.dir, "incoming", "contacts.csv")
	os.MkdirAll(filepath.Join(e.dir, "results"), 0o755) // (TestRunJobFile runs without it)
	job := e.write(t, "nightly.yaml", "connection: {rate: -1}\nsteps:\n  - import: {input: incoming/contacts.csv, mapping: contacts.yaml, mode: upsert, results: results}\n")
	night := func(content string) string {
		t.Helper()
		os.MkdirAll(filepath.Dir(input), 0o755)
		if err := os.WriteFile(input, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := e.run(t, "run", job)
		if code != exitOK {
			t.Fatalf("run = exit %d\n%s\n%s", code, out, errOut)
		}
		return out
	}
	journals := func() []string {
		ms, _ := filepath.Glob(filepath.Join(e.dir, "results", "*.journal"))
		return ms
	}
	names := func() []string {
		var out []string
		for _, c := range e.emu.Snapshot().Contacts {
			out = append(out, c.Name)
		}
		return out
	}

	out := night("Name,Email,Phone,Company\nAda,ada@example.org,,\nBob,bob@example.org,,\n")
	if !strings.Contains(out, "step 1: 1 imported\n  imported  "+input+": new file") {
		t.Errorf("first night's summary:\n%s", out)
	}
	first := journals()
	if len(first) != 1 {
		t.Fatalf("journals after the first night = %v", first)
	}

	// Tonight's file replaces yesterday's, with a new row and a changed one.
	out = night("Name,Email,Phone,Company\nAda Lovelace,ada@example.org,,\nBob,bob@example.org,,\nCy,cy@example.org,,\n")
	if !strings.Contains(out, "step 1: 1 imported\n  imported  "+input+": new content") || !strings.Contains(out, "differs from the 1 earlier import(s)") {
		t.Errorf("second night's summary:\n%s", out)
	}
	if got, want := strings.Join(names(), ","), "Ada Lovelace,Bob,Cy"; got != want {
		t.Errorf("contacts after the second night = %s, want %s", got, want)
	}
	if js := journals(); len(js) != 2 || !slices.Contains(js, first[0]) {
		t.Errorf("journals after the second night = %v: yesterday's %s must stay", js, first[0])
	}

	// The same content again is skipped.
	writes := e.emu.Stats().Writes
	out = night("Name,Email,Phone,Company\nAda Lovelace,ada@example.org,,\nBob,bob@example.org,,\nCy,cy@example.org,,\n")
	if !strings.Contains(out, "step 1: 1 skipped\n  skipped   "+input+": imported before with the same content") || e.emu.Stats().Writes != writes {
		t.Errorf("third night (same file) wrote %d times:\n%s", e.emu.Stats().Writes-writes, out)
	}

	// A journal an earlier version named after the file alone still
	// counts for its own content, and only for it.
	legacy := filepath.Join(e.dir, "results", "contacts.journal")
	if err := os.Rename(first[0], legacy); err != nil {
		t.Fatal(err)
	}
	out = night("Name,Email,Phone,Company\nAda,ada@example.org,,\nBob,bob@example.org,,\n")
	if !strings.Contains(out, "skipped   "+input+": imported before with the same content ("+legacy+")") {
		t.Errorf("a file imported under the old journal name:\n%s", out)
	}
}
