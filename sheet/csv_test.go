package sheet

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/sheettest"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// enc encodes UTF-8 text s with e, failing the test on unencodable text.
func enc(t testing.TB, e encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return b
}

func TestOpenCSV(t *testing.T) {
	utf16le := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	utf16be := unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	tests := []struct {
		name     string
		input    []byte
		opts     CSVOptions
		header   []string
		records  []Record
		comma    rune
		encoding string
	}{{
		name:     "plain comma LF",
		input:    []byte("Name,Phone\nAnn,123\nBob,456\n"),
		header:   []string{"Name", "Phone"},
		records:  []Record{{Row: 2, Values: []string{"Ann", "123"}}, {Row: 3, Values: []string{"Bob", "456"}}},
		comma:    ',',
		encoding: "utf-8",
	}, {
		name:     "BOM semicolon decimal commas CRLF",
		input:    []byte("\xEF\xBB\xBFName;Price;Qty\r\nA;1,5;2\r\nB;2,75;3\r\n"),
		header:   []string{"Name", "Price", "Qty"},
		records:  []Record{{Row: 2, Values: []string{"A", "1,5", "2"}}, {Row: 3, Values: []string{"B", "2,75", "3"}}},
		comma:    ';',
		encoding: "utf-8",
	}, {
		// The apostrophe EscapeFormula adds is removed, in the header too;
		// white space and other apostrophes are kept.
		name:     "formula guard",
		input:    []byte("ID,'=Total,'-x\n1,'@a,'tis\n2,\"'\t=cmd\",  =spaced \n3,''=x,'+44 20\n"),
		header:   []string{"ID", "=Total", "-x"},
		records:  []Record{{Row: 2, Values: []string{"1", "@a", "'tis"}}, {Row: 3, Values: []string{"2", "\t=cmd", "  =spaced "}}, {Row: 4, Values: []string{"3", "'=x", "'+44 20"}}},
		comma:    ',',
		encoding: "utf-8",
	}, {
		name:     "decimal commas in every row, header without",
		input:    []byte("Price;Discount\r\n1,5;0,25\r\n3,5;0,5\r\n10,0;1,75\r\n"),
		header:   []string{"Price", "Discount"},
		records:  []Record{{Row: 2, Values: []string{"1,5", "0,25"}}, {Row: 3, Values: []string{"3,5", "0,5"}}, {Row: 4, Values: []string{"10,0", "1,75"}}},
		comma:    ';',
		encoding: "utf-8",
	}, {
		name:     "windows-1251 cyrillic detected",
		input:    enc(t, charmap.Windows1251, "Имя;Телефон;Город\r\nИванов Иван;+7 912 000-00-00;Москва\r\nПетрова Мария;89120000001;Санкт-Петербург\r\n"),
		header:   []string{"Имя", "Телефон", "Город"},
		records:  []Record{{Row: 2, Values: []string{"Иванов Иван", "+7 912 000-00-00", "Москва"}}, {Row: 3, Values: []string{"Петрова Мария", "89120000001", "Санкт-Петербург"}}},
		comma:    ';',
		encoding: "windows-1251",
	}, {
		name:     "windows-1252 accents detected",
		input:    enc(t, charmap.Windows1252, "Name,City,Note\nJosé,São Paulo,café\nMüller,Köln,Größe\nFrançois,Besançon,naïve\n"),
		header:   []string{"Name", "City", "Note"},
		records:  []Record{{Row: 2, Values: []string{"José", "São Paulo", "café"}}, {Row: 3, Values: []string{"Müller", "Köln", "Größe"}}, {Row: 4, Values: []string{"François", "Besançon", "naïve"}}},
		comma:    ',',
		encoding: "windows-1252",
	}, {
		name:     "encoding override",
		input:    enc(t, charmap.Windows1251, "Имя,Email\nЁж,a@b.c\n"),
		opts:     CSVOptions{Encoding: "CP1251"},
		header:   []string{"Имя", "Email"},
		records:  []Record{{Row: 2, Values: []string{"Ёж", "a@b.c"}}},
		comma:    ',',
		encoding: "cp1251",
	}, {
		name:     "utf-16le BOM tab (Excel unicode text)",
		input:    enc(t, utf16le, "Имя\tТелефон\r\nАнна\t79120000000\r\n"),
		header:   []string{"Имя", "Телефон"},
		records:  []Record{{Row: 2, Values: []string{"Анна", "79120000000"}}},
		comma:    '\t',
		encoding: "utf-16le",
	}, {
		name:     "utf-16be BOM",
		input:    enc(t, utf16be, "Name;Ville\nZoë;Liège\n"),
		header:   []string{"Name", "Ville"},
		records:  []Record{{Row: 2, Values: []string{"Zoë", "Liège"}}},
		comma:    ';',
		encoding: "utf-16be",
	}, {
		name:     "utf-16le without BOM",
		input:    enc(t, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "a,b\n1,2\n"),
		header:   []string{"a", "b"},
		records:  []Record{{Row: 2, Values: []string{"1", "2"}}},
		comma:    ',',
		encoding: "utf-16le",
	}, {
		name:     "quoted newlines keep start line",
		input:    []byte("Name,Note,Phone\nAnn,\"line1\nline2\nline3\",1\nBob,\"x, y\",2\n"),
		header:   []string{"Name", "Note", "Phone"},
		records:  []Record{{Row: 2, Values: []string{"Ann", "line1\nline2\nline3", "1"}}, {Row: 5, Values: []string{"Bob", "x, y", "2"}}},
		comma:    ',',
		encoding: "utf-8",
	}, {
		name:     "empty and blank rows skipped",
		input:    []byte("\n\na,b\n\n,\n  ,\t\n1,2\n\n"),
		header:   []string{"a", "b"},
		records:  []Record{{Row: 7, Values: []string{"1", "2"}}},
		comma:    ',',
		encoding: "utf-8",
	}, {
		name:     "duplicate and empty headers",
		input:    []byte("Phone, Phone ,,phone,Phone (2)\n1,2,3,4,5\n"),
		header:   []string{"Phone", "Phone (3)", "C", "phone (4)", "Phone (2)"},
		records:  []Record{{Row: 2, Values: []string{"1", "2", "3", "4", "5"}}},
		comma:    ',',
		encoding: "utf-8",
	}, {
		name:     "ragged rows padded and kept",
		input:    []byte("a;b;c\n1\n1;2;3;4\n"),
		header:   []string{"a", "b", "c"},
		records:  []Record{{Row: 2, Values: []string{"1", "", ""}}, {Row: 3, Values: []string{"1", "2", "3", "4"}}},
		comma:    ';',
		encoding: "utf-8",
	}, {
		name:     "pipe",
		input:    []byte("a|b\n1|2\n"),
		header:   []string{"a", "b"},
		records:  []Record{{Row: 2, Values: []string{"1", "2"}}},
		comma:    '|',
		encoding: "utf-8",
	}, {
		name:     "quoted semicolons do not fool the sniffer",
		input:    []byte("\"a;b\",c\n\"x;y;z\",w\n\"p;q\",r\n"),
		header:   []string{"a;b", "c"},
		records:  []Record{{Row: 2, Values: []string{"x;y;z", "w"}}, {Row: 3, Values: []string{"p;q", "r"}}},
		comma:    ',',
		encoding: "utf-8",
	}, {
		name:     "header row option",
		input:    []byte("Exported 2024-01-01\n\nName,Phone\nAnn,1\n"),
		opts:     CSVOptions{HeaderRow: 3},
		header:   []string{"Name", "Phone"},
		records:  []Record{{Row: 4, Values: []string{"Ann", "1"}}},
		comma:    ',',
		encoding: "utf-8",
	}, {
		name:     "no header",
		input:    []byte("Ann,1\nBob,2,x\n"),
		opts:     CSVOptions{NoHeader: true},
		header:   []string{"A", "B"},
		records:  []Record{{Row: 1, Values: []string{"Ann", "1"}}, {Row: 2, Values: []string{"Bob", "2", "x"}}},
		comma:    ',',
		encoding: "utf-8",
	}, {
		name:     "given comma overrides detection",
		input:    []byte("a;b,c\n1;2,3\n"),
		opts:     CSVOptions{Comma: ';'},
		header:   []string{"a", "b,c"},
		records:  []Record{{Row: 2, Values: []string{"1", "2,3"}}},
		comma:    ';',
		encoding: "utf-8",
	}, {
		name:     "invalid utf-8 in a utf-8 file replaced",
		input:    append([]byte("a,b\n1,2\n"+strings.Repeat("x,y\n", 20000)), []byte("\xff,z\n")...),
		header:   []string{"a", "b"},
		comma:    ',',
		encoding: "utf-8",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := OpenCSV(bytes.NewReader(tt.input), tt.opts)
			if err != nil {
				t.Fatalf("OpenCSV() error = %v", err)
			}
			defer c.Close()
			if diff := cmp.Diff(tt.header, c.Header()); diff != "" {
				t.Errorf("Header() mismatch (-want +got):\n%s", diff)
			}
			if c.Comma() != tt.comma {
				t.Errorf("Comma() = %q, want %q", c.Comma(), tt.comma)
			}
			if c.Encoding() != tt.encoding {
				t.Errorf("Encoding() = %q, want %q", c.Encoding(), tt.encoding)
			}
			recs, err := sheettest.ReadAll(t, c)
			if err != nil {
				t.Fatalf("Next() error = %v", err)
			}
			if tt.records == nil {
				last := recs[len(recs)-1]
				if last.Values[0] != "\uFFFD" {
					t.Errorf("last record = %q, want replacement character", last.Values)
				}
				return
			}
			if diff := cmp.Diff(tt.records, recs); diff != "" {
				t.Errorf("records mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOpenCSVErrors(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		opts    CSVOptions
		openErr error     // expected from OpenCSV
		want    *RowError // expected from Next, compared without Err/Value
		wantIs  error
		fatal   bool // Next keeps failing
	}{{
		name:   "cell too large",
		input:  "a,b\n1," + strings.Repeat("x", 100) + "\n",
		opts:   CSVOptions{Name: "big.csv", Limits: Limits{MaxCellSize: 50}},
		want:   &RowError{File: "big.csv", Row: 2, Column: "b"},
		wantIs: ErrCellTooLarge,
		fatal:  true,
	}, {
		name:   "line too long without newline",
		input:  "a,b\n1,2\n" + strings.Repeat("y", 300<<10),
		opts:   CSVOptions{Name: "long.csv", Limits: Limits{MaxLineLength: 100 << 10, MaxCellSize: -1}},
		want:   &RowError{File: "long.csv", Row: 3},
		wantIs: ErrLineTooLong,
		fatal:  true,
	}, {
		name:   "unterminated quote bounded",
		input:  "a,b\n1,\"" + strings.Repeat("z\n", 200<<10),
		opts:   CSVOptions{Name: "q.csv", LazyQuotes: true, Limits: Limits{MaxLineLength: 100 << 10, MaxCellSize: -1}},
		want:   &RowError{File: "q.csv", Row: 2},
		wantIs: ErrLineTooLong,
		fatal:  true,
	}, {
		name:   "too many columns",
		input:  "a,b\n1,2,3,4,5\n",
		opts:   CSVOptions{Name: "wide.csv", Limits: Limits{MaxColumns: 4}},
		want:   &RowError{File: "wide.csv", Row: 2, Column: "E"},
		wantIs: ErrTooManyColumns,
		fatal:  true,
	}, {
		name:   "bare quote reported, not fatal",
		input:  "a,b\n1,x\"y\n2,ok\n",
		opts:   CSVOptions{Name: "q.csv"},
		want:   &RowError{File: "q.csv", Row: 2},
		wantIs: errors.New("bare"), // checked by message below
	}, {
		name:    "unknown encoding",
		input:   "a\n",
		opts:    CSVOptions{Name: "x.csv", Encoding: "ebcdic"},
		openErr: ErrUnknownEncoding,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := OpenCSV(strings.NewReader(tt.input), tt.opts)
			if tt.openErr != nil {
				if !errors.Is(err, tt.openErr) {
					t.Fatalf("OpenCSV() error = %v, want %v", err, tt.openErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("OpenCSV() error = %v", err)
			}
			_, err = sheettest.ReadAll(t, c)
			var re *RowError
			if !errors.As(err, &re) {
				t.Fatalf("Next() error = %v (%T), want *RowError", err, err)
			}
			got := *re
			got.Err, got.Value = nil, ""
			if diff := cmp.Diff(*tt.want, got); diff != "" {
				t.Errorf("RowError mismatch (-want +got):\n%s\nerror: %v", diff, err)
			}
			if tt.fatal {
				if !errors.Is(err, tt.wantIs) {
					t.Errorf("Next() error = %v, want errors.Is %v", err, tt.wantIs)
				}
				if _, err2 := c.Next(); err2 != err {
					t.Errorf("Next() after limit error = %v, want same error %v", err2, err)
				}
				return
			}
			if !strings.Contains(err.Error(), "LazyQuotes") {
				t.Errorf("Next() error = %q, want a hint about LazyQuotes", err)
			}
			rec, err := c.Next()
			if err != nil || rec.Row != 3 {
				t.Errorf("Next() after bad row = %v, %v; want row 3", rec, err)
			}
		})
	}
}

// TestOpenCSVNULByte checks that a cell holding a NUL character is a
// RowError naming the file, row and column, and that the reader goes on
// with the next row; a NUL in the header refuses the file.
func TestOpenCSVNULByte(t *testing.T) {
	c, err := OpenCSV(strings.NewReader("Name,Note\nAnn,a\x00b\nBob,ok\n"), CSVOptions{Name: "n.csv"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Next()
	var re *RowError
	if !errors.As(err, &re) || !errors.Is(err, ErrNULByte) || re.Row != 2 || re.Column != "Note" || re.Value != "a\uFFFDb" {
		t.Fatalf("Next() error = %#v, want a RowError at row 2, column Note, ErrNULByte", err)
	}
	if want := `n.csv: row 2, column "Note": NUL character in the cell`; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Next() error = %q, want it to start with %q", err, want)
	}
	rec, err := c.Next()
	if err != nil || rec.Row != 3 || rec.Values[0] != "Bob" {
		t.Errorf("Next() after the bad row = %v, %v; want row 3", rec, err)
	}
	if _, err := c.Next(); err != io.EOF {
		t.Errorf("Next() at the end = %v, want io.EOF", err)
	}
	if _, err := OpenCSV(strings.NewReader("Na\x00me,Note\nAnn,x\n"), CSVOptions{Name: "n.csv"}); !errors.Is(err, ErrNULByte) {
		t.Errorf("OpenCSV(NUL in the header) error = %v, want ErrNULByte", err)
	}
}

func TestOpenCSVEmpty(t *testing.T) {
	for _, in := range []string{"", "\n\n", "\xEF\xBB\xBF", ",,\n"} {
		if _, err := OpenCSV(strings.NewReader(in), CSVOptions{Name: "e.csv"}); err == nil || !strings.Contains(err.Error(), "e.csv") {
			t.Errorf("OpenCSV(%q) error = %v, want a no-header error naming the file", in, err)
		}
	}
}

func TestSniffDelimiter(t *testing.T) {
	tests := []struct {
		name      string
		sample    string
		truncated bool
		want      rune
	}{
		{"comma", "a,b,c\n1,2,3\n", false, ','},
		{"semicolon", "a;b;c\n1;2;3\n", false, ';'},
		{"tab", "a\tb\n1\t2\n", false, '\t'},
		{"pipe", "a|b\n1|2\n", false, '|'},
		{"semicolon with decimal commas", "name;price\nx;1,5\ny;2,5\n", false, ';'},
		{"semicolon all decimal", "p;q\n1,5;2,5\n3,5;4,5\n", false, ';'},
		{"comma with semicolons in text", "name,note\nA,x;y\nB,z;w;v\n", false, ','},
		{"quoted commas", "\"x,y\";z\n\"a,b,c\";d\n", false, ';'},
		{"single column", "name\nAnn\nBob; Jr\n", false, ','},
		{"empty", "", false, ','},
		{"truncated last line ignored", "a;b\n1;2\n3;4\nx,y,z,w,v", true, ';'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SniffDelimiter([]byte(tt.sample), tt.truncated); got != tt.want {
				t.Errorf("SniffDelimiter(%q) = %q, want %q", tt.sample, got, tt.want)
			}
		})
	}
}

func TestDetectEncoding(t *testing.T) {
	tests := []struct {
		name      string
		sample    []byte
		truncated bool
		want      string
		bom       int
	}{
		{"ascii", []byte("a,b\n"), false, "utf-8", 0},
		{"utf-8 bom", []byte("\xEF\xBB\xBFa"), false, "utf-8", 3},
		{"utf-16le bom", []byte("\xFF\xFEa\x00"), false, "utf-16le", 2},
		{"utf-16be bom", []byte("\xFE\xFF\x00a"), false, "utf-16be", 2},
		{"utf-8 cyrillic", []byte("Имя,Фамилия\n"), false, "utf-8", 0},
		{"utf-8 cut mid-rune when truncated", []byte("Имя")[:5], true, "utf-8", 0},
		{"cp1251", enc(t, charmap.Windows1251, "Фамилия,Email\nСидоров,s@x.ru\n"), false, "windows-1251", 0},
		{"cp1251 mostly ascii", enc(t, charmap.Windows1251, "name,email,phone,city\nJohn,john@example.com,+79120000000,Екатеринбург\n"), false, "windows-1251", 0},
		{"cp1252", enc(t, charmap.Windows1252, "Name,Stadt\nJürgen,Düsseldorf\nRenée,Besançon\n"), false, "windows-1252", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, bom := DetectEncoding(tt.sample, tt.truncated)
			if got != tt.want || bom != tt.bom {
				t.Errorf("DetectEncoding(%q) = %q, %d; want %q, %d", tt.sample, got, bom, tt.want, tt.bom)
			}
		})
	}
}
