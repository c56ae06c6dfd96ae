// Package web holds the browser side of kommo-bulk, embedded in the binary
// for "kommo-bulk serve": the upload page (index.html, app.js, app.css),
// the embeddable module (kommo-bulk.js, its worker, kommo-bulk.d.ts), the
// embedding example (example/) and, in dist/, the engine compiled to
// WebAssembly with the wasm_exec.js of the Go that built it.
//
// dist/ (kommo-bulk.wasm, its .gz and .br forms, and wasm_exec.js) is
// built by "make wasm-build", which "make build" and "make test" run first;
// a clean clone has only dist/README.md there, and Files then serves the
// page without the engine (see WASMBuilt).
//
// locales/ holds copies of the message catalogs of package i18n, which
// i18n.js loads: "go generate ./web" writes them, and the tests fail while
// they differ from i18n/locales.
package web

//go:generate go run ./internal/locales

import (
	"embed"
	"io/fs"
)

// Files is the page, the module and the built engine, by path.
//
//go:embed index.html app.js app.css i18n.js locales kommo-bulk.js kommo-bulk-worker.js kommo-bulk.d.ts example dist
var Files embed.FS

// WASM is the path of the engine in Files.
const WASM = "dist/kommo-bulk.wasm"

// WASMBuilt reports whether Files holds the engine and its wasm_exec.js.
func WASMBuilt() bool {
	for _, p := range []string{WASM, "dist/wasm_exec.js"} {
		if st, err := fs.Stat(Files, p); err != nil || st.Size() == 0 {
			return false
		}
	}
	return true
}
