//go:build windows

package kommo

import (
	"errors"
	"os"
	"syscall"
	"time"
)

const sharedBudgetSupported = true

const errorSharingViolation syscall.Errno = 32 // ERROR_SHARING_VIOLATION

// lockBudgetFile opens (creating it) the shared budget file at path with
// no sharing, retrying while another client has it open: Windows closes
// the handle when its process ends, however it ends.
func lockBudgetFile(path string) (*os.File, error) {
	p, err := syscall.UTF16PtrFromString(path)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		h, err := syscall.CreateFile(p, syscall.GENERIC_READ|syscall.GENERIC_WRITE, 0, nil,
			syscall.OPEN_ALWAYS, syscall.FILE_ATTRIBUTE_NORMAL, 0)
		if err == nil {
			return os.NewFile(uintptr(h), path), nil
		}
		if err != errorSharingViolation || time.Now().After(deadline) {
			if err == errorSharingViolation {
				return nil, errors.New("held by another process for more than 10 s")
			}
			return nil, err
		}
		time.Sleep(time.Millisecond)
	}
}

// unlockBudgetFile releases the file by closing it.
func unlockBudgetFile(f *os.File) { f.Close() }
