//go:build !race

package sheet

// raceEnabled reports whether the tests run under the race detector.
const raceEnabled = false
