// Package layout holds the test that keeps the house as docs/design.md
// draws it: which package may import which, and that no package grows
// past a quarter of the code.
package layout

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/kommo-bulk/kommo-bulk/"

// rooms are the packages of the module and the packages of the module
// each may import in its non-test files (with every build tag). A package
// missing here fails the test: give it a room in docs/design.md first.
var rooms = map[string][]string{
	"kommo":                       nil,
	"kommo/kommotest":             nil,
	"i18n":                        nil,
	"internal/phonenumber":        nil,
	"internal/hang":               nil,
	"internal/messy":              nil,
	"internal/layout":             nil,
	"internal/atomicfile":         nil,
	"value":                       {"internal/phonenumber"},
	"sheet/internal/core":         nil,
	"sheet/internal/sheettest":    {"sheet/internal/core"},
	"sheet/xlsx/internal/inflate": nil,
	"sheet/xlsx/internal/xmlscan": nil,
	"sheet/xlsx":                  {"sheet/internal/core", "sheet/xlsx/internal/inflate", "sheet/xlsx/internal/xmlscan", "value"},
	"sheet":                       {"sheet/internal/core", "sheet/xlsx", "value"},
	"mapping":                     {"kommo", "value", "sheet", "sheet/xlsx"},
	"bulk":                        {"kommo", "mapping", "sheet", "sheet/xlsx", "value", "internal/atomicfile"},
	"migrate":                     {"kommo", "mapping", "sheet", "sheet/xlsx", "value", "bulk", "i18n"},
	"engine":                      {"kommo", "mapping", "sheet", "sheet/xlsx", "value", "bulk", "migrate", "i18n"},
	"wasm":                        {"engine", "kommo", "i18n"},
	"tables":                      {"kommo", "mapping", "sheet", "value", "bulk", "migrate"},
	"workbook":                    {"kommo", "mapping", "sheet", "sheet/xlsx", "value", "bulk"},
	"web":                         {"i18n"},
	"web/internal/locales":        {"i18n"},
	"web/internal/precompress":    nil,
	"cmd/kommo-bulk":              {"*"},
}

// packages reads the module's packages under root: directory → the
// module's packages its non-test files import, and its lines of Go
// (tests included).
func packages(t *testing.T, root string) (map[string]map[string]bool, map[string]int) {
	t.Helper()
	imports, lines := map[string]map[string]bool{}, map[string]int{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules" || n == "dist") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		lines[rel] += strings.Count(string(b), "\n")
		if imports[rel] == nil {
			imports[rel] = map[string]bool{}
		}
		if strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, b, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, is := range f.Imports {
			p, _ := strconv.Unquote(is.Path.Value)
			if strings.HasPrefix(p, module) {
				imports[rel][strings.TrimPrefix(p, module)] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return imports, lines
}

// TestImportsRunDown: every package imports only what its room may, so
// data flows one way (docs/design.md).
func TestImportsRunDown(t *testing.T) {
	imports, _ := packages(t, filepath.Join("..", ".."))
	var dirs []string
	for d := range imports {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		allowed, ok := rooms[d]
		if !ok {
			t.Errorf("package %s has no room: add it to docs/design.md and to rooms in this test", d)
			continue
		}
		if len(allowed) == 1 && allowed[0] == "*" {
			continue
		}
		for imp := range imports[d] {
			if !contains(allowed, imp) {
				t.Errorf("%s imports %s, which its room does not allow (docs/design.md)", d, imp)
			}
		}
	}
}

// TestNoPackageOverAQuarter: no package holds more than a quarter of the
// module's Go code, the sign of several rooms in one.
func TestNoPackageOverAQuarter(t *testing.T) {
	_, lines := packages(t, filepath.Join("..", ".."))
	total := 0
	for _, n := range lines {
		total += n
	}
	for d, n := range lines {
		if n*4 > total {
			t.Errorf("%s has %d of the module's %d lines of Go, over a quarter", d, n, total)
		}
	}
	if total < 10000 {
		t.Fatalf("only %d lines of Go found: the walk missed the module", total)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
