//go:build !js

package xlsx

import "archive/zip"

// registerInflater leaves zr with archive/zip's DEFLATE decompressor,
// compress/flate, which natively reads a worksheet as fast as inflater
// (see BenchmarkXLSXRead). inflater is compiled natively for its tests,
// which check it against compress/flate.
func registerInflater(*zip.Reader) {}
