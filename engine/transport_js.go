//go:build js

package engine

import "net/http"

// defaultTransport is nil under GOOS=js: the front end passes its own
// (wasm/'s fetch transport) in Config.Transport, so the module never links
// net/http's native transport.
func defaultTransport() http.RoundTripper { return nil }
