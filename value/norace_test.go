//go:build !race

package value

// raceEnabled reports whether the tests run under the race detector.
const raceEnabled = false
