package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/time/rate"

	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// stopAfter lets the first n POSTs to path through, then answers 402 (the
// account's subscription ran out) until it is let go.
type stopAfter struct {
	h    http.Handler
	path string
	left atomic.Int64
	off  atomic.Bool
}

func (s *stopAfter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.off.Load() && r.Method == http.MethodPost && r.URL.Path == s.path && s.left.Add(-1) < 0 {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusPaymentRequired)
		w.Write([]byte(`{"title":"Payment Required","status":402,"detail":"account is not paid"}`))
		return
	}
	s.h.ServeHTTP(w, r)
}

// TestMigrateResumeCountsWhatItCreated stops a migration after its first
// task was created and resumes it: the report counts both tasks as
// created, not the first as a task that was in Kommo already.
func TestMigrateResumeCountsWhatItCreated(t *testing.T) {
	emu, err := kt.NewServer(kt.Options{Tokens: []string{"cli-token"}, Rate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	stop := &stopAfter{h: emu, path: "/api/v4/tasks"}
	stop.left.Store(1)
	srv := httptest.NewServer(stop)
	t.Cleanup(func() { srv.Close(); emu.Close() })
	e := &cliEnv{emu: emu, url: srv.URL, dir: t.TempDir(), env: map[string]string{"KOMMO_BASE_URL": srv.URL, "KOMMO_TOKEN": "cli-token"}}
	tables := fixtureFiles(t, "hubspot", "tables.yaml")[0]
	args := append([]string{"migrate", "--from", "hubspot", "--create-fields", "--tables", tables, "--results", e.dir, "--rate", "0", "--batch", "1", "--workers", "1"}, hubspotFiles(t)...)
	code, out, errb := e.run(t, append(args, "--job", "t")...)
	if code != exitFailed || len(emu.Snapshot().Tasks) != 1 {
		t.Fatalf("migrate with the second task refused = %d, %d tasks\n%s\n%s", code, len(emu.Snapshot().Tasks), out, errb)
	}
	stop.off.Store(true)
	code, out, errb = e.run(t, append(args, "--resume", "t")...)
	if code != exitOK {
		t.Fatalf("migrate --resume = %d\n%s\n%s", code, out, errb)
	}
	for _, want := range []string{
		"companies 3 rows: 3 landed, 0 with warnings, 0 failed (3 created, 0 updated, 0 merged, 0 skipped)",
		"contacts  6 rows: 6 landed, 1 with warnings, 0 failed (5 created, 0 updated, 1 merged, 0 skipped)",
		"leads     4 rows: 4 landed, 0 with warnings, 0 failed (4 created, 0 updated, 0 merged, 0 skipped)",
		"tasks     2 rows: 2 landed, 0 with warnings, 0 failed (2 created, 0 updated, 0 merged, 0 skipped)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report after the resume lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "already in Kommo") {
		t.Errorf("a task the stopped run created is reported as one the account had:\n%s", out)
	}
	if got := accountText(emu.Snapshot()); got != hubspotWant {
		t.Errorf("account after the resume:\n%s\nwant:\n%s", got, hubspotWant)
	}
}
