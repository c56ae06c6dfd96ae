package main

import (
	"os"
	"path/filepath"
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
	os.MkdirAll(filepath.Join(e.dir, "results"), 0o755)
	os.MkdirAll(filepath.Join(e.dir, "out"), 0o755)
	code, out, errOut := e.run(t, "run", job)
	if code != exitRowErrors {
		t.Fatalf("run exit %d, want %d (the demo contacts have bad rows)\n%s\n%s", code, exitRowErrors, out, errOut)
	}
	st := e.emu.Snapshot()
	if len(st.Companies) != 3 || len(st.Contacts) != 4 {
		t.Fatalf("%d companies, %d contacts; want 3 and 4", len(st.Companies), len(st.Contacts))
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
	code, _, errOut = e.run(t, "run", job)
	if code != exitOK {
		t.Fatalf("second run exit %d\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "was imported before") || e.emu.Stats().Writes != writes {
		t.Errorf("second run wrote %d times:\n%s", e.emu.Stats().Writes-writes, errOut)
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
