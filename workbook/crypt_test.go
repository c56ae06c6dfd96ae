package workbook

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx"
)

// book writes a workbook built by build.
func book(t *testing.T, build func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	build(f)
	var buf bytes.Buffer
	must(t, f.Write(&buf))
	return buf.Bytes()
}

// TestEncryptDecrypt: an encrypted workbook is what mapping refuses as
// password-protected, and decrypts with the password to the same bytes.
func TestEncryptDecrypt(t *testing.T) {
	plain := book(t, func(f *excelize.File) {
		must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"Name", "Phone"}))
		must(t, f.SetSheetRow("Sheet1", "A2", &[]any{"Ada", "+44 20 7946 0000"}))
	})
	enc, err := Encrypt(plain, "pässwörd")
	must(t, err)
	if _, err := sheet.Open("x.xlsx", bytes.NewReader(enc), int64(len(enc)), sheet.ReadOptions{}); !errors.Is(err, sheet.ErrEncrypted) {
		t.Fatalf("sheet.Open(encrypted) error = %v, want ErrEncrypted", err)
	}
	// Excel's own check: excelize opens it with the password only.
	if _, err := excelize.OpenReader(bytes.NewReader(enc)); err == nil {
		t.Error("excelize opened the encrypted workbook without a password")
	}
	f, err := excelize.OpenReader(bytes.NewReader(enc), excelize.Options{Password: "pässwörd"})
	must(t, err)
	if v, _ := f.GetCellValue("Sheet1", "A2"); v != "Ada" {
		t.Errorf("A2 = %q", v)
	}
	f.Close()

	dec, err := Decrypt(enc, "pässwörd")
	must(t, err)
	if !bytes.Equal(dec, plain) {
		t.Errorf("Decrypt(Encrypt(b)) differs from b (%d and %d bytes)", len(dec), len(plain))
	}
	tb, err := sheet.Open("x.xlsx", bytes.NewReader(dec), int64(len(dec)), sheet.ReadOptions{})
	must(t, err)
	rec, err := tb.Next()
	must(t, err)
	if diff := cmp.Diff([]string{"Ada", "+44 20 7946 0000"}, rec.Values); diff != "" {
		t.Errorf("record (-want +got):\n%s", diff)
	}
	if _, err := tb.Next(); err != io.EOF {
		t.Errorf("Next = %v, want EOF", err)
	}

	// A package under 4 KB, which excelize alone encrypts wrong.
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, err := zw.Create("xl/workbook.xml")
	must(t, err)
	_, err = w.Write([]byte("<workbook/>"))
	must(t, err)
	must(t, zw.Close())
	small := zb.Bytes()
	senc, err := Encrypt(small, "p")
	must(t, err)
	sdec, err := Decrypt(senc, "p")
	must(t, err)
	if !bytes.HasPrefix(sdec, small[:len(small)-2]) || len(sdec) != minPackage {
		t.Errorf("Decrypt(Encrypt(small)) = %d bytes, want the %d bytes padded to %d", len(sdec), len(small), minPackage)
	}
	if _, err := zip.NewReader(bytes.NewReader(sdec), int64(len(sdec))); err != nil {
		t.Errorf("the padded workbook is no zip: %v", err)
	}

	if _, err := Decrypt(enc, "wrong"); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("Decrypt(wrong password) error = %v, want ErrWrongPassword", err)
	}
	if _, err := Decrypt(enc, ""); !errors.Is(err, ErrNoPassword) {
		t.Errorf("Decrypt(no password) error = %v, want ErrNoPassword", err)
	}
	if _, err := Encrypt(plain, ""); !errors.Is(err, ErrNoPassword) {
		t.Errorf("Encrypt(no password) error = %v, want ErrNoPassword", err)
	}
}

// TestRecalculate computes formula cells saved without values, as scripts
// write them: chained, shared, dates, text, booleans; mapping's reader
// then reads the results.
func TestRecalculate(t *testing.T) {
	data := book(t, func(f *excelize.File) {
		_, err := f.NewSheet("Deals")
		must(t, err)
		date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
		must(t, err)
		must(t, f.SetSheetRow("Deals", "A1", &[]any{"Name", "Price", "Total", "Label", "Due", "Big", "Code", "Next"}))
		shared, ref := excelize.STCellFormulaTypeShared, "H2:H3"
		must(t, f.SetCellFormula("Deals", "H2", "B2+1", excelize.FormulaOpts{Type: &shared, Ref: &ref}))
		must(t, f.SetSheetRow("Deals", "A2", &[]any{"Ada", 100}))
		must(t, f.SetSheetRow("Deals", "A3", &[]any{"Bob", 2.5}))
		for r := 2; r <= 3; r++ {
			row := itoa(r)
			must(t, f.SetCellFormula("Deals", "C"+row, "B"+row+"*1.5"))
			must(t, f.SetCellFormula("Deals", "D"+row, `A`+row+`&" #"&C`+row))
			must(t, f.SetCellFormula("Deals", "E"+row, "DATE(2025,1,"+row+")"))
			must(t, f.SetCellStyle("Deals", "E"+row, "E"+row, date))
			must(t, f.SetCellFormula("Deals", "F"+row, "C"+row+">100"))
			must(t, f.SetCellFormula("Deals", "G"+row, `"00"&`+row))
		}
	})
	u, err := xlsx.FindUncachedFormulas(bytes.NewReader(data), int64(len(data)), xlsx.Options{Sheet: "deals"}, -1)
	must(t, err)
	if u.Count != 12 {
		t.Fatalf("FindUncachedFormulas = %+v, want 12 cells", u)
	}
	out, err := Recalculate(data, "deals", u.Cells)
	must(t, err)
	x, err := xlsx.Open(bytes.NewReader(out), int64(len(out)), xlsx.Options{Sheet: "Deals"})
	must(t, err)
	defer x.Close()
	var got [][]string
	for {
		rec, err := x.Next()
		if err == io.EOF {
			break
		}
		must(t, err)
		got = append(got, rec.Values)
	}
	want := [][]string{
		{"Ada", "100", "150", "Ada #150", "2025-01-02", "TRUE", "002", "101"},
		{"Bob", "2.5", "3.75", "Bob #3.75", "2025-01-03", "FALSE", "003", "3.5"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if u := x.UncachedFormulas(); u.Count != 0 {
		t.Errorf("after Recalculate: %+v", u)
	}

	bad := book(t, func(f *excelize.File) {
		must(t, f.SetCellFormula("Sheet1", "B2", "NOSUCHFUNCTION(1)"))
	})
	if _, err := Recalculate(bad, "", []string{"B2"}); err == nil || !bytes.Contains([]byte(err.Error()), []byte("[Sheet1] cell B2: cannot compute =NOSUCHFUNCTION(1)")) {
		t.Errorf("Recalculate(unknown function) error = %v", err)
	}
}

func itoa(i int) string { return string(rune('0' + i)) }
