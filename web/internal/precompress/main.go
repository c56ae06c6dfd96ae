// Command precompress writes FILE.br, FILE compressed with Brotli at its
// highest quality and a 16 MiB window, for "kommo-bulk serve" to send to
// browsers that accept br. make wasm-build runs it on the engine once per
// build:
//
//	go run ./web/internal/precompress web/dist/kommo-bulk.wasm
//
// It takes about half a minute for the engine: quality 11 is slow to
// write and as fast to read as any other, and the engine is written once
// and downloaded by every browser.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/andybalholm/brotli"
)

func main() {
	if len(os.Args) != 2 || os.Args[1] == "-h" || os.Args[1] == "--help" {
		fmt.Fprintln(os.Stderr, "usage: precompress FILE (writes FILE.br)")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "precompress:", err)
		os.Exit(1)
	}
}

func run(name string) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".precompress-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := brotli.NewWriterOptions(tmp, brotli.WriterOptions{Quality: brotli.BestCompression, LGWin: 24})
	if _, err := w.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := w.Close(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name+".br")
}
