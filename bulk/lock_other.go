//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || windows)

package bulk

import "os"

// Without an OS lock (js/wasm has no files to share; plan9, solaris, aix,
// wasip1 are not supported targets of the CLI), a journal is not guarded
// against a second process: lockFile only creates the lock file.
func lockFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}

func sameFile(*os.File, string) bool { return true }

func unlockFile(f *os.File, path string) error {
	err := f.Close()
	_ = os.Remove(path)
	return err
}
