package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/migrate"
)

// registerMigrate registers migrate's delta flags: import's, but --delta
// names a directory (one state per file).
func (d *deltaArgs) registerMigrate(fs *flag.FlagSet) {
	fs.StringVar(&d.state, "delta", "", "delta migration: keep per file what each row wrote in this `directory` (give it to the first run too); a re-run with it sends only the rows whose source changed and never overwrites silently a field someone changed in Kommo")
	fs.StringVar(&d.conflicts, "conflicts", "", "delta migration: write the fields changed both in the source and in Kommo to this CSV `file` (default RESULTS/ID-conflicts.csv)")
	fs.StringVar(&d.policy, "on-conflict", "keep-kommo", "delta migration: keep-kommo, take-source or report-only; per field: name=take-source,field 123=keep-kommo")
	fs.StringVar(&d.gone, "gone", "ignore", "delta migration: rows gone from the source: ignore (list them), tag[:TAG] or stage:STAGE_ID (leads)")
}

// migrateOptions are the migration's delta options, nil without --delta.
func (d *deltaArgs) migrateOptions() (*migrate.DeltaOptions, error) {
	if d.state == "" {
		return nil, nil
	}
	o, err := d.options()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.State, 0o755); err != nil {
		return nil, err
	}
	return &migrate.DeltaOptions{Dir: o.State, Policy: o.Policy, FieldPolicy: o.FieldPolicy, Gone: o.Gone}, nil
}

// migrateSummary says on stderr what the delta run skipped and sent per
// file, and writes its conflicts to the conflicts file.
func (d *deltaArgs) migrateSummary(m *Main, rep *migrate.Report, defaultConflicts string) error {
	for _, f := range rep.Files {
		if f.Delta == nil {
			continue
		}
		first := ""
		if f.Delta.First {
			first = " (first delta run: no state yet)"
		}
		fmt.Fprintf(m.Stderr, "delta: %s: %d rows unchanged since the last run (skipped), %d sent, %d conflicts, %d gone from the source%s\n",
			f.File, f.Delta.Unchanged, f.Delta.Sent, f.Delta.Conflicts, f.Delta.Gone, first)
	}
	if len(rep.Conflicts) == 0 {
		return nil
	}
	path := d.conflicts
	if path == "" {
		path = defaultConflicts
	}
	cs := make([]bulk.Conflict, len(rep.Conflicts))
	for i, c := range rep.Conflicts {
		cs[i] = c.Conflict
	}
	f, err := os.Create(path)
	if err == nil {
		err = bulk.WriteConflicts(f, cs)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("conflicts file: %w", err)
	}
	fmt.Fprintf(m.Stderr, "delta: %d fields changed both in the source and in Kommo: listed in %s\n", len(rep.Conflicts), filepath.Clean(path))
	return nil
}
