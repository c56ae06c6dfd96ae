package bulk

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

func TestLockJournalIsExclusive(t *testing.T) {
	e := newTestEnv(t)
	o := e.opts("held", kommo.EntityContacts, ModeCreate)
	l, err := LockJournal(o.Journal)
	if err != nil {
		t.Fatal(err)
	}
	// The lock file names its holder.
	var h LockHolder
	if err := json.Unmarshal(mustReadFile(t, o.Journal+".lock"), &h); err != nil || h.PID != os.Getpid() || h.Command == "" || h.Started.IsZero() {
		t.Errorf("lock file holder = %+v (%v)", h, err)
	}

	// A second open file of the same lock fails, in this process too:
	// flock locks belong to the open file.
	_, err = LockJournal(o.Journal)
	var le *LockedError
	if !errors.Is(err, ErrJournalLocked) || !errors.As(err, &le) || le.Holder.PID != os.Getpid() {
		t.Fatalf("second LockJournal = %v, want a *LockedError naming pid %d", err, os.Getpid())
	}
	if msg := err.Error(); !strings.Contains(msg, o.Journal) || !strings.Contains(msg, fmt.Sprintf("pid %d", os.Getpid())) {
		t.Errorf("error = %q, want the journal and the holder's pid", msg)
	}
	// An import and an undo of a held journal stop before reading or
	// writing anything.
	if _, err := Import(t.Context(), e.c, items(contactRow(2, "A", "", "")), o); !errors.Is(err, ErrJournalLocked) {
		t.Errorf("Import of a held journal: err = %v", err)
	}
	if _, err := os.Stat(o.Journal); !os.IsNotExist(err) {
		t.Errorf("Import of a held journal created it: %v", err)
	}
	if n := len(e.emu.Snapshot().Contacts); n != 0 {
		t.Errorf("Import of a held journal wrote %d contacts", n)
	}
	// The holder may hand its lock to Import.
	o.Lock = l
	if _, err := Import(t.Context(), e.c, items(contactRow(2, "A", "", "")), o); err != nil {
		t.Fatalf("Import with the caller's lock: %v", err)
	}
	if _, err := Undo(t.Context(), e.c, o.Journal); !errors.Is(err, ErrJournalLocked) {
		t.Errorf("Undo of a held journal: err = %v", err)
	}

	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(o.Journal + ".lock"); !os.IsNotExist(err) {
		t.Errorf("lock file left after Unlock: %v", err)
	}
	if _, err := Undo(t.Context(), e.c, o.Journal); err != nil {
		t.Errorf("Undo after Unlock: %v", err)
	}
	l2, err := LockJournal(o.Journal)
	if err != nil {
		t.Fatalf("LockJournal after Unlock: %v", err)
	}
	l2.Unlock()
}

// TestLockJournalHeldByAnotherProcess holds a journal in a child process
// (this test binary, run as TestLockHolderProcess), checks that this
// process is refused with the child's pid, kills the child with SIGKILL
// and takes the lock the kernel released.
func TestLockJournalHeldByAnotherProcess(t *testing.T) {
	journal := filepath.Join(t.TempDir(), "job.journal")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHolderProcess$")
	cmd.Env = append(os.Environ(), "KOMMO_BULK_LOCK_HOLDER="+journal)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe() // the child holds the lock until killed
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "locked" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q, %v", line, err)
	}
	_, err = LockJournal(journal)
	var le *LockedError
	if !errors.As(err, &le) || le.Holder.PID != cmd.Process.Pid {
		t.Errorf("LockJournal while the child holds it = %v, want a *LockedError naming pid %d", err, cmd.Process.Pid)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	l, err := LockJournal(journal)
	if err != nil {
		t.Fatalf("LockJournal after the holder was killed: %v", err)
	}
	if err := l.Unlock(); err != nil {
		t.Error(err)
	}
}

// TestLockHolderProcess is the child of TestLockJournalHeldByAnotherProcess;
// run by itself it does nothing.
func TestLockHolderProcess(t *testing.T) {
	journal := os.Getenv("KOMMO_BULK_LOCK_HOLDER")
	if journal == "" {
		return
	}
	if _, err := LockJournal(journal); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	var b [1]byte
	os.Stdin.Read(b[:]) // until the parent kills this process
	os.Exit(0)
}

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
