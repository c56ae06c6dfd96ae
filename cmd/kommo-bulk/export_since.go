package main

import (
	"context"
	"time"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// exportSince runs the export: an incremental one (bulk.ExportSince) when
// state names a --since-last file, returning the state to save once the
// output is complete; a plain bulk.Export otherwise.
func exportSince(ctx context.Context, c *kommo.Client, w sheet.TableWriter, opts bulk.ExportOptions, state string, now func() time.Time) (bulk.ExportStats, *bulk.SinceState, error) {
	if state == "" {
		st, err := bulk.Export(ctx, c, w, opts)
		return st, nil, err
	}
	if opts.Filter.UpdatedAt != nil {
		return bulk.ExportStats{Entity: opts.Entity}, nil, &usageError{msg: "--since-last reads what changed since its state file: drop --updated-from/--updated-to",
			hint: "kommo-bulk export leads --since-last leads.state.json -o changes.csv"}
	}
	prev, err := bulk.ReadSinceState(state)
	if err != nil {
		return bulk.ExportStats{Entity: opts.Entity}, nil, err
	}
	return bulk.ExportSince(ctx, c, w, opts, prev, bulk.SinceOptions{Now: now})
}

// saveSince writes the --since-last state, once the output is complete.
func saveSince(state string, next *bulk.SinceState) error {
	if state == "" || next == nil {
		return nil
	}
	return bulk.SaveSinceState(state, next)
}
