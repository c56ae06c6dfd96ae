//go:build js

package xlsx

import (
	"archive/zip"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx/internal/inflate"
)

// registerInflater makes zr decompress DEFLATE entries with inflater:
// under wasm it reads a worksheet faster than compress/flate (see
// inflater).
func registerInflater(zr *zip.Reader) {
	zr.RegisterDecompressor(zip.Deflate, inflate.NewReader)
}
