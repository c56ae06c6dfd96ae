package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kommo-bulk/kommo-bulk/migrate"
	"github.com/kommo-bulk/kommo-bulk/tables"
)

// loadTables reads a migration's --tables file: YAML (users, pipelines,
// stages maps), or the table --unmatched-csv writes (CSV or XLSX) with its
// Kommo column filled; rows are that table's rows, nil for YAML.
func loadTables(path string) (t migrateTables, rows []tables.UnmatchedRow, err error) {
	if path == "" {
		return t, nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return t, nil, err
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".tsv", ".txt", ".xlsx":
		mt, rows, err := tables.ReadUnmatched(path, b)
		if err != nil {
			return t, nil, err
		}
		return migrateTables{Users: mt.Users, Pipelines: mt.Pipelines, Stages: mt.Stages}, rows, nil
	}
	if err := yaml.Unmarshal(b, &t); err != nil {
		return t, nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil, nil
}

// writeUnmatchedCSV writes the values that match nothing to --unmatched-csv
// as a table to fill; when that file is also the --tables file, the rows
// filled there are kept.
func writeUnmatchedCSV(m *Main, a *migrateArgs, ue *migrate.UnmatchedError, have []tables.UnmatchedRow) {
	if a.unmatchedCSV == "" {
		return
	}
	if !sameFile(a.unmatchedCSV, a.tables) {
		have = nil
	}
	if err := tables.WriteFile(a.unmatchedCSV, tables.MergeUnmatched(have, ue.Values)); err != nil {
		fmt.Fprintf(m.Stderr, "writing %s: %v\n", a.unmatchedCSV, err)
		return
	}
	fmt.Fprintf(m.Stderr, "the values to match are in %s: fill its Kommo column, then run again with --tables %s\n", a.unmatchedCSV, a.unmatchedCSV)
}

func sameFile(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// writeReportCSV writes the report's sections as CSV beside it.
func writeReportCSV(base string, rep *migrate.Report) error {
	return tables.WriteReport(base, rep)
}

// reportCSVNames names the CSV sections of the report at base.
func reportCSVNames(base string) string {
	names := make([]string, len(tables.ReportSuffixes))
	for i, s := range tables.ReportSuffixes {
		names[i] = filepath.Base(base) + s
	}
	return strings.Join(names, ", ")
}
