//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// main explains how to build the module: the engine's files build natively
// only so that they can be tested with go test.
func main() {
	fmt.Fprintln(os.Stderr, "kommo-bulk wasm: build with GOOS=js GOARCH=wasm (make wasm-build)")
	os.Exit(2)
}
