package bulk

import (
	"errors"
	"slices"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// ResultColumnPrefix starts the names of the columns result files add to
// the input's. Columns with this prefix in an input (an error file fed
// back in) are dropped from the next result files, not repeated.
const ResultColumnPrefix = "kommo-bulk "

// Result file columns.
var (
	successColumns = []string{ResultColumnPrefix + "row", ResultColumnPrefix + "action", ResultColumnPrefix + "id",
		ResultColumnPrefix + "company id", ResultColumnPrefix + "contact id", ResultColumnPrefix + "lead id", ResultColumnPrefix + "task id", ResultColumnPrefix + "changes",
		ResultColumnPrefix + "warnings"}
	errorColumns = []string{ResultColumnPrefix + "row", ResultColumnPrefix + "column", ResultColumnPrefix + "error"}
)

// ResultCounts says how many rows went to each result file, and how many
// input rows had no result (a job that stopped early).
type ResultCounts struct {
	Success, Errors, Pending int
}

// A ResultWriter writes the result files of an import row by row, in the
// input's own columns: each row goes to the success file (with the action,
// the Kommo ids and the row's warnings) or to the errors file (with the
// row, column and reason), so the errors file can be fixed and imported
// again with the same mapping. Feed it from ImportOptions.OnRow, or use WriteResults
// after the fact. Either writer may be nil.
type ResultWriter struct {
	success, errs sheet.TableWriter
	entity        kommo.EntityType
	keep          []int
	counts        ResultCounts
}

// NewResultWriter writes the header rows of both files.
func NewResultWriter(header []string, entity kommo.EntityType, success, errs sheet.TableWriter) (*ResultWriter, error) {
	w := &ResultWriter{success: success, errs: errs, entity: entity}
	var names []string
	for i, h := range header {
		if !strings.HasPrefix(h, ResultColumnPrefix) {
			w.keep = append(w.keep, i)
			names = append(names, h)
		}
	}
	if success != nil {
		if err := success.WriteHeader(append(slices.Clone(names), successColumns...)); err != nil {
			return nil, err
		}
	}
	if errs != nil {
		if err := errs.WriteHeader(append(slices.Clone(names), errorColumns...)); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// Write writes one row's result, with its source values rr.Values.
func (w *ResultWriter) Write(rr RowResult) error {
	cells := make([]sheet.Cell, 0, len(w.keep)+len(successColumns))
	for _, i := range w.keep {
		v := ""
		if i < len(rr.Values) {
			v = rr.Values[i]
		}
		cells = append(cells, sheet.StringCell(v))
	}
	if rr.Action == ActionError {
		w.counts.Errors++
		if w.errs == nil {
			return nil
		}
		reason := ""
		if rr.Err != nil {
			reason = rr.Err.Error()
		}
		cells = append(cells, sheet.IntCell(int64(rr.Line)), sheet.StringCell(rr.Column), sheet.StringCell(reason))
		return w.errs.WriteRow(cells)
	}
	w.counts.Success++
	if w.success == nil {
		return nil
	}
	cells = append(cells, sheet.IntCell(int64(rr.Line)), sheet.StringCell(string(rr.Action)), idCell(rr.IDs[w.entity]))
	for _, e := range []kommo.EntityType{kommo.EntityCompanies, kommo.EntityContacts, kommo.EntityLeads, kommo.EntityTasks} {
		cells = append(cells, idCell(rr.IDs[e]))
	}
	var ch []string
	for _, c := range rr.Changes {
		ch = append(ch, c.String())
	}
	cells = append(cells, sheet.StringCell(strings.Join(ch, "; ")), sheet.StringCell(WarningsText(rr.Warnings)))
	return w.success.WriteRow(cells)
}

// WarningsText is the warnings column of a success file: each warning as
// `Phone: phone_kept_as_written: kept as written: invalid phone number:
// no country code and no default region`, joined with "; ".
func WarningsText(ws []*mapping.RowWarning) string {
	var b strings.Builder
	for i, w := range ws {
		if i > 0 {
			b.WriteString("; ")
		}
		if w.Column != "" {
			b.WriteString(w.Column + ": ")
		}
		b.WriteString(w.Code + ": " + w.Text())
	}
	return b.String()
}

// Counts says how many rows went to each file so far.
func (w *ResultWriter) Counts() ResultCounts { return w.counts }

// WriteResults reads the input table again and writes each row's result
// from res (which must have kept its Rows: no OnRow). Rows res does not
// cover (a stopped job) are counted as pending.
func WriteResults(t sheet.Table, res *Result, success, errs sheet.TableWriter) (ResultCounts, error) {
	w, err := NewResultWriter(t.Header(), res.Job.Entity, success, errs)
	if err != nil {
		return ResultCounts{}, err
	}
	write := func(line int, values []string) error {
		rr, ok := res.Rows[line]
		if !ok {
			w.counts.Pending++
			return nil
		}
		rr.Values = values
		return w.Write(rr)
	}
	for rec, err := range sheet.Records(t) {
		var re *sheet.RowError
		if errors.As(err, &re) && re.Row > 0 {
			// After a limit the table ends: the rows past it stay pending.
			if werr := write(re.Row, nil); werr != nil {
				return w.counts, werr
			}
			continue
		}
		if err != nil {
			return w.counts, err
		}
		if err := write(rec.Row, rec.Values); err != nil {
			return w.counts, err
		}
	}
	return w.counts, nil
}

func idCell(id int) sheet.Cell {
	if id == 0 {
		return sheet.EmptyCell()
	}
	return sheet.IntCell(int64(id))
}

// ResultName returns the result file name for an input: "contacts.csv" →
// "contacts.success.csv" (kind "success" or "errors").
func ResultName(input, kind string) string {
	dot := strings.LastIndexByte(input, '.')
	slash := strings.LastIndexAny(input, `/\`)
	if dot <= slash+1 {
		return input + "." + kind
	}
	return input[:dot] + "." + kind + input[dot:]
}
