package migrate

import (
	"context"
	"errors"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/internal/hang"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// endlessTable is a table of good rows without end (a huge file) that
// cancels a context at a row, as Ctrl-C does.
type endlessTable struct {
	row, at int
	cancel  context.CancelFunc
}

func (t *endlessTable) Header() []string { return []string{"Record ID", "Name"} }
func (t *endlessTable) Close() error     { return nil }
func (t *endlessTable) Next() (sheet.Record, error) {
	if t.row == t.at {
		t.cancel()
	}
	t.row++
	return sheet.Record{Row: t.row, Values: []string{"x", "Ada"}}, nil
}

// TestMigrateStopsOnCancel: the passes of a migration over its files stop
// when the context is cancelled, however long the file.
func TestMigrateStopsOnCancel(t *testing.T) {
	e := newTestEnv(t)
	ctx, cancel := context.WithCancel(t.Context())
	tb := &endlessTable{at: 1000, cancel: cancel}
	spec, err := mapping.ParseSpec([]byte("entity: contacts\ncolumns:\n  - column: Name\n    field: name\n"))
	if err != nil {
		t.Fatal(err)
	}
	files := []File{{Name: "huge.csv", Spec: spec, Open: func() (sheet.Table, error) { return tb, nil }}}
	hang.Returns(t, "Migrate", func() { _, err = Run(ctx, e.c, files, Options{DryRun: true}) })
	if !errors.Is(err, context.Canceled) || tb.row > 1001 {
		t.Errorf("Migrate = %v after %d rows, want context.Canceled after 1001", err, tb.row)
	}
}
