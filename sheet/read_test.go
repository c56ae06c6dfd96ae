package sheet

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRowError(t *testing.T) {
	reason := errors.New("invalid phone")
	tests := []struct {
		name string
		err  *RowError
		want string
	}{
		{"csv", &RowError{File: "contacts.csv", Row: 12, Column: "Phone", Err: reason}, `contacts.csv: row 12, column "Phone": invalid phone`},
		{"xlsx sheet", &RowError{File: "leads.xlsx", Sheet: "Лиды", Row: 3, Column: "B", Err: reason}, `leads.xlsx [Лиды]: row 3, column "B": invalid phone`},
		{"field", &RowError{File: "a.csv", Row: 2, Column: "Tel", Field: "phone", Err: reason}, `a.csv: row 2, column "Tel", field "phone": invalid phone`},
		{"row only", &RowError{Row: 7, Err: reason}, `row 7: invalid phone`},
		{"no err", &RowError{File: "a.csv", Row: 1}, `a.csv: row 1: invalid value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
	wrapped := fmt.Errorf("import: %w", &RowError{Row: 1, Err: ErrCellTooLarge})
	if !errors.Is(wrapped, ErrCellTooLarge) {
		t.Errorf("errors.Is(%v, ErrCellTooLarge) = false, want true", wrapped)
	}
}

func TestColumnLetter(t *testing.T) {
	for in, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA", 16383: "XFD", -1: ""} {
		if got := ColumnLetter(in); got != want {
			t.Errorf("ColumnLetter(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestUniqueHeaders(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"unique", []string{"a", "b"}, []string{"a", "b"}},
		{"duplicates", []string{"Phone", "Phone", "Phone"}, []string{"Phone", "Phone (2)", "Phone (3)"}},
		{"case-insensitive", []string{"Email", "email"}, []string{"Email", "email (2)"}},
		{"existing suffix kept", []string{"Phone", "Phone", "Phone (2)"}, []string{"Phone", "Phone (3)", "Phone (2)"}},
		{"empty and blank", []string{"", " x ", "  "}, []string{"A", "x", "C"}},
		{"empty clashes with letter", []string{"B", ""}, []string{"B", "B (2)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, UniqueHeaders(tt.in)); diff != "" {
				t.Errorf("UniqueHeaders(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		head string
		want Format
	}{
		{"a.csv", "a,b", FormatCSV},
		{"a.xlsx", "PK\x03\x04xxxx", FormatXLSX},
		{"upload", "PK\x03\x04xxxx", FormatXLSX},
		{"a.ods", "PK\x03\x04xxxx", FormatUnknown},
		{"a.xls", string(oleMagic), FormatUnknown},
		{"a.xls", "a\tb\n", FormatCSV},
		{"a.xlsx", "a,b", FormatUnknown},
		{`C:\Users\x\A.XLSX`, "PK\x03\x04", FormatXLSX},
	}
	for _, tt := range tests {
		if got := Sniff(tt.name, []byte(tt.head)); got != tt.want {
			t.Errorf("Sniff(%q, %q) = %v, want %v", tt.name, tt.head, got, tt.want)
		}
	}
}

// ExampleOpen reads a semicolon-separated file with a byte-order mark.
func ExampleOpen() {
	data := "\uFEFFName;Phone;Price\r\nAnn;+7 912 000-00-00;1,5\r\n\r\nBob;;2\r\n"
	r := strings.NewReader(data)
	tb, err := Open("contacts.csv", r, r.Size(), ReadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tb.Close()
	fmt.Println(tb.Header())
	for {
		rec, err := tb.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err) // a *RowError; keep going
			continue
		}
		fmt.Println(rec.Row, rec.Values)
	}
	// Output:
	// [Name Phone Price]
	// 2 [Ann +7 912 000-00-00 1,5]
	// 4 [Bob  2]
}
