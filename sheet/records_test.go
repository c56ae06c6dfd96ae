package sheet

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx"
	"io"
	"strings"
	"testing"
)

// scripted is a Table that returns its results in order and then repeats
// the last one forever, as a reader does after a limit. It fails the test
// past max calls of Next: a loop that does not stop.
type scripted struct {
	t     *testing.T
	steps []step
	calls int
	max   int
}

type step struct {
	rec Record
	err error
}

func (s *scripted) Header() []string { return []string{"Name", "Notes"} }
func (s *scripted) Close() error     { return nil }

func (s *scripted) Next() (Record, error) {
	s.calls++
	if s.calls > s.max {
		s.t.Fatalf("Next called %d times: the loop does not stop", s.calls)
	}
	st := s.steps[min(s.calls, len(s.steps))-1]
	return st.rec, st.err
}

// bigCell is longer than the default 1 MiB cell limit.
var bigCell = strings.Repeat("x", 11<<20/10)

func TestRecordsStopsAtLimit(t *testing.T) {
	limit := &RowError{File: "big.csv", Row: 5, Column: "Notes", Err: fmt.Errorf("%w: 1153433 bytes, limit 1048576", ErrCellTooLarge)}
	bad := &RowError{File: "big.csv", Row: 3, Err: errors.New("bare quote")}
	tb := &scripted{t: t, max: 100, steps: []step{
		{rec: Record{Row: 2, Values: []string{"Ada", ""}}},
		{err: bad},
		{rec: Record{Row: 4, Values: []string{"Bob", ""}}}, // a bad row is read past
		{err: limit}, // and then forever
	}}
	var got []string
	for rec, err := range Records(tb) {
		got = append(got, fmt.Sprintf("%d %v", rec.Row, err))
	}
	want := []string{
		"2 <nil>",
		"3 big.csv: row 3: bare quote",
		"4 <nil>",
		`5 big.csv: row 5, column "Notes": cell exceeds size limit: 1153433 bytes, limit 1048576`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Records yielded\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if tb.calls != 4 {
		t.Errorf("Next called %d times, want 4: none after the limit", tb.calls)
	}
}

func TestRecordsEnds(t *testing.T) {
	io1 := fmt.Errorf("big.csv: %w", io.ErrUnexpectedEOF)
	tests := []struct {
		name  string
		steps []step
		want  int // yields
		calls int
	}{
		{"eof", []step{{rec: Record{Row: 2}}, {err: io.EOF}}, 1, 2},
		{"file error", []step{{rec: Record{Row: 2}}, {err: io1}}, 2, 2},
		{"too large", []step{{err: fmt.Errorf("book.xlsx: %w", ErrTooLarge)}}, 1, 1},
		{"line too long", []step{{err: &RowError{Row: 7, Err: ErrLineTooLong}}}, 1, 1},
		{"too many columns", []step{{err: &RowError{Row: 7, Column: "XFE", Err: ErrTooManyColumns}}}, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := &scripted{t: t, max: 100, steps: tc.steps}
			n := 0
			for range Records(tb) {
				n++
			}
			if n != tc.want || tb.calls != tc.calls {
				t.Errorf("%d yields, %d calls of Next; want %d and %d", n, tb.calls, tc.want, tc.calls)
			}
		})
	}
	// The caller may stop early.
	tb := &scripted{t: t, max: 100, steps: []step{{rec: Record{Row: 2}}}}
	for range Records(tb) {
		break
	}
	if tb.calls != 1 {
		t.Errorf("after a break: %d calls of Next, want 1", tb.calls)
	}
}

