package tables

import (
	"github.com/kommo-bulk/kommo-bulk/migrate"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// Rows of a migration report's sections.
type (
	// MergeRow is a row written into a record another row, or the
	// account, already had.
	MergeRow struct {
		File   string `csv:"File"`
		Row    int    `csv:"Row"`
		Entity string `csv:"Entity"`
		Key    string `csv:"Key"`
		By     string `csv:"Same"` // what they share: "email ana@x.io"
		Into   string `csv:"Into"` // "row 3 (key 101)" or "Kommo contact 123"
	}
	// SkippedRow is a row that was not migrated.
	SkippedRow struct {
		File   string `csv:"File"`
		Row    int    `csv:"Row"`
		Key    string `csv:"Key"`
		Column string `csv:"Column"`
		Reason string `csv:"Reason"`
	}
	// CreatedFieldRow is a custom field the migration created (or would).
	CreatedFieldRow struct {
		Entity  string `csv:"Entity"`
		Name    string `csv:"Name"`
		Type    string `csv:"Type"`
		ID      int    `csv:"ID"`
		Options string `csv:"Options"`
	}
)

// ReportSuffixes name the CSV files WriteReport writes beside a report's
// base path, in order: merges, skipped rows, created fields.
var ReportSuffixes = []string{"-merged.csv", "-skipped.csv", "-fields.csv"}

// WriteReport writes the merged, skipped and created-fields sections of
// rep as CSV files named base + ReportSuffixes, each with its header even
// when the section is empty.
func WriteReport(base string, rep *migrate.Report) error {
	merged := []MergeRow{}
	for _, m := range rep.Merges {
		merged = append(merged, MergeRow{m.File, m.Line, string(m.Entity), m.Key, m.By, m.Into})
	}
	skipped := []SkippedRow{}
	for _, s := range rep.Skipped {
		skipped = append(skipped, SkippedRow{s.File, s.Line, s.Key, s.Column, s.Reason})
	}
	fields := []CreatedFieldRow{}
	for _, f := range rep.FieldsCreated {
		fields = append(fields, CreatedFieldRow{string(f.Entity), f.Name, string(f.Type), f.ID, value.JoinValues(f.Options)})
	}
	for i, rows := range []any{merged, skipped, fields} {
		if err := WriteFile(base+ReportSuffixes[i], rows); err != nil {
			return err
		}
	}
	return nil
}
