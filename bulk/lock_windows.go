//go:build windows

package bulk

import (
	"os"
	"syscall"
)

const errorSharingViolation syscall.Errno = 32 // ERROR_SHARING_VIOLATION

// lockFile opens (creating it) the lock file at path for writing and lets
// no one else open it for writing until it is closed, which Windows does
// when the process ends, however it ends.
func lockFile(path string) (*os.File, error) {
	p, err := syscall.UTF16PtrFromString(path)
	if err != nil {
		return nil, err
	}
	h, err := syscall.CreateFile(p, syscall.GENERIC_READ|syscall.GENERIC_WRITE, syscall.FILE_SHARE_READ, nil,
		syscall.OPEN_ALWAYS, syscall.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		if err == errorSharingViolation {
			return nil, errLocked
		}
		return nil, err
	}
	return os.NewFile(uintptr(h), path), nil
}

// sameFile is always true: without FILE_SHARE_DELETE nobody removes the
// file while it is open.
func sameFile(*os.File, string) bool { return true }

// unlockFile closes the lock file, then removes it unless another process
// has opened it meanwhile.
func unlockFile(f *os.File, path string) error {
	err := f.Close()
	_ = os.Remove(path)
	return err
}