func TestIsLimit(t *testing.T) {
	for _, err := range []error{ErrCellTooLarge, ErrLineTooLong, ErrTooManyColumns, ErrTooLarge} {
		wrapped := fmt.Errorf("x.xlsx: %w", &RowError{Row: 2, Err: fmt.Errorf("%w: detail", err)})
		if !IsLimit(wrapped) || !EndsTable(wrapped) {
			t.Errorf("IsLimit, EndsTable(%v) = %v, %v; want true", wrapped, IsLimit(wrapped), EndsTable(wrapped))
		}
	}
	row := &RowError{Row: 2, Err: errors.New("bare quote")}
	if IsLimit(row) || EndsTable(row) || EndsTable(nil) || !EndsTable(io.ErrUnexpectedEOF) {
		t.Error("a row error ends the table, nil does, or a file error does not")
	}
}

// TestRecordsCellOverLimit reads real files with a cell over the limit:
// CSV, whose reader returns the same error forever after it, and XLSX
// (with a lower limit: the writer keeps Excel's 32767 characters).
func TestRecordsCellOverLimit(t *testing.T) {
	csvData := "Name,Notes\nAda,short\n\"Bob\",\"" + bigCell + "\"\nCy,after\n"
	xlsxOpts := ReadOptions{XLSX: xlsx.Options{Limits: Limits{MaxCellSize: 1000}}}
	var xb bytes.Buffer
	w, err := xlsx.NewWriter(&xb, xlsx.WriteOptions{Sheet: "People"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range [][]string{{"Name", "Notes"}, {"Ada", "short"}, {"Bob", bigCell[:2000]}, {"Cy", "after"}} {
		if err := w.WriteRow([]Cell{StringCell(r[0]), StringCell(r[1])}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name string
		data []byte
		opts ReadOptions
		want string
	}{
		{"big.csv", []byte(csvData), ReadOptions{}, `big.csv: row 3, column "Notes": cell exceeds size limit: 1153433 bytes, limit 1048576`},
		{"big.xlsx", xb.Bytes(), xlsxOpts, `big.xlsx [People]: row 3, column "Notes": cell exceeds size limit: 2000 bytes, limit 1000`},
	} {
		t.Run(f.name, func(t *testing.T) {
			tb, err := Open(f.name, bytes.NewReader(f.data), int64(len(f.data)), f.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer tb.Close()
			var rows []int
			var errs []error
			for rec, err := range Records(tb) {
				if err != nil {
					errs = append(errs, err)
					continue
				}
				rows = append(rows, rec.Row)
				if len(rows) > 10 {
					t.Fatal("more than 10 records: the loop does not stop")
				}
			}
			if len(rows) != 1 || rows[0] != 2 || len(errs) != 1 {
				t.Fatalf("records %v, errors %v; want row 2 then one error", rows, errs)
			}
			if !IsLimit(errs[0]) || !strings.HasPrefix(errs[0].Error(), f.want) {
				t.Errorf("error %q, want a limit error starting %q", errs[0], f.want)
			}
			// Sample ends there too, with the error.
			tb2, _ := Open(f.name, bytes.NewReader(f.data), int64(len(f.data)), f.opts)
			sample, err := Sample(tb2, 50)
			if len(sample) != 1 || sample[0][0] != "Ada" || !IsLimit(err) {
				t.Errorf("Sample = %v, %v; want Ada's row and the limit error", sample, err)
			}
		})
	}
}

func TestSample(t *testing.T) {
	bad := &RowError{Row: 3, Err: errors.New("bare quote")}
	tb := &scripted{t: t, max: 100, steps: []step{
		{rec: Record{Row: 2, Values: []string{"Ada"}}},
		{err: bad},
		{rec: Record{Row: 4, Values: []string{"Bob"}}},
	}}
	got, err := Sample(tb, 2)
	if err != nil || len(got) != 2 || got[0][0] != "Ada" || got[1][0] != "Bob" || tb.calls != 3 {
		t.Errorf("Sample(2) = %v, %v after %d calls; want Ada and Bob after 3 (the bad row skipped)", got, err, tb.calls)
	}
	if got, err := Sample(tb, 0); len(got) != 0 || err != nil || tb.calls != 3 {
		t.Errorf("Sample(0) = %v, %v; want nothing read", got, err)
	}
}
