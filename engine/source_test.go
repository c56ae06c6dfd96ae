package engine

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"
)

// slowSource is a Source that is not a *bytes.Reader (so the engine reads
// it as it reads a Blob in the browser) and records its reads.
type slowSource struct {
	data []byte
	fail int64 // a read at or past this offset fails, if > 0

	mu    sync.Mutex
	reads int
	most  int // the largest read
	total int64
}

func (s *slowSource) fetched() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

func (s *slowSource) largest() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.most
}

var errRead = errors.New("the blob is gone")

func (s *slowSource) Size() int64 { return int64(len(s.data)) }

func (s *slowSource) ReadAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	s.reads++
	s.most = max(s.most, len(p))
	s.total += int64(len(p))
	s.mu.Unlock()
	if s.fail > 0 && off+int64(len(p)) > s.fail {
		return 0, errRead
	}
	return bytes.NewReader(s.data).ReadAt(p, off)
}

func TestReadAhead(t *testing.T) {
	data := make([]byte, 3*chunkSize+1234)
	for i := range data {
		data[i] = byte(i * 7)
	}
	for _, tc := range []struct {
		name string
		step int
	}{
		{"small reads", 4096},
		{"odd reads", 65537},
		{"reads larger than a chunk", 2*chunkSize + 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &slowSource{data: data}
			r := newReadAhead(src)
			var got []byte
			buf := make([]byte, tc.step)
			for off := int64(0); ; {
				n, err := r.ReadAt(buf, off)
				got = append(got, buf[:n]...)
				off += int64(n)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("ReadAt(%d) = %v", off, err)
				}
			}
			if !bytes.Equal(got, data) {
				t.Errorf("read %d bytes, want the %d of the source", len(got), len(data))
			}
			if src.most > chunkSize {
				t.Errorf("largest read of the source = %d, want ≤ %d", src.most, chunkSize)
			}
			if src.total != int64(len(data)) {
				t.Errorf("fetched %d bytes, want %d (each chunk once)", src.total, len(data))
			}
		})
	}
	t.Run("backwards", func(t *testing.T) {
		r := newReadAhead(&slowSource{data: data})
		for _, off := range []int64{2 * chunkSize, 10, chunkSize + 5, 3 * chunkSize} {
			b := make([]byte, 100)
			if _, err := r.ReadAt(b, off); err != nil {
				t.Fatalf("ReadAt(%d) = %v", off, err)
			}
			if !bytes.Equal(b, data[off:off+100]) {
				t.Errorf("ReadAt(%d) = %v, want %v", off, b[:4], data[off:off+4])
			}
		}
	})
	t.Run("error", func(t *testing.T) {
		r := newReadAhead(&slowSource{data: data, fail: 2 * chunkSize})
		_, err := io.Copy(io.Discard, io.NewSectionReader(r, 0, r.Size()))
		if !errors.Is(err, errRead) {
			t.Errorf("reading past a failing chunk = %v, want %v", err, errRead)
		}
	})
}

func TestReporter(t *testing.T) {
	var got []ReadProgress
	rep := newReporter("parse", func(p ReadProgress) { got = append(got, p) })
	for i := int64(0); i <= 10000; i++ {
		rep(i, 10000)
	}
	if len(got) < 100 || len(got) > 202 {
		t.Errorf("%d reports for 10000 steps, want about 200", len(got))
	}
	if last := got[len(got)-1]; last != (ReadProgress{Phase: "parse", Read: 10000, Total: 10000}) {
		t.Errorf("last report = %+v, want the end", last)
	}
	if newReporter("parse", nil) != nil {
		t.Error("newReporter(nil) != nil")
	}
}

