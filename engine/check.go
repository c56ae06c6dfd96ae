package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/migrate"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// The functions of this file work on an open table, not on a file the
// engine holds: the CLI calls them on the files it opens, and the page's
// calls (Propose, Validate) call them on the files it was given. One
// proposal and one validation pass serve both front ends.

// proposeSample is how many rows a proposal reads to guess a column's
// kind (phones, e-mails, dates) besides its header.
const proposeSample = 50

// ParseEntity reads a file's primary entity as the front ends take it:
// leads, contacts, companies or tasks, by Kommo's names (a mapping spec
// knows synonyms; a flag or a call does not guess).
func ParseEntity(s string) (kommo.EntityType, error) {
	switch e := kommo.EntityType(s); e {
	case kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies, kommo.EntityTasks:
		return e, nil
	}
	return "", fmt.Errorf("entity %q: want leads, contacts, companies or tasks", s)
}

// ProposeTable proposes a mapping of t's columns to fields of entity in
// schema, from t's header and its first rows. It reads t from where it
// stands; a read error that ends the table (a cell over the limit) is
// returned, naming the file, row and column.
func ProposeTable(t sheet.Table, entity kommo.EntityType, schema *mapping.Schema) (*mapping.Proposal, error) {
	rows, err := sheet.Sample(t, proposeSample)
	if err != nil {
		return nil, err
	}
	return mapping.Propose(t.Header(), rows, entity, schema), nil
}

// CheckOptions tune a validation pass.
type CheckOptions struct {
	// Unmatched, when set, collects the names that match nothing
	// (owners, pipelines, stages, options): a row failing only for such
	// names counts as bad, but its errors go there rather than to the
	// report, because a run stops on them before writing and lists them
	// by value.
	Unmatched *migrate.UnmatchedNames
	// Row, when set, is called with each record and its outcome: a
	// mapped row, or the errors that keep it out (a read error of the
	// record is one of them).
	Row func(rec sheet.Record, row *mapping.Row, errs []*sheet.RowError)
	// MaxErrors is how many first errors the report keeps.
	MaxErrors int
}

// Check is a validation pass: it maps every row of t with m, without
// touching Kommo, and counts the good, warned and bad rows and their
// causes. A read error that ends the table (a cell over the limit) stops
// it and is returned: nothing is written from a file that cannot be read
// to its end. So does a done ctx: the pass may be long.
func Check(ctx context.Context, m *mapping.Mapper, t sheet.Table, o CheckOptions) (*mapping.Report, error) {
	rep := &mapping.Report{MaxErrors: o.MaxErrors}
	for rec, err := range sheet.Records(t) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if sheet.EndsTable(err) {
			return nil, err // it names the file, and the row and column of a limit
		}
		var row *mapping.Row
		var errs []*sheet.RowError
		var re *sheet.RowError
		if errors.As(err, &re) {
			errs = []*sheet.RowError{re}
		} else {
			row, errs = m.Map(rec)
		}
		if o.Row != nil {
			o.Row(rec, row, errs)
		}
		if len(errs) > 0 && o.Unmatched != nil && o.Unmatched.Add(errs) {
			rep.Rows++
			rep.Bad++
			continue
		}
		rep.Add(row, errs)
	}
	return rep, nil
}
