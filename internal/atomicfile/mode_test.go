package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "dir", "state.json")
	for _, data := range []string{`{"a":1}`, `{"b":2}`} {
		if err := WriteFile(path, []byte(data), 0o755); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != data {
			t.Fatalf("read %q, %v; want %q", got, err, data)
		}
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, %v; want 0600", st.Mode(), err)
	}
	left, _ := os.ReadDir(filepath.Dir(path))
	if len(left) != 1 {
		t.Errorf("directory holds %d files, want the state alone (no temporary file left)", len(left))
	}
	// A directory where the file should go: the write fails and leaves
	// no temporary file behind.
	if err := os.Mkdir(filepath.Join(filepath.Dir(path), "taken"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(filepath.Dir(path), "taken"), []byte("x"), 0o755); err == nil {
		t.Error("rename over a directory succeeded")
	}
	if left, _ := os.ReadDir(filepath.Dir(path)); len(left) != 2 {
		t.Errorf("after a failed write the directory holds %d entries, want 2", len(left))
	}
}
