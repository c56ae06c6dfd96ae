package xlsx

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx/internal/inflate"
	"io"
	"testing"
)

// BenchmarkInflate inflates the worksheet of the benchmark workbook (see
// benchXLSX) with inflater, the js build's decoder, and with
// compress/flate, the native build's (see registerInflater).
func BenchmarkInflate(b *testing.B) {
	data, _ := benchXLSX(b)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		b.Fatal(err)
	}
	var sheet *zip.File
	for _, f := range zr.File {
		if sheet == nil || f.UncompressedSize64 > sheet.UncompressedSize64 {
			sheet = f
		}
	}
	raw, err := sheet.OpenRaw()
	if err != nil {
		b.Fatal(err)
	}
	z, err := io.ReadAll(raw)
	if err != nil {
		b.Fatal(err)
	}
	for _, d := range []struct {
		name string
		new  func(io.Reader) io.ReadCloser
	}{{"inflater", inflate.NewReader}, {"flate", flate.NewReader}} {
		b.Run(d.name, func(b *testing.B) {
			b.SetBytes(int64(sheet.UncompressedSize64))
			for b.Loop() {
				n, err := io.Copy(io.Discard, d.new(bytes.NewReader(z)))
				if err != nil || uint64(n) != sheet.UncompressedSize64 {
					b.Fatal(n, err)
				}
			}
		})
	}
}
