package engine

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx"
)

// benchSpec maps the bench files; web/e2e/bench.mjs validates the same
// files with the same spec in the browser.
const benchSpec = `entity: contacts
options:
  region: US
  date_layouts: ["dd.mm.yyyy"]
columns:
  - column: Name
    field: name
  - column: Email
    field: EMAIL
  - column: Phone
    field: PHONE
  - column: Position
    field: POSITION
  - column: Birthday
    field: Birthday
`

// writeBenchFiles writes contacts.csv and contacts.xlsx of n rows to dir
// (every 1000th row has a phone without digits, which lands left out with
// a warning), 20 columns of which the spec maps 5.
func writeBenchFiles(dir string, n int) (csvPath, xlsxPath string, err error) {
	return writeBenchFilesAs(dir, "contacts", n, 15)
}

// writeBenchFilesAs writes name.csv and name.xlsx of n rows with extra
// unmapped columns after the five mapped ones.
func writeBenchFilesAs(dir, name string, n, extra int) (csvPath, xlsxPath string, err error) {
	var csvBuf, xlsxBuf bytes.Buffer
	cw, err := sheet.NewCSVWriter(&csvBuf, sheet.CSVWriteOptions{})
	if err != nil {
		return "", "", err
	}
	xw, err := xlsx.NewWriter(&xlsxBuf, xlsx.WriteOptions{Sheet: "Contacts"})
	if err != nil {
		return "", "", err
	}
	header := []string{"Name", "Email", "Phone", "Position", "Birthday"}
	for i := range extra {
		header = append(header, "Note "+strconv.Itoa(i+1))
	}
	for _, w := range []sheet.TableWriter{cw, xw} {
		if err := w.WriteHeader(header); err != nil {
			return "", "", err
		}
	}
	for i := range n {
		phone := fmt.Sprintf("(202) 555-%04d", i%10000)
		if i%1000 == 999 {
			phone = "n/a"
		}
		row := []sheet.Cell{
			sheet.StringCell("Person " + strconv.Itoa(i)),
			sheet.StringCell(fmt.Sprintf("p%d@example.com", i)),
			sheet.StringCell(phone),
			sheet.StringCell("Engineer"),
			sheet.StringCell(fmt.Sprintf("%02d.%02d.19%02d", i%28+1, i%12+1, i%100)),
		}
		for j := range extra {
			row = append(row, sheet.StringCell("note "+strconv.Itoa((i+j)%1000)))
		}
		for _, w := range []sheet.TableWriter{cw, xw} {
			if err := w.WriteRow(row); err != nil {
				return "", "", err
			}
		}
	}
	if err := cw.Close(); err != nil {
		return "", "", err
	}
	if err := xw.Close(); err != nil {
		return "", "", err
	}
	csvPath, xlsxPath = filepath.Join(dir, name+".csv"), filepath.Join(dir, name+".xlsx")
	if err := os.WriteFile(csvPath, csvBuf.Bytes(), 0o644); err != nil {
		return "", "", err
	}
	return csvPath, xlsxPath, os.WriteFile(xlsxPath, xlsxBuf.Bytes(), 0o644)
}

// BenchmarkOpenValidate is the native side of the browser measure: open a
// 100k-row file and validate every row, as the page's "Check all rows"
// does. With KOMMO_BULK_BENCH_DIR set it leaves the files there for
// web/e2e/bench.mjs.
func BenchmarkOpenValidate(b *testing.B) {
	dir := os.Getenv("KOMMO_BULK_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	rows := 100_000
	if testing.Short() {
		rows = 10_000
	}
	csvPath, xlsxPath, err := writeBenchFiles(dir, rows)
	if err != nil {
		b.Fatal(err)
	}
	if os.Getenv("KOMMO_BULK_BENCH_1M") != "" {
		// For the browser only: does a 1M-row workbook (5 columns, to
		// keep the time sane) load in a tab?
		if _, _, err := writeBenchFilesAs(dir, "big", 1_000_000, 0); err != nil {
			b.Fatal(err)
		}
	}
	e, _ := setup(b)
	if _, err := e.Schema(b.Context()); err != nil { // fetched once, as the page does before checking
		b.Fatal(err)
	}
	for _, p := range []string{csvPath, xlsxPath} {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Ext(p)[1:], func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				fi, err := e.OpenFile(data, filepath.Base(p), OpenOptions{})
				if err != nil {
					b.Fatal(err)
				}
				v, err := e.Validate(b.Context(), fi.ID, benchSpec, ValidateOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if v.Rows != rows || v.Bad != 0 || v.Warned != rows/1000 {
					b.Fatalf("validate: %d rows, %d bad, %d warned; want %d, 0 and %d", v.Rows, v.Bad, v.Warned, rows, rows/1000)
				}
				e.CloseFile(fi.ID)
			}
		})
	}
}
