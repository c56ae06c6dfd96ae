// Package tables reads and writes the fixed-schema tables people fill in
// or read in a spreadsheet: the source values a migration could not match
// (to fill and read back as its tables), the account's schema, and the
// sections of a migration report. Rows are structs marshalled by gocsv,
// over the project's own readers and writers: mapping's reader (any
// encoding and delimiter a spreadsheet saves, or an .xlsx workbook) and
// encoding/csv's writer with a byte-order mark for Excel and formula-like
// text neutralised. It never touches gocsv's package-level settings.
//
// It is native only, like package workbook: wasm/ never imports it.
package tables

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"

	"github.com/gocarina/gocsv"

	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// Write writes rows, a slice of structs with csv tags, as CSV to w: a
// UTF-8 byte-order mark (Excel reads the file as UTF-8 then), the header
// from the tags, one record per element. Text that a spreadsheet would
// take for a formula is escaped as sheet.EscapeFormula does; Read
// undoes it.
func Write(w io.Writer, rows any) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString("\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if err := gocsv.MarshalCSV(escaped(rows), gocsv.NewSafeCSVWriter(cw)); err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteFile writes rows to path with Write.
func WriteFile(path string, rows any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = Write(f, rows)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// escaped returns a copy of the slice of structs rows whose string fields
// are escaped with sheet.EscapeFormula.
func escaped(rows any) any {
	v := reflect.ValueOf(rows)
	out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
	for i := range v.Len() {
		e := v.Index(i)
		ptr := e.Kind() == reflect.Pointer
		if ptr {
			e = e.Elem()
		}
		c := reflect.New(e.Type()).Elem()
		c.Set(e)
		for j := range c.NumField() {
			if f := c.Field(j); f.Kind() == reflect.String && f.CanSet() {
				f.SetString(sheet.EscapeFormula(f.String()))
			}
		}
		if ptr {
			out.Index(i).Set(c.Addr())
		} else {
			out.Index(i).Set(c)
		}
	}
	return out.Interface()
}

// Read reads the table in data (CSV in any encoding and delimiter
// mapping detects, or an .xlsx workbook's first sheet) into out, a
// pointer to a slice of structs with csv tags, matching columns by
// header. It returns the row number, as a spreadsheet shows it, of each
// element. name is for errors.
func Read(name string, data []byte, out any) ([]int, error) {
	t, err := sheet.Open(filepath.Base(name), bytes.NewReader(data), int64(len(data)), sheet.ReadOptions{})
	if err != nil {
		return nil, err
	}
	defer t.Close()
	r := &tableReader{t: t}
	if err := gocsv.UnmarshalCSV(r, out); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return r.rows, nil
}

// ReadFile reads the table of the file path with Read.
func ReadFile(path string, out any) ([]int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Read(path, b, out)
}

// tableReader is gocsv's CSVReader over a sheet.Table: the header, then
// the records, keeping their row numbers.
type tableReader struct {
	t      sheet.Table
	header bool
	rows   []int
}

func (r *tableReader) Read() ([]string, error) {
	if !r.header {
		r.header = true
		return r.t.Header(), nil
	}
	rec, err := r.t.Next()
	if err != nil {
		return nil, err
	}
	r.rows = append(r.rows, rec.Row)
	return rec.Values, nil
}

func (r *tableReader) ReadAll() ([][]string, error) {
	var all [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return all, nil
		}
		if err != nil {
			return nil, err
		}
		all = append(all, rec)
	}
}
