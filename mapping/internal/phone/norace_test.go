//go:build !race

package phone

// raceEnabled reports whether the tests run under the race detector.
const raceEnabled = false
