//go:build !(js && wasm)

package main

import "net/http"

// defaultTransport carries the engine's requests when Config.Transport is
// nil. Natively (the engine's tests) it is http.DefaultTransport; in the
// module, main_js.go's fetchTransport.
func defaultTransport() http.RoundTripper { return http.DefaultTransport }
