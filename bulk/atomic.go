package bulk

import (
	"os"
	"path/filepath"
)

// writeFileAtomic replaces the file at path with data: it writes a synced
// temporary file beside it (creating the directory with dirPerm) and
// renames it over path, so a crash leaves the old file or the new one,
// never half of either. CreateTemp makes the file readable by its owner
// only.
func writeFileAtomic(path string, data []byte, dirPerm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
