//go:build race

package bulk

// exportRace is set when the race detector slows everything down.
const exportRace = true
