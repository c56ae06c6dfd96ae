package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/core"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/sheettest"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx"
)

func TestEscapeFormula(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "hello", "hello"},
		{"equals", "=1+2", "'=1+2"},
		{"hyperlink", `=HYPERLINK("http://x","click")`, `'=HYPERLINK("http://x","click")`},
		{"plus formula", "+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"minus formula", "-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"at", "@SUM(A1)", "'@SUM(A1)"},
		{"tab", "\t=1", "'\t=1"},
		{"cr", "\r=1", "'\r=1"},
		{"e164 phone kept", "+442079460958", "+442079460958"},
		{"formatted phone kept", "+7 (999) 123-45-67", "+7 (999) 123-45-67"},
		{"negative number kept", "-12.5", "-12.5"},
		{"negative grouped kept", "-1,234.5", "-1,234.5"},
		{"lone minus", "-", "'-"},
		{"lone plus", "+", "'+"},
		{"dash text", "- item", "'- item"},
		{"apostrophe then trigger", "'=1", "''=1"},
		{"apostrophes then trigger", "''@x", "'''@x"},
		{"apostrophe plain", "'tis", "'tis"},
		{"apostrophe then phone", "'+44 20", "'+44 20"},
		{"equals in middle", "a=b", "a=b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := EscapeFormula(tt.in)
			if got != tt.want {
				t.Errorf("EscapeFormula(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if back := UnescapeFormula(got); back != tt.in {
				t.Errorf("UnescapeFormula(%q) = %q, want %q", got, back, tt.in)
			}
		})
	}
}

func TestUnescapeFormulaLeavesForeignApostrophes(t *testing.T) {
	for _, s := range []string{"'", "'tis", "'+44 20 7946 0958", "''", "x'=1"} {
		if got := UnescapeFormula(s); got != s {
			t.Errorf("UnescapeFormula(%q) = %q, want unchanged", s, got)
		}
	}
}

func FuzzEscapeFormula(f *testing.F) {
	for _, s := range []string{"", "=1", "'=1", "+44 20", "-", "'", "\t", "@x", "''+a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := EscapeFormula(s)
		if back := UnescapeFormula(e); back != s {
			t.Errorf("UnescapeFormula(EscapeFormula(%q)) = %q, want %q", s, back, s)
		}
		if e != "" && core.IsFormulaTrigger(e[0]) && !core.IsPlainNumeric(e) {
			t.Errorf("EscapeFormula(%q) = %q starts with a formula trigger", s, e)
		}
	})
}

