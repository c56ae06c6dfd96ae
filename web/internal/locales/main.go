// Command locales copies the catalogs of package i18n (i18n/locales) to
// web/locales, which the page loads: "go generate ./web" runs it, and
// web's tests fail while the copies differ.
package main

import (
	"io/fs"
	"log"
	"os"
	"path/filepath"

	"github.com/kommo-bulk/kommo-bulk/i18n"
)

func main() {
	dir := "locales" // go generate runs in web/
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	names, err := fs.Glob(i18n.Locales, "locales/*.json")
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range names {
		b, err := fs.ReadFile(i18n.Locales, name)
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(name)), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
