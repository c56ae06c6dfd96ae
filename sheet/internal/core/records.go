package core

import (
	"errors"
	"io"
	"iter"
)

// Records ranges over the records of t; it is the one loop over a Table's
// Next. It yields each good record with a nil error, and each bad row that
// the reader can read past (a *RowError that is not a limit) with its
// error, and goes on. An error that ends the table (see EndsTable: a
// resource limit, or an error about the file rather than one row) is
// yielded once, and then Records ends: it never calls Next again after
// one, so a reader that returns the same error forever does not loop. With
// an error the Record is empty but for Row, the row of a *RowError (0 when
// unknown). Records ends silently at io.EOF or when the caller stops
// ranging. It does not close t.
func Records(t Table) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		for {
			rec, err := t.Next()
			if err == nil {
				if !yield(rec, nil) {
					return
				}
				continue
			}
			if errors.Is(err, io.EOF) {
				return
			}
			var re *RowError
			if errors.As(err, &re) {
				rec = Record{Row: re.Row}
			} else {
				rec = Record{}
			}
			if !yield(rec, err) || EndsTable(err) {
				return
			}
		}
	}
}

// EndsTable reports whether err, from a Table's Next, ends the table: a
// resource limit (see IsLimit), or an error that is not a *RowError (an
// I/O error, a broken workbook). Records yields such an error last.
func EndsTable(err error) bool {
	return err != nil && (IsLimit(err) || !errors.As(err, new(*RowError)))
}

// IsLimit reports whether err is, or wraps, one of the resource-limit
// errors of the readers: ErrCellTooLarge, ErrLineTooLong,
// ErrTooManyColumns or ErrTooLarge. A reader is done after one.
func IsLimit(err error) bool {
	return errors.Is(err, ErrCellTooLarge) || errors.Is(err, ErrLineTooLong) ||
		errors.Is(err, ErrTooManyColumns) || errors.Is(err, ErrTooLarge)
}

// Sample reads up to n good records of t, for Propose to look at, and
// returns their values. Bad rows are skipped; an error that ends the table
// (a cell over the limit, say) is returned, with the rows read before it.
func Sample(t Table, n int) ([][]string, error) {
	var out [][]string
	if n <= 0 {
		return out, nil
	}
	for rec, err := range Records(t) {
		if EndsTable(err) {
			return out, err
		}
		if err != nil {
			continue
		}
		out = append(out, rec.Values)
		if len(out) == n {
			break
		}
	}
	return out, nil
}
