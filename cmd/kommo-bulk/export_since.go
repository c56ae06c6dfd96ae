package main

import (
	"time"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/engine"
)

// readSince reads the --since-last state file: nil for a plain export
// (state ""), else the engine's incremental export from the stored state
// (none yet: the first run, everything). It is read before Kommo is
// asked anything, so a bad file costs no request.
func readSince(state string, now func() time.Time) (*engine.ExportSince, error) {
	if state == "" {
		return nil, nil
	}
	prev, err := bulk.ReadSinceState(state)
	if err != nil {
		return nil, err
	}
	return &engine.ExportSince{Prev: prev, Now: now}, nil
}

// saveSince writes the --since-last state, once the output is complete.
func saveSince(state string, next *bulk.SinceState) error {
	if state == "" || next == nil {
		return nil
	}
	return bulk.SaveSinceState(state, next)
}
