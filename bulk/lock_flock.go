//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package bulk

import (
	"errors"
	"os"
	"syscall"
)

// lockFile opens (creating it) and flocks the lock file at path. flock
// locks belong to the open file: the kernel drops them when the last
// descriptor of it closes, at the latest when the process ends.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, err
	}
	return f, nil
}

// sameFile reports whether f is still the file at path.
func sameFile(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}

// unlockFile removes the lock file while it is held, then closes it
// (which releases the lock). A process that opened it before the removal
// finds, once it has the lock, that it is no longer at path (sameFile),
// and starts again.
func unlockFile(f *os.File, path string) error {
	err := os.Remove(path)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
