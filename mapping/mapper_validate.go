package mapping

import (
	"errors"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"iter"
	"sort"
)

// Rows reads t to the end and maps every record, yielding each good row
// with nil errors and each bad row as a nil Row with its errors; a record
// the reader itself rejects is yielded as a bad row too. Rows and errors
// carry file and, for a workbook, the sheet. Reading stops early when the
// caller stops ranging, after a read error that is not about one row (an
// I/O error, or a resource limit), which is yielded as the last bad row.
//
// Rows does not close t. It uses a copy of m, so m's File and Sheet are
// left alone.
func (m *Mapper) Rows(t sheet.Table, file string) iter.Seq2[*Row, []*sheet.RowError] {
	mm := *m
	mm.File, mm.Sheet = file, ""
	if s, ok := t.(interface{ Sheet() string }); ok {
		mm.Sheet = s.Sheet()
	}
	return func(yield func(*Row, []*sheet.RowError) bool) {
		for rec, err := range sheet.Records(t) {
			if err == nil {
				if !yield(mm.Map(rec)) {
					return
				}
				continue
			}
			var re *sheet.RowError
			if !errors.As(err, &re) {
				re = &sheet.RowError{File: file, Sheet: mm.Sheet, Err: err}
			}
			if !yield(nil, []*sheet.RowError{re}) {
				return
			}
		}
	}
}

// A Report sums up a validation pass: how many rows were good, landed
// with warnings and were bad, how many errors each column had, the first
// errors in file order, and every warning and error counted by cause.
// The zero Report keeps no errors; set MaxErrors to keep some.
type Report struct {
	Rows      int               // rows seen
	Good      int               // rows that mapped without error or warning
	Warned    int               // rows that mapped with warnings: they land too
	Bad       int               // rows with at least one error
	Errors    int               // errors in all
	Warnings  int               // warnings in all, of the rows that land
	ByColumn  map[string]int    // errors per column ("" for errors not about one column)
	MaxErrors int               // how many errors to keep in First
	First     []*sheet.RowError // the first MaxErrors errors
	// Causes counts the warnings and errors by column, code and reason.
	Causes Summary
	// Regions counts the rows whose phones without a country code were
	// read in each region, by where it came from.
	Regions map[RegionUse]int
}

// Add counts one result of Rows.
func (r *Report) Add(row *Row, errs []*sheet.RowError) {
	r.Rows++
	if len(errs) == 0 {
		if row != nil && len(row.Warnings) > 0 {
			r.Warned++
			r.Warnings += len(row.Warnings)
			r.Causes.AddWarnings(row.Warnings)
		} else {
			r.Good++
		}
		if row != nil && row.PhoneRegion.Region != "" {
			if r.Regions == nil {
				r.Regions = map[RegionUse]int{}
			}
			r.Regions[row.PhoneRegion]++
		}
		return
	}
	r.Bad++
	if r.ByColumn == nil {
		r.ByColumn = map[string]int{}
	}
	r.Causes.AddErrors(errs)
	for _, e := range errs {
		r.Errors++
		r.ByColumn[e.Column]++
		if len(r.First) < r.MaxErrors {
			r.First = append(r.First, e)
		}
	}
}

// Columns returns the columns with errors, most errors first.
func (r *Report) Columns() []string {
	cols := make([]string, 0, len(r.ByColumn))
	for c := range r.ByColumn {
		cols = append(cols, c)
	}
	sort.Slice(cols, func(i, j int) bool {
		if r.ByColumn[cols[i]] != r.ByColumn[cols[j]] {
			return r.ByColumn[cols[i]] > r.ByColumn[cols[j]]
		}
		return cols[i] < cols[j]
	})
	return cols
}

// Validate maps every record of t without keeping the rows and returns
// the report, keeping up to maxErrors errors.
func (m *Mapper) Validate(t sheet.Table, file string, maxErrors int) *Report {
	r := &Report{MaxErrors: maxErrors}
	for row, errs := range m.Rows(t, file) {
		r.Add(row, errs)
	}
	return r
}
