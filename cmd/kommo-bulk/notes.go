package main

import (
	"fmt"

	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// printNotes prints the schema's notes on stderr, one warning line each:
// what a run does without the account's user list or time zone.
func printNotes(m *Main, s *mapping.Schema) { printNoteLines(m, s.Notes) }

// printNoteLines prints notes on stderr, one warning line each.
func printNoteLines(m *Main, notes []string) {
	for _, n := range notes {
		fmt.Fprintf(m.Stderr, "warning: %s\n", n)
	}
}
