package main

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/time/rate"
)

// TestRunStepsStartAtTheConfiguredRate runs a job of two imports on one
// process budget: the first step draws a 429, which halves the rate, and
// ends before it recovers; the second step starts at the job's rate again.
func TestRunStepsStartAtTheConfiguredRate(t *testing.T) {
	e := newCLIEnv(t)
	b, err := os.ReadFile("../../testdata/demo/companies.csv")
	if err != nil {
		t.Fatal(err)
	}
	e.write(t, "companies.csv", string(b))
	b, err = os.ReadFile("../../testdata/demo/companies.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e.write(t, "companies.yaml", string(b))
	os.MkdirAll(filepath.Join(e.dir, "first"), 0o755)
	os.MkdirAll(filepath.Join(e.dir, "second"), 0o755)
	job := e.write(t, "job.yaml", `connection: {rate: 1000}
steps:
  - import: {input: companies.csv, mapping: companies.yaml, results: first}
  - import: {input: companies.csv, mapping: companies.yaml, mode: upsert, results: second}
`)
	m, _, errb := testMain(e.env)
	m.Limiter = rate.NewLimiter(1000, 1)
	e.emu.FailNext(1, http.StatusTooManyRequests)
	if code := m.Run(t.Context(), []string{"run", job}); code != exitOK {
		t.Fatalf("run exit %d\n%s", code, errb)
	}
	if n := e.emu.Stats().ByStatus[http.StatusTooManyRequests]; n != 1 {
		t.Fatalf("%d 429s answered, want 1", n)
	}
	if n := len(e.emu.Snapshot().Companies); n != 3 {
		t.Errorf("%d companies, want 3 (the second step upserts them)", n)
	}
	if got := m.Limiter.Limit(); got != 1000 {
		t.Errorf("after the second step the rate is %v, want the configured 1000 (the first step's 429 halved it to 500)", got)
	}
}
