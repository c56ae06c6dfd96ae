package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/tables"
)

// checkSchemaCSV refuses --format csv with several sections and no -o:
// one CSV holds one table.
func checkSchemaCSV(sections map[string]bool, named int, dir string) error {
	if dir == "" && (named == 0 || len(sections) != 1) {
		return &usageError{msg: "--format csv prints one section at a time: name it, or give -o DIR for one file per section",
			hint: "kommo-bulk schema users --format csv > users.csv"}
	}
	return nil
}

// writeSchemaCSV writes the sections as CSV: the one section to stdout,
// or each into dir/SECTION.csv.
func writeSchemaCSV(m *Main, s *mapping.Schema, sections map[string]bool, entities []kommo.EntityType, dir string) error {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	for _, name := range schemaSections {
		if !sections[name] {
			continue
		}
		rows, err := tables.SchemaRows(s, name, entities)
		if err != nil {
			return err
		}
		if dir == "" {
			return tables.Write(m.Stdout, rows)
		}
		path := filepath.Join(dir, name+".csv")
		if err := tables.WriteFile(path, rows); err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "wrote %s\n", path)
	}
	return nil
}
