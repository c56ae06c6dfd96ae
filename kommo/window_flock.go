//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package kommo

import (
	"errors"
	"os"
	"syscall"
)

const sharedBudgetSupported = true

// lockBudgetFile opens (creating it) the shared budget file at path and
// waits for its flock. Locks belong to the open file: two clients in one
// process, each with its own descriptor, exclude each other as two
// processes do, and the kernel drops a lock when its process dies.
func lockBudgetFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// unlockBudgetFile releases the lock by closing the file.
func unlockBudgetFile(f *os.File) { f.Close() }
