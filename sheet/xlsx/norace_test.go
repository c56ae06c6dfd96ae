//go:build !race

package xlsx

// raceEnabled reports whether the tests run under the race detector.
const raceEnabled = false
