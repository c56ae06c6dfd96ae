//go:build !js

package engine

import "net/http"

// defaultTransport carries the engine's requests when Config.Transport is
// nil. Natively (the engine's tests) it is http.DefaultTransport; in the
// module, the front end passes its own.
func defaultTransport() http.RoundTripper { return http.DefaultTransport }
