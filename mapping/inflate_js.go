//go:build js

package mapping

import "archive/zip"

// registerInflater makes zr decompress DEFLATE entries with inflater:
// under wasm it reads a worksheet faster than compress/flate (see
// inflater).
func registerInflater(zr *zip.Reader) {
	zr.RegisterDecompressor(zip.Deflate, newInflater)
}
