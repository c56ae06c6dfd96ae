//go:build race

package sheet

// raceEnabled reports whether the tests run under the race detector, which
// slows the 200k-row memory test down about twentyfold.
const raceEnabled = true
