// Package hang guards tests against loops that never end.
package hang

import (
	"testing"
	"time"
)

// Limit is how long Returns waits: far longer than any of the guarded
// calls takes, so it never measures speed; it only turns a hang into a
// failure instead of a test binary killed by go test's timeout.
const Limit = 30 * time.Second

// Returns runs f and fails the test if f has not returned within Limit.
func Returns(t testing.TB, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(Limit):
		t.Fatalf("%s has not returned after %v: it loops", what, Limit)
	}
}
