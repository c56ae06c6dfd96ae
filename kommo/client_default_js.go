//go:build js

package kommo

// defaultDoer is nil under GOOS=js: an *http.Client default would link
// net/http's native transport into the WebAssembly module (see WithDoer).
func defaultDoer() Doer { return nil }
