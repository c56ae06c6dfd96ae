package bulk

import (
	"context"
	"errors"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/internal/hang"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// TestImportStopsOnCancelWithBadRows: a file of rows that all fail
// mapping sends no batch, and the import still stops on its context.
func TestImportStopsOnCancelWithBadRows(t *testing.T) {
	e := newTestEnv(t)
	ctx, cancel := context.WithCancel(t.Context())
	n := 0
	bad := func(yield func(Item) bool) {
		for {
			n++
			if n == 1000 {
				cancel()
			}
			errs := []*sheet.RowError{{File: "huge.csv", Row: n + 1, Column: "Email", Err: errors.New("invalid email")}}
			if !yield(Item{Line: n + 1, Errs: errs}) {
				return
			}
		}
	}
	var err error
	hang.Returns(t, "Import", func() { _, err = Import(ctx, e.c, bad, e.opts("bad", kommo.EntityContacts, ModeCreate)) })
	if !errors.Is(err, context.Canceled) || n > 1001 {
		t.Errorf("Import = %v after %d items, want context.Canceled after 1001", err, n)
	}
}
