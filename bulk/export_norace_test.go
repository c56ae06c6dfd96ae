//go:build !race

package bulk

const exportRace = false
