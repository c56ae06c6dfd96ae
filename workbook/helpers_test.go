package workbook

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// emulator starts the Kommo emulator with its default seed and returns a
// client on it.
func emulator(t testing.TB) (*kt.Server, *kommo.Client) {
	t.Helper()
	emu, err := kt.NewServer(kt.Options{Tokens: []string{"tok"}, Rate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(func() { srv.Close(); emu.Close() })
	c, err := kommo.NewClient(srv.URL, kommo.WithToken("tok"), kommo.WithRateLimit(rate.Inf, 1))
	if err != nil {
		t.Fatal(err)
	}
	return emu, c
}

// seedSchema is the schema of the emulator's default seed.
func seedSchema(t testing.TB) *mapping.Schema {
	t.Helper()
	_, c := emulator(t)
	s, err := bulk.FetchSchema(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// open opens workbook bytes with excelize.
func open(t testing.TB, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// namedRange returns the cells of a workbook-level defined name, row by
// row, as excelize reads them.
func namedRange(t testing.TB, f *excelize.File, name string) [][]string {
	t.Helper()
	for _, d := range f.GetDefinedName() {
		if d.Name != name || d.Scope != "Workbook" {
			continue
		}
		sheet, ref, ok := strings.Cut(d.RefersTo, "!")
		if !ok {
			t.Fatalf("defined name %s = %q", name, d.RefersTo)
		}
		from, to, _ := strings.Cut(strings.ReplaceAll(ref, "$", ""), ":")
		c1, r1, err := excelize.CellNameToCoordinates(from)
		must(t, err)
		c2, r2, err := excelize.CellNameToCoordinates(to)
		must(t, err)
		var out [][]string
		for r := r1; r <= r2; r++ {
			var row []string
			for c := c1; c <= c2; c++ {
				cell, _ := excelize.CoordinatesToCellName(c, r)
				v, err := f.GetCellValue(sheet, cell)
				must(t, err)
				row = append(row, v)
			}
			out = append(out, row)
		}
		return out
	}
	t.Fatalf("no defined name %s in %v", name, f.GetDefinedName())
	return nil
}

// column0 returns the first cell of each row.
func column0(rows [][]string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r[0]
	}
	return out
}

// validations returns the data validations of sheet by sqref.
func validations(t testing.TB, f *excelize.File, sheet string) map[string]*excelize.DataValidation {
	t.Helper()
	dvs, err := f.GetDataValidations(sheet)
	must(t, err)
	out := map[string]*excelize.DataValidation{}
	for _, d := range dvs {
		out[d.Sqref] = d
	}
	return out
}

// sheetXML returns a part of a workbook package.
func sheetXML(t testing.TB, b []byte, part string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	must(t, err)
	for _, f := range zr.File {
		if f.Name == part {
			rc, err := f.Open()
			must(t, err)
			defer rc.Close()
			data, err := io.ReadAll(rc)
			must(t, err)
			return string(data)
		}
	}
	t.Fatalf("no part %s", part)
	return ""
}
