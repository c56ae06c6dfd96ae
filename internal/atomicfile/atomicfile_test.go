package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// A committed file replaces the old one whole; an aborted one leaves the
// old file and no temporary file behind.
func TestCommitAndAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("half of the new"))
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("while writing, the file reads %q, want the old one", b)
	}
	f.Abort()
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("after Abort the file reads %q, want the old one", b)
	}
	if n := entries(t, dir); len(n) != 1 {
		t.Errorf("after Abort the directory holds %v, want only out.csv", n)
	}

	f, err = Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	f.Write([]byte("new"))
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Abort() // deferred after a Commit: nothing
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("after Commit the file reads %q, want new", b)
	}
	if n := entries(t, dir); len(n) != 1 {
		t.Errorf("after Commit the directory holds %v", n)
	}
	if err := f.Commit(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("a second Commit = %v, want os.ErrClosed", err)
	}
}

// WriteFile creates the directory and leaves no temporary file when the
// rename fails (a directory stands where the file should go).
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a", "b", "state.json")
	if err := WriteFile(path, []byte("{}"), 0o755); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "{}" {
		t.Errorf("file reads %q", b)
	}
	blocked := filepath.Join(dir, "dir")
	if err := os.MkdirAll(filepath.Join(blocked, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(blocked, []byte("x"), 0o755); err == nil {
		t.Error("WriteFile over a non-empty directory = nil error")
	}
	if n := entries(t, dir); len(n) != 2 {
		t.Errorf("after a failed WriteFile the directory holds %v, want a and dir", n)
	}
}
