package bulk

import (
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// ResultColumnPrefix starts the names of the columns result files add to
// the input's. Columns with this prefix in an input (an error file fed
// back in) are dropped from the next result files, not repeated.
const ResultColumnPrefix = "kommo-bulk "

// Result file columns.
var (
	successColumns = []string{ResultColumnPrefix + "row", ResultColumnPrefix + "action", ResultColumnPrefix + "id",
		ResultColumnPrefix + "company id", ResultColumnPrefix + "contact id", ResultColumnPrefix + "lead id", ResultColumnPrefix + "task id", ResultColumnPrefix + "changes"}
	errorColumns = []string{ResultColumnPrefix + "row", ResultColumnPrefix + "column", ResultColumnPrefix + "error"}
)

// ResultCounts says how many rows went to each result file, and how many
// input rows had no result (a job that stopped early).
type ResultCounts struct {
	Success, Errors, Pending int
}

// WriteResults reads the input table again and writes each row to success
// (with the Kommo ids and the action) or to errors (with the row, column
// and reason), in the input's own columns, so the error file can be fixed
// and imported again with the same mapping. Either writer may be nil.
// Rows the result does not cover (a stopped job) are counted as pending.
func WriteResults(t mapping.Table, res *Result, success, errs mapping.TableWriter) (ResultCounts, error) {
	var n ResultCounts
	header := t.Header()
	keep := make([]int, 0, len(header))
	var names []string
	for i, h := range header {
		if !strings.HasPrefix(h, ResultColumnPrefix) {
			keep = append(keep, i)
			names = append(names, h)
		}
	}
	if success != nil {
		if err := success.WriteHeader(append(slices.Clone(names), successColumns...)); err != nil {
			return n, err
		}
	}
	if errs != nil {
		if err := errs.WriteHeader(append(slices.Clone(names), errorColumns...)); err != nil {
			return n, err
		}
	}
	// Rows the reader itself rejected come back as errors from Next with
	// their line; they are in res like any other row.
	write := func(line int, values []string) error {
		rr, ok := res.Rows[line]
		if !ok {
			n.Pending++
			return nil
		}
		cells := make([]mapping.Cell, 0, len(keep)+len(successColumns))
		for _, i := range keep {
			v := ""
			if i < len(values) {
				v = values[i]
			}
			cells = append(cells, mapping.StringCell(v))
		}
		if rr.Action == ActionError {
			n.Errors++
			if errs == nil {
				return nil
			}
			reason := ""
			if rr.Err != nil {
				reason = rr.Err.Error()
			}
			cells = append(cells, mapping.IntCell(int64(line)), mapping.StringCell(rr.Column), mapping.StringCell(reason))
			return errs.WriteRow(cells)
		}
		n.Success++
		if success == nil {
			return nil
		}
		primary := res.Job.Entity
		cells = append(cells, mapping.IntCell(int64(line)), mapping.StringCell(string(rr.Action)), idCell(rr.IDs[primary]))
		for _, e := range []kommo.EntityType{kommo.EntityCompanies, kommo.EntityContacts, kommo.EntityLeads, kommo.EntityTasks} {
			cells = append(cells, idCell(rr.IDs[e]))
		}
		var ch []string
		for _, c := range rr.Changes {
			ch = append(ch, c.String())
		}
		cells = append(cells, mapping.StringCell(strings.Join(ch, "; ")))
		return success.WriteRow(cells)
	}
	for {
		rec, err := t.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var re *mapping.RowError
		if errors.As(err, &re) && re.Row > 0 {
			if werr := write(re.Row, nil); werr != nil {
				return n, werr
			}
			if isLimit(err) {
				break
			}
			continue
		}
		if err != nil {
			return n, err
		}
		if err := write(rec.Row, rec.Values); err != nil {
			return n, err
		}
	}
	return n, nil
}

func isLimit(err error) bool {
	return errors.Is(err, mapping.ErrCellTooLarge) || errors.Is(err, mapping.ErrLineTooLong) || errors.Is(err, mapping.ErrTooManyColumns)
}

func idCell(id int) mapping.Cell {
	if id == 0 {
		return mapping.EmptyCell()
	}
	return mapping.IntCell(int64(id))
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
