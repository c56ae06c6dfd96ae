// Package atomicfile writes a file whole or not at all: into a temporary
// file beside it, synced and renamed over it, so that a crash or a failed
// write leaves the old file (or none), never half of the new one. The
// journals' state files, exports, templates and the OAuth file all write
// through it.
package atomicfile

import (
	"os"
	"path/filepath"
)

// A File is a file being written in place of path. Commit puts it there;
// Abort (or a failed Commit) removes it. The temporary file is readable by
// its owner only, as os.CreateTemp makes it.
type File struct {
	f    *os.File
	path string
	done bool
}

// Create starts writing a file in place of path, in path's directory.
func Create(path string) (*File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".partial-*")
	if err != nil {
		return nil, err
	}
	return &File{f: f, path: path}, nil
}

// Write writes to the temporary file.
func (f *File) Write(p []byte) (int, error) { return f.f.Write(p) }

// Commit syncs and closes the temporary file and renames it over path.
// On error the temporary file is removed.
func (f *File) Commit() error {
	if f.done {
		return os.ErrClosed
	}
	f.done = true
	err := f.f.Sync()
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.f.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.f.Name())
	}
	return err
}

// Abort drops the temporary file; after Commit it does nothing, so it can
// be deferred.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.f.Close()
	os.Remove(f.f.Name())
}

// WriteFile replaces the file at path with data, creating its directory
// (with dirPerm) if it is missing.
func WriteFile(path string, data []byte, dirPerm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), dirPerm); err != nil {
		return err
	}
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit()
}