// TestOpenSourceCSV opens a CSV from a slow source: it is read in chunks,
// never whole, validation reports its progress up to the end, and a
// failing source fails the pass.
func TestOpenSourceCSV(t *testing.T) {
	e, _ := setup(t)
	var b strings.Builder
	b.WriteString("Name,Email,Note\n")
	note := strings.Repeat("x", 120)
	for i := range 30000 {
		b.WriteString("Person " + itoa(i) + ",p" + itoa(i) + "@example.com," + note + "\n")
	}
	src := &slowSource{data: []byte(b.String())}
	fi, err := e.OpenSource(src, "people.csv", OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if fi.Format != "csv" || fi.Size != len(src.data) || len(fi.Preview) != 20 {
		t.Errorf("OpenSource = %s, %d bytes, %d preview rows; want csv, %d, 20", fi.Format, fi.Size, len(fi.Preview), len(src.data))
	}
	if n := src.fetched(); n > 8192+2*chunkSize {
		t.Errorf("opening read %d bytes of %d, want only the first chunk and the one after", n, src.Size())
	}
	var events []ReadProgress
	v, err := e.Validate(t.Context(), fi.ID, "entity: contacts\ncolumns:\n  - column: Name\n    field: name\n  - column: Email\n    field: EMAIL\n",
		ValidateOptions{Progress: func(p ReadProgress) { events = append(events, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if v.Rows != 30000 || v.Bad != 0 {
		t.Errorf("Validate = %d rows, %d bad; want 30000, 0", v.Rows, v.Bad)
	}
	if len(events) < 20 {
		t.Errorf("%d progress events while validating, want one per buffer read", len(events))
	}
	checkProgress(t, events, "parse", src.Size())
	if most := src.largest(); most > chunkSize {
		t.Errorf("largest read of the source = %d, want ≤ %d", most, chunkSize)
	}

	bad := &slowSource{data: src.data, fail: chunkSize}
	fi, err = e.OpenSource(bad, "people.csv", OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Validate(t.Context(), fi.ID, "entity: contacts\ncolumns:\n  - column: Name\n    field: name\n", ValidateOptions{}); !errors.Is(err, errRead) {
		t.Errorf("Validate over a failing source = %v, want %v", err, errRead)
	}
}

// TestOpenSourceXLSX opens a workbook from a slow source: it is copied in
// once, and validation reports the sheet's progress.
func TestOpenSourceXLSX(t *testing.T) {
	e, _ := setup(t)
	x := excelize.NewFile()
	sw, err := x.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	_ = sw.SetRow("A1", []any{"Name", "Email"})
	for i := range 5000 {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		_ = sw.SetRow(cell, []any{"Person " + itoa(i), "p" + itoa(i) + "@example.com"})
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	src := &slowSource{data: buf.Bytes()}
	var loads []ReadProgress
	fi, err := e.OpenSource(src, "people.xlsx", OpenOptions{Progress: func(p ReadProgress) { loads = append(loads, p) }})
	if err != nil {
		t.Fatal(err)
	}
	checkProgress(t, loads, "load", src.Size())
	read := src.fetched()
	var events []ReadProgress
	v, err := e.Validate(t.Context(), fi.ID, "entity: contacts\ncolumns:\n  - column: Name\n    field: name\n  - column: Email\n    field: EMAIL\n",
		ValidateOptions{Progress: func(p ReadProgress) { events = append(events, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if v.Rows != 5000 {
		t.Errorf("Validate = %d rows, want 5000", v.Rows)
	}
	if n := src.fetched(); n != read {
		t.Errorf("validation read the source again (%d bytes), want the copy made on open", n-read)
	}
	if len(events) < 2 {
		t.Fatalf("%d progress events while validating, want several", len(events))
	}
	checkProgress(t, events, "parse", events[0].Total)
}

// checkProgress checks that events go forward, in phase, to total.
func checkProgress(t *testing.T, events []ReadProgress, phase string, total int64) {
	t.Helper()
	if len(events) == 0 {
		t.Fatalf("no %s progress events", phase)
	}
	var last int64 = -1
	for _, p := range events {
		if p.Phase != phase || p.Total != total || p.Read < last || p.Read > total {
			t.Fatalf("progress %+v after %d, want phase %s going forward to %d", p, last, phase, total)
		}
		last = p.Read
	}
	if last != total {
		t.Errorf("last progress at %d, want %d", last, total)
	}
}
