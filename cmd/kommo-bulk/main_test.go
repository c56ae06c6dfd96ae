package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// syncBuffer is a bytes.Buffer safe for a command writing while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testMain(env map[string]string) (*Main, *syncBuffer, *syncBuffer) {
	out, errb := &syncBuffer{}, &syncBuffer{}
	return &Main{Stdin: strings.NewReader(""), Stdout: out, Stderr: errb, Getenv: func(k string) string { return env[k] }}, out, errb
}

func TestUsageAndExitCodes(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		out, err string
	}{
		{name: "no args", args: nil, code: exitUsage, out: "Commands:"},
		{name: "help", args: []string{"help"}, code: exitOK, out: "emulator"},
		{name: "--help", args: []string{"--help"}, code: exitOK, out: "Exit codes"},
		{name: "help emulator", args: []string{"help", "emulator"}, code: exitOK, err: "-state"},
		{name: "emulator -h", args: []string{"emulator", "-h"}, code: exitOK, err: "Usage: kommo-bulk emulator"},
		{name: "demo -h", args: []string{"demo", "--help"}, code: exitOK, err: "Usage: kommo-bulk demo"},
		{name: "unknown command", args: []string{"frobnicate"}, code: exitUsage, err: `unknown command "frobnicate"`},
		{name: "bad flag", args: []string{"emulator", "--nope"}, code: exitUsage, err: "Try: kommo-bulk emulator -h"},
		{name: "emulator without token", args: []string{"emulator"}, code: exitUsage, err: "no token"},
		{name: "stray argument", args: []string{"emulator", "--token", "x", "extra"}, code: exitUsage, err: `unexpected argument "extra"`},
		{name: "version", args: []string{"version"}, code: exitOK, out: "kommo-bulk dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, out, errb := testMain(nil)
			if code := m.Run(t.Context(), tt.args); code != tt.code {
				t.Errorf("Run(%q) = %d, want %d\nstdout: %s\nstderr: %s", tt.args, code, tt.code, out, errb)
			}
			if !strings.Contains(out.String(), tt.out) {
				t.Errorf("stdout %q does not contain %q", out, tt.out)
			}
			if !strings.Contains(errb.String(), tt.err) {
				t.Errorf("stderr %q does not contain %q", errb, tt.err)
			}
		})
	}
}

func TestEmulatorCommandServesAndPersists(t *testing.T) {
	const secret = "s3cret-emulator-token"
	state := filepath.Join(t.TempDir(), "state.json")
	m, _, errb := testMain(map[string]string{"KOMMO_TOKEN": secret})
	ctx, cancel := context.WithCancel(t.Context())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	cmd := &EmulatorCommand{m: m, ready: func(a string) { addrc <- a }}
	go func() { done <- cmd.Run(ctx, []string{"--addr", "127.0.0.1:0", "--state", state, "--rate", "0"}) }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("emulator exited: %v\n%s", err, errb)
	case <-time.After(10 * time.Second):
		t.Fatal("emulator did not start")
	}

	c, err := kommo.NewClient("http://"+addr, kommo.WithToken(secret), kommo.WithRateLimit(rate.Inf, 1))
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := c.Leads.Create(ctx, []kommo.LeadRequest{{Name: "Persisted"}})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("emulator Run = %v", err)
	}
	if strings.Contains(errb.String(), secret) {
		t.Errorf("the token was printed: %s", errb)
	}
	if !strings.Contains(errb.String(), "listening on http://"+addr) {
		t.Errorf("stderr = %s", errb)
	}

	b, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Leads []struct {
			ID   int    `json:"id"`
			Name string `json:"name"`
		} `json:"leads"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Leads) != 1 || st.Leads[0].ID != res[0].ID || st.Leads[0].Name != "Persisted" {
		t.Errorf("state leads = %+v", st.Leads)
	}

	// A second run loads the state back.
	m2, _, errb2 := testMain(map[string]string{"KOMMO_TOKEN": secret})
	ctx2, cancel2 := context.WithCancel(t.Context())
	defer cancel2()
	cmd2 := &EmulatorCommand{m: m2, ready: func(a string) { addrc <- a }}
	go func() { done <- cmd2.Run(ctx2, []string{"--addr", "127.0.0.1:0", "--state", state, "--rate", "0"}) }()
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("emulator exited: %v\n%s", err, errb2)
	}
	c2, _ := kommo.NewClient("http://"+addr, kommo.WithToken(secret), kommo.WithRateLimit(rate.Inf, 1))
	l, _, err := c2.Leads.Get(ctx2, res[0].ID)
	if err != nil || l.Name != "Persisted" {
		t.Errorf("reloaded lead = %+v, %v", l, err)
	}
	cancel2()
	<-done
}

func TestDemo(t *testing.T) {
	out := t.TempDir()
	m, stdout, errb := testMain(nil)
	// Tests run in the package directory; the demo data is at the root.
	args := []string{"demo", "--data", "../../testdata/demo", "--out", out, "--rate", "1000"}
	if code := m.Run(t.Context(), args); code != exitOK {
		t.Fatalf("demo = %d\n%s\n%s", code, stdout, errb)
	}
	for _, want := range []string{
		"1. companies.csv  create 3 rows: 3 landed, 0 with warnings, 0 failed (3 created, 0 updated)",
		// Edsger's phone has no digits and Barbara's company is in no
		// file: they land, with warnings.
		"2. contacts.csv   upsert 6 rows: 6 landed, 2 with warnings, 0 failed (6 created, 0 updated)",
		"Phone: 1 row left out (no digits in it)",
		"Company ID: 1 row landed without its link (the company is in no file of this run",
		// A task's lead is required: the one for an unknown deal fails.
		"4. tasks.csv      create 4 rows: 3 landed, 0 with warnings, 1 failed (3 created, 0 updated)",
		`row 5 column "Deal ID": refers to lead "D-7", which no imported row has (the reference is required)`,
		"Analytical engine         12500  Qualified     Boris Manager  Ada Lovelace       Acme GmbH    1      hardware, priority, demo",
		"Enigma audit              9900   Closed - won",
		"exported leads to " + filepath.Join(out, "export-leads.xlsx"),
		"0 answered 429",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, stdout)
		}
	}
	for _, f := range []string{"contacts.success.csv", "tasks.errors.csv", "leads.journal", "export-contacts.xlsx"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("demo left no %s: %v", f, err)
		}
	}
	success, err := os.ReadFile(filepath.Join(out, "contacts.success.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`Phone: phone_left_out: left out: invalid phone number: not a phone number`, `Company ID: ref_not_found: not linked: no company ""C-9"" in this run or the journals given`} {
		if !strings.Contains(string(success), want) {
			t.Errorf("contacts.success.csv lacks %q:\n%s", want, success)
		}
	}
}