func TestCSVWriter(t *testing.T) {
	header, rows := sheettest.SampleRows()
	tests := []struct {
		name string
		opts CSVWriteOptions
		want string
	}{
		{
			name: "default",
			opts: CSVWriteOptions{},
			want: "ID,Name,Phone,Price,Created,Born,Active,Note,'=Header\n" +
				"123456789012,Иван Петров,+442079460958,1234.5,2024-01-31T14:30:15Z,1990-05-17,true,\"'=HYPERLINK(\"\"x\"\")\",\n" +
				"7,\"a,\"\"b\"\"\nc\",'-,-0.25,2024-01-31T17:30:15+03:00,1800-01-01,false,'@x,''=x\n",
		},
		{
			name: "semicolon bom crlf",
			opts: CSVWriteOptions{Comma: ';', BOM: true, CRLF: true},
			want: "\ufeffID;Name;Phone;Price;Created;Born;Active;Note;'=Header\r\n" +
				"123456789012;Иван Петров;+442079460958;1234.5;2024-01-31T14:30:15Z;1990-05-17;true;\"'=HYPERLINK(\"\"x\"\")\";\r\n" +
				"7;\"a,\"\"b\"\"\nc\";'-;-0.25;2024-01-31T17:30:15+03:00;1800-01-01;false;'@x;''=x\r\n", // the line break in a value stays "\n"
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewCSVWriter(&buf, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.WriteHeader(header); err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if err := w.WriteRow(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, buf.String()); diff != "" {
				t.Errorf("CSV output mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCSVWriterErrors(t *testing.T) {
	if _, err := NewCSVWriter(io.Discard, CSVWriteOptions{Comma: '"'}); err == nil {
		t.Errorf("NewCSVWriter(Comma: '\"') = nil error, want error")
	}
	w, _ := NewCSVWriter(io.Discard, CSVWriteOptions{})
	if err := w.WriteRow([]Cell{StringCell("x")}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteHeader([]string{"a"}); !errors.Is(err, core.ErrHeaderAfterRows) {
		t.Errorf("WriteHeader after WriteRow = %v, want %v", err, core.ErrHeaderAfterRows)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRow(nil); !errors.Is(err, core.ErrWriterClosed) {
		t.Errorf("WriteRow after Close = %v, want %v", err, core.ErrWriterClosed)
	}
	var buf bytes.Buffer
	w, _ = NewCSVWriter(&buf, CSVWriteOptions{BOM: true})
	_ = w.Close()
	if got := buf.String(); got != "\ufeff" {
		t.Errorf("empty CSV with BOM = %q, want BOM only", got)
	}
}

// TestCSVRoundTripInjection writes hostile and phone-like values to CSV,
// reads them back with encoding/csv and UnescapeFormula, and checks that
// every value comes back exactly.
func TestCSVRoundTripInjection(t *testing.T) {
	values := []string{"=1+2", "+442079460958", "+7 (999) 123-45-67", "-12.5", "-", "@SUM(A1)", "\t=x", "'=x", "'tis", "plain", "''@x"}
	var buf bytes.Buffer
	w, _ := NewCSVWriter(&buf, CSVWriteOptions{})
	for _, v := range values {
		if err := w.WriteRow([]Cell{StringCell(v)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range values {
		raw := recs[i][0]
		if raw != "" && core.IsFormulaTrigger(raw[0]) && !core.IsPlainNumeric(raw) {
			t.Errorf("row %d: CSV cell %q starts with a formula trigger", i, raw)
		}
		if got := UnescapeFormula(raw); got != v {
			t.Errorf("row %d: UnescapeFormula(%q) = %q, want %q", i, raw, got, v)
		}
	}
}

// TestWriterMemoryFlat writes 200k rows and checks that the heap in use at
// the end (and sampled during the run) grows by far less than the size of
// the output: the writers must stream.
func TestWriterMemoryFlat(t *testing.T) {
	if testing.Short() || raceEnabled {
		// The writers start no goroutines, so -race adds nothing here but
		// a twentyfold slowdown.
		t.Skip("writes 200k rows; run without -short and -race")
	}
	const rows = 200_000
	tests := []struct {
		name  string
		new   func(io.Writer) (TableWriter, error)
		bound uint64
	}{
		{"csv", func(w io.Writer) (TableWriter, error) { return NewCSVWriter(w, CSVWriteOptions{}) }, 8 << 20},
		// excelize buffers up to 16 MiB of sheet XML before spilling to a
		// temporary file, plus its own bookkeeping.
		{"xlsx", func(w io.Writer) (TableWriter, error) {
			return xlsx.NewWriter(w, xlsx.WriteOptions{TmpDir: t.TempDir()})
		}, 64 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cw := &sheettest.CountingWriter{}
			before := sheettest.HeapInuse()
			w, err := tt.new(cw)
			if err != nil {
				t.Fatal(err)
			}
			var peak uint64
			if err := w.WriteHeader(sheettest.BenchHeader); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < rows; i++ {
				if err := w.WriteRow(sheettest.BenchRow(i)); err != nil {
					t.Fatal(err)
				}
				if i%50_000 == 49_999 {
					peak = max(peak, sheettest.HeapInuse())
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			after := sheettest.HeapInuse()
			growth := int64(peak) - int64(before)
			t.Logf("%s: %d rows, %d bytes out, heap before %d MiB, peak %d MiB, after %d MiB",
				tt.name, rows, cw.N, before>>20, peak>>20, after>>20)
			if growth > int64(tt.bound) {
				t.Errorf("%s: heap grew by %d MiB while writing %d rows (%d MiB out), want < %d MiB",
					tt.name, growth>>20, rows, cw.N>>20, tt.bound>>20)
			}
			if cw.N < rows*20 {
				t.Errorf("%s: wrote only %d bytes for %d rows", tt.name, cw.N, rows)
			}
		})
	}
}

func BenchmarkCSVWriter100k(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		w, _ := NewCSVWriter(io.Discard, CSVWriteOptions{})
		sheettest.WriteRows(b, w, 100_000)
	}
	b.ReportMetric(float64(b.N)*100_000/b.Elapsed().Seconds(), "rows/s")
}
