package mapping_test

import (
	"fmt"
	"os"
	"time"

	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/value"
)

func ExampleNewCSVWriter() {
	w, err := mapping.NewCSVWriter(os.Stdout, mapping.CSVWriteOptions{Comma: ';'})
	if err != nil {
		panic(err)
	}
	_ = w.WriteHeader([]string{"id", "name", "phone", "created", "tags"})
	_ = w.WriteRow([]mapping.Cell{
		mapping.IntCell(31415926),
		mapping.StringCell("=HYPERLINK(\"http://evil\")"),
		mapping.StringCell("+442079460958"),
		mapping.DateCell(time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)),
		mapping.StringCell(value.JoinValues([]string{"vip", "b2b"})),
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
		e := mapping.EscapeFormula(s)
		fmt.Printf("%q -> %q -> %q\n", s, e, mapping.UnescapeFormula(e))
	}
	// Output:
	// "=1+2" -> "'=1+2" -> "=1+2"
	// "+442079460958" -> "+442079460958" -> "+442079460958"
	// "'=x" -> "''=x" -> "'=x"
}
