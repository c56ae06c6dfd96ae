package sheet_test

import (
	"fmt"
	"os"
	"time"

	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/value"
)

func ExampleNewCSVWriter() {
	w, err := sheet.NewCSVWriter(os.Stdout, sheet.CSVWriteOptions{Comma: ';'})
	if err != nil {
		panic(err)
	}
	_ = w.WriteHeader([]string{"id", "name", "phone", "created", "tags"})
	_ = w.WriteRow([]sheet.Cell{
		sheet.IntCell(31415926),
		sheet.StringCell("=HYPERLINK(\"http://evil\")"),
		sheet.StringCell("+442079460958"),
		sheet.DateCell(time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)),
		sheet.StringCell(value.JoinValues([]string{"vip", "b2b"})),
	})
	if err := w.Close(); err != nil {
		panic(err)
	}
	// Output:
	// id;name;phone;created;tags
	// 31415926;"'=HYPERLINK(""http://evil"")";+442079460958;2024-01-31;"vip; b2b"
}

func ExampleEscapeFormula() {
	for _, s := range []string{"=1+2", "+442079460958", "'=x"} {
		e := sheet.EscapeFormula(s)
		fmt.Printf("%q -> %q -> %q\n", s, e, sheet.UnescapeFormula(e))
	}
	// Output:
	// "=1+2" -> "'=1+2" -> "=1+2"
	// "+442079460958" -> "+442079460958" -> "+442079460958"
	// "'=x" -> "''=x" -> "'=x"
}
