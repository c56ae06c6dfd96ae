//go:build unix

package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignals runs the binary and signals it: a first SIGTERM ends a
// command through its context, with a message; a second signal ends even
// a command stuck where it cannot see its context, at once, with 128 + the
// signal's number.
func TestSignals(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "kommo-bulk")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	// start runs the binary; wait waits for it (30 s at most: a hang
	// guard) and returns its exit code.
	start := func(t *testing.T, env []string, args ...string) (*exec.Cmd, *syncBuffer) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		errb := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = &syncBuffer{}, errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() })
		return cmd, errb
	}
	wait := func(t *testing.T, cmd *exec.Cmd, errb *syncBuffer) int {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Fatal(err)
			}
			return cmd.ProcessState.ExitCode()
		case <-time.After(30 * time.Second):
			t.Fatalf("%s has not exited 30 s after the signal:\n%s", cmd.Args[1], errb)
		}
		return 0
	}
	// await fails the test if errb does not say want within 30 s.
	await := func(t *testing.T, errb *syncBuffer, want string) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !strings.Contains(errb.String(), want); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q on stderr after 30 s:\n%s", want, errb)
			}
		}
	}

	t.Run("SIGTERM ends map", func(t *testing.T) {
		// The account answers nothing: map waits for the schema.
		asked := make(chan struct{}, 1)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case asked <- struct{}{}:
			default:
			}
			<-r.Context().Done()
		}))
		t.Cleanup(srv.Close)
		input := filepath.Join(t.TempDir(), "contacts.csv")
		if err := os.WriteFile(input, []byte("Name,Email\nAda,ada@example.org\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd, errb := start(t, []string{"KOMMO_BASE_URL=" + srv.URL, "KOMMO_TOKEN=cli-token"}, "map", input, "--entity", "contacts", "--rate", "0")
		select {
		case <-asked:
		case <-time.After(30 * time.Second):
			t.Fatalf("map asked nothing in 30 s:\n%s", errb)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		code := wait(t, cmd, errb)
		if code <= 0 || code == 143 || !strings.Contains(errb.String(), "kommo-bulk: stopping") || !strings.Contains(errb.String(), "kommo-bulk: interrupted") {
			t.Errorf("exit %d, stderr:\n%s\nwant a failure through the context, saying it stops and was interrupted", code, errb)
		}
	})

	for _, sig := range []struct {
		name string
		sig  syscall.Signal
		code int
	}{{"SIGINT", syscall.SIGINT, 130}, {"SIGTERM", syscall.SIGTERM, 143}} {
		t.Run("second "+sig.name, func(t *testing.T) {
			// import reads its mapping from a pipe that stays open and
			// silent: a read no context ends.
			e := newCLIEnv(t)
			input := e.write(t, "contacts.csv", "Name,Email,Phone,Company\nAda,ada@example.org,,Acme\n")
			spec := filepath.Join(e.dir, "spec.yaml")
			if err := syscall.Mkfifo(spec, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd, errb := start(t, []string{"KOMMO_BASE_URL=" + e.url, "KOMMO_TOKEN=cli-token"}, "import", input, "--mapping", spec, "--rate", "0")
			opened := make(chan *os.File, 1)
			go func() {
				// Returns once import has opened the pipe to read it.
				w, err := os.OpenFile(spec, os.O_WRONLY, 0)
				if err != nil {
					t.Error(err)
				}
				opened <- w
			}()
			select {
			case w := <-opened:
				if w != nil {
					defer w.Close()
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("import has not opened its mapping in 30 s:\n%s", errb)
			}
			cmd.Process.Signal(sig.sig)
			await(t, errb, "kommo-bulk: stopping")
			cmd.Process.Signal(sig.sig)
			code := wait(t, cmd, errb)
			if code != sig.code || !strings.Contains(errb.String(), "kommo-bulk: interrupted again, exiting now") {
				t.Errorf("exit %d, stderr:\n%s\nwant %d and the message", code, errb, sig.code)
			}
		})
	}
}
