package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// TestMain points the user's cache directory (the shared rate budget's
// default home) at a temporary one, for the commands these tests run in
// process and the ones they start.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kommo-bulk-cache-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// tooManyOnFirstWrite answers the first POST to path with the emulator's
// 429 and passes everything else through.
type tooManyOnFirstWrite struct {
	emu  *kt.Server
	path string
	done atomic.Bool
}

func (h *tooManyOnFirstWrite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == h.path && h.done.CompareAndSwap(false, true) {
		h.emu.FailNext(1, http.StatusTooManyRequests)
	}
	h.emu.ServeHTTP(w, r)
}

// TestImport429StopsWithResumeTime: Kommo's 429 asks to wait 300 s,
// longer than the client waits: the import stops at once with exit 75 and
// a message that says when to resume and how; the journal is intact. The
// wait is in the host's shared rate budget, so a resume started before it
// ends stops too, without sending a request; once it is over the resume
// writes every row once.
func TestImport429StopsWithResumeTime(t *testing.T) {
	emu, err := kt.NewServer(kt.Options{Tokens: []string{"cli-token"}, Rate: rate.Inf, RateLimitJSON: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&tooManyOnFirstWrite{emu: emu, path: "/api/v4/contacts"})
	defer srv.Close()
	dir := t.TempDir()
	cache := filepath.Join(dir, "cache")
	env := map[string]string{"KOMMO_BASE_URL": srv.URL, "KOMMO_TOKEN": "cli-token", "KOMMO_BULK_CACHE_DIR": cache}
	spec := filepath.Join(dir, "contacts.yaml")
	os.WriteFile(spec, []byte(contactsSpec), 0o644)
	input := filepath.Join(dir, "people.csv")
	var b strings.Builder
	b.WriteString("Name,Email,Phone,Company\n")
	for i := range 5 {
		fmt.Fprintf(&b, "P%d,p%d@x.org,,\n", i, i)
	}
	os.WriteFile(input, []byte(b.String()), 0o644)
	run := func(args ...string) (int, string, string) {
		m, out, errb := testMain(env)
		return m.Run(t.Context(), args), out.String(), errb.String()
	}

	before := time.Now()
	code, out, errOut := run("import", "--mapping", spec, "--mode", "create", "--job", "j429", "--json", input)
	if code != exitRetryLater {
		t.Fatalf("exit %d, want %d\n%s", code, exitRetryLater, errOut)
	}
	journal := filepath.Join(dir, "j429.journal")
	m := regexp.MustCompile(`Kommo asked to wait 300 s; resume after ([0-9: -]+) with: kommo-bulk import --resume (\S+)\n`).FindStringSubmatch(errOut)
	if m == nil || m[2] != journal {
		t.Fatalf("stderr does not say when and how to resume:\n%s", errOut)
	}
	at, err := time.ParseInLocation("15:04", m[1], time.Local)
	if err == nil {
		y, mo, d := before.Date()
		at = time.Date(y, mo, d, at.Hour(), at.Minute(), 0, 0, time.Local)
	} else if at, err = time.ParseInLocation("2006-01-02 15:04", m[1], time.Local); err != nil {
		t.Fatal(err)
	}
	// Kommo's wait ends 300 s after the 429; the time shown is the next
	// whole minute.
	if earliest, latest := before.Add(300*time.Second), time.Now().Add(300*time.Second+time.Minute); at.Before(earliest) || at.After(latest) {
		t.Errorf("resume after %v, want a minute from %v to %v", at, earliest, latest)
	}
	var res struct {
		Error failure `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Error.Code != "rate_limited" || res.Error.Exit != exitRetryLater ||
		!strings.Contains(res.Error.Hint, "after") {
		t.Errorf("--json error = %+v (%v)\n%s", res.Error, err, out)
	}
	if n := len(emu.Snapshot().Contacts); n != 0 {
		t.Fatalf("%d contacts written before the stop", n)
	}
	budget := kommo.SharedBudgetFile(filepath.Join(cache, "rate"), srv.URL)
	if data, err := os.ReadFile(budget); err != nil || !strings.Contains(string(data), "pause_until") {
		t.Fatalf("shared budget %s: %s %v", budget, data, err)
	}

	// A resume before the wait is over does not reach Kommo.
	sent := emu.Stats().Requests
	if code, _, errOut := run("import", "--resume", journal); code != exitRetryLater || !strings.Contains(errOut, "again after") {
		t.Errorf("early resume: exit %d\n%s", code, errOut)
	}
	if n := emu.Stats().Requests - sent; n != 0 {
		t.Errorf("an early resume sent %d requests", n)
	}

	// The wait is over (as if 300 s had passed).
	if err := os.WriteFile(budget, []byte(`{"sends":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run("import", "--resume", journal); code != exitOK {
		t.Fatalf("resume: exit %d\n%s", code, errOut)
	}
	names := map[string]int{}
	for _, c := range emu.Snapshot().Contacts {
		names[c.Name]++
	}
	if len(names) != 5 {
		t.Errorf("contacts after the resume: %v", names)
	}
	for n, k := range names {
		if k != 1 {
			t.Errorf("%s written %d times", n, k)
		}
	}
}
