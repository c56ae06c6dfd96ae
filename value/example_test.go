package value_test

import (
	"fmt"
	"time"

	"github.com/kommo-bulk/kommo-bulk/value"
)

func ExampleParseNumber() {
	for _, s := range []string{"1 234,56 ₽", "$1,234.50", "(12.5)", "1,234"} {
		v, _ := value.ParseNumber(s, value.NumberFormatFor("de"))
		fmt.Println(v)
	}
	// Output:
	// 1234.56
	// 1234.5
	// -12.5
	// 1.234
}

func ExampleParsePhone() {
	for _, s := range []string{"8 (999) 123-45-67", "00 44 20 7946 0958", "4.41E+11"} {
		p, err := value.ParsePhone(s, "RU")
		fmt.Println(p, err)
	}
	// Output:
	// +79991234567 <nil>
	// +442079460958 <nil>
	//  invalid phone number: "4.41E+11" is a number in scientific notation that lost its last digits in a spreadsheet; format the column as text and export again
}

func ExampleSplitName() {
	n, _ := value.SplitName("Петров Иван Иванович", value.FamilyFirst)
	fmt.Printf("%q %q %q\n", n.First, n.Middle, n.Last)
	n, _ = value.SplitName("Jan van der Berg", value.GivenFirst)
	fmt.Printf("%q %q %q\n", n.First, n.Middle, n.Last)
	// Output:
	// "Иван" "Иванович" "Петров"
	// "Jan" "" "van der Berg"
}

func ExampleDateParser() {
	p, _ := value.NewDateParser(value.DateOptions{
		Layouts: []string{"dd/mm/yyyy", "mm/dd/yyyy"}, // European files: day first
		Serial:  value.SerialExcel1900,
	})
	for _, s := range []string{"01/02/2024", "02/13/2024 09:30", "45322", "2024-01-31T10:00:00+03:00"} {
		t, _ := p.Parse(s)
		fmt.Println(t.Format(time.RFC3339))
	}
	// Output:
	// 2024-02-01T00:00:00Z
	// 2024-02-13T09:30:00Z
	// 2024-01-31T00:00:00Z
	// 2024-01-31T10:00:00+03:00
}

func ExampleValueMap() {
	m, _ := value.NewValueMap(map[string]string{"Hot": "142", "Warm": "143", "Cold": "144"})
	id, _ := m.Lookup(" HOT ")
	fmt.Println(id)
	_, err := m.Lookup("Hto")
	fmt.Println(err)
	// Output:
	// 142
	// unknown value "Hto"; did you mean "Hot"?
}
