package web

import (
	"bytes"
	"io/fs"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/i18n"
)

// TestLocalesAreTheCatalogs: the page serves the catalogs of package i18n
// as they are (run "go generate ./web" after editing i18n/locales).
func TestLocalesAreTheCatalogs(t *testing.T) {
	want, err := fs.Glob(i18n.Locales, "locales/*.json")
	if err != nil || len(want) != len(i18n.Languages) {
		t.Fatalf("i18n has %v (%v)", want, err)
	}
	got, _ := fs.Glob(Files, "locales/*")
	if len(got) != len(want) {
		t.Errorf("web serves %v, i18n has %v", got, want)
	}
	for _, name := range want {
		a, _ := fs.ReadFile(i18n.Locales, name)
		b, err := fs.ReadFile(Files, name)
		if err != nil {
			t.Errorf("web does not serve %s: %v", name, err)
			continue
		}
		if !bytes.Equal(a, b) {
			t.Errorf("web/%s differs from i18n/%s: run go generate ./web", name, name)
		}
	}
	for _, name := range []string{"i18n.js", "app.js", "index.html"} {
		if _, err := fs.Stat(Files, name); err != nil {
			t.Errorf("web does not serve %s", name)
		}
	}
}
