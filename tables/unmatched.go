package tables

import (
	"fmt"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/migrate"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// UnmatchedRow is one source value a migration could not match, with the
// Kommo column a person fills: the user, pipeline or stage it stands for.
type UnmatchedRow struct {
	Kind    string `csv:"Kind"`    // user, pipeline, stage, option, ...
	File    string `csv:"File"`    // the source file
	Column  string `csv:"Column"`  // its column
	Value   string `csv:"Value"`   // the value as written there
	Rows    string `csv:"Rows"`    // how many rows hold it
	Closest string `csv:"Closest"` // the closest names in the account, "; "-separated
	Kommo   string `csv:"Kommo"`   // to fill: the user (name, e-mail or id), pipeline or "Pipeline/Stage"
}

// UnmatchedRows lists the values of a migration's UnmatchedError (or
// report) as rows to fill, the Kommo column empty.
func UnmatchedRows(values []migrate.Unmatched) []UnmatchedRow {
	out := make([]UnmatchedRow, 0, len(values))
	for _, u := range values {
		out = append(out, UnmatchedRow{Kind: u.Kind, File: u.File, Column: u.Column, Value: u.Value,
			Rows: fmt.Sprint(u.Rows), Closest: value.JoinValues(u.Closest)})
	}
	return out
}

// MergeUnmatched returns the rows of a table read back (have) whose Kommo
// column is filled and whose value the migration no longer reports, then
// the values it reports, each with the Kommo value have gave it: the
// table a person goes on filling when the same file is both --tables and
// --unmatched-csv.
func MergeUnmatched(have []UnmatchedRow, values []migrate.Unmatched) []UnmatchedRow {
	key := func(kind, v string) string { return kind + "\x00" + value.Normalize(v) }
	now := map[string]bool{}
	for _, u := range values {
		now[key(u.Kind, u.Value)] = true
	}
	filled := map[string]string{}
	var out []UnmatchedRow
	for _, r := range have {
		if strings.TrimSpace(r.Kommo) == "" {
			continue
		}
		filled[key(r.Kind, r.Value)] = r.Kommo
		if !now[key(r.Kind, r.Value)] {
			out = append(out, r)
		}
	}
	for _, r := range UnmatchedRows(values) {
		r.Kommo = filled[key(r.Kind, r.Value)]
		out = append(out, r)
	}
	return out
}

// MigrationTables are the users, pipelines and stages tables of a
// migration (migrate.Options), source value → Kommo name.
type MigrationTables struct {
	Users, Pipelines, Stages map[string]string
}

// ReadUnmatched reads a table of UnmatchedRows back (see Read for the
// formats) into migration tables: each row whose Kommo column is filled
// maps its value, by its kind. A filled row of a kind no table holds (an
// option, a field) is an error naming its row: such values are mapped in
// the mapping spec, or created in Kommo.
func ReadUnmatched(name string, data []byte) (*MigrationTables, []UnmatchedRow, error) {
	var rows []UnmatchedRow
	lines, err := Read(name, data, &rows)
	if err != nil {
		return nil, nil, err
	}
	t := &MigrationTables{}
	put := func(m *map[string]string, k, v string) {
		if *m == nil {
			*m = map[string]string{}
		}
		(*m)[k] = v
	}
	for i, r := range rows {
		kommo := strings.TrimSpace(r.Kommo)
		value := strings.TrimSpace(r.Value)
		if kommo == "" {
			continue
		}
		pos := fmt.Sprintf("%s: row %d", name, lines[i])
		if value == "" {
			return nil, nil, fmt.Errorf(`%s, column "Value": empty, but column "Kommo" says %q`, pos, kommo)
		}
		switch strings.ToLower(strings.TrimSpace(r.Kind)) {
		case "user":
			put(&t.Users, value, kommo)
		case "pipeline":
			put(&t.Pipelines, value, kommo)
		case "stage":
			put(&t.Stages, value, kommo)
		default:
			return nil, nil, fmt.Errorf(`%s, column "Kommo": a %s has no table (users, pipelines and stages have); map %q in the mapping spec (map:) or add it in Kommo`, pos, r.Kind, value)
		}
	}
	return t, rows, nil
}
