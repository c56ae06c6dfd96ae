//go:build !race

package phonenumber

// raceEnabled reports whether the tests run under the race detector.
const raceEnabled = false
