package xlsx_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/sheettest"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx"
)

// openFixture opens a committed file under testdata/files with Open.
func openFixture(t *testing.T, name string, opts sheet.ReadOptions) sheet.Table {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "files", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	tb, err := sheet.Open(filepath.Base(name), f, fi.Size(), opts)
	if err != nil {
		t.Fatalf("sheet.Open(%s) error = %v", name, err)
	}
	t.Cleanup(func() { tb.Close() })
	return tb
}

var calcCSVHeader = []string{"Имя", "Телефон", "C", "Дата рождения", "Визит", "Время", "Индекс",
	"Бюджет", "Итого", "Активен", "Скидка", "Email", "Email (2)"}

// calcCSVRecords is the first sheet of contacts.fods as Calc writes it to CSV;
// rub is how the charset renders the rouble sign.
func calcCSVRecords(rub string) []sheet.Record {
	return []sheet.Record{
		{Row: 2, Values: []string{"Иванов Иван", "79161234567", "441234567890", "07.03.1985", "2024-01-15 18:30", "09:45",
			"01234", "1,500.50 " + rub, "3,001.00 " + rub, "TRUE", "15%", "ivan@example.ru", "ivan@work.ru"}},
		{Row: 4, Values: []string{"Petrova, \"Masha\"\nsecond line", "+7 (912) 000-00-01", "", "29.02.2000", "", "", "",
			"0.1", "0.3", "FALSE", "ab", "", ""}},
	}
}

// TestLibreOffice reads workbooks written by LibreOffice Calc (see
// testdata/files/libreoffice/make.sh) and the CSV one of them came from.
func TestLibreOffice(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		opts    sheet.ReadOptions
		header  []string
		records []sheet.Record
	}{{
		name: "typed cells from flat ODS",
		file: "libreoffice/contacts.xlsx",
		header: []string{"Имя", "Телефон", "Телефон (2)", "Дата рождения", "Визит", "Время", "Индекс",
			"Бюджет", "Итого", "Активен", "Скидка", "Email", "Email (2)"},
		records: []sheet.Record{
			{Row: 2, Values: []string{"Иванов Иван", "79161234567", "441234567890", "1985-03-07", "2024-01-15T18:30:00", "09:45:00",
				"01234", "1500.5", "3001", "TRUE", "0.15", "ivan@example.ru", "ivan@work.ru"}},
			{Row: 4, Values: []string{"Petrova, \"Masha\"\nsecond line", "+7 (912) 000-00-01", "", "2000-02-29", "", "", "",
				"0.1", "0.3", "FALSE", "ab", "", ""}},
		},
	}, {
		name:    "second sheet by name",
		file:    "libreoffice/contacts.xlsx",
		opts:    sheet.ReadOptions{XLSX: xlsx.Options{Sheet: "Сделки"}},
		header:  []string{"Deal", "Amount"},
		records: []sheet.Record{{Row: 2, Values: []string{"Big one", "1234567.89"}}},
	}, {
		// LibreOffice typed the ru-RU CSV itself: dates became date serials,
		// decimal commas numbers, and the zip code lost its leading zero.
		name:   "CSV imported with ru-RU locale",
		file:   "libreoffice/ru_semicolon.xlsx",
		header: []string{"Name", "Phone", "Born", "Amount", "Zip"},
		records: []sheet.Record{
			{Row: 2, Values: []string{"Anna", "79161234567", "2024-01-15", "1234.56", "1234"}},
			{Row: 3, Values: []string{"Boris", "441234567890", "2000-02-29", "0.5", "65000"}},
			{Row: 5, Values: []string{"Vera", "", "", "", ""}},
		},
	}, {
		name:    "Calc CSV export, windows-1251 and ';'",
		file:    "libreoffice/contacts_cp1251.csv",
		header:  calcCSVHeader,
		records: calcCSVRecords("?"),
	}, {
		name:    "Calc CSV export, UTF-16LE and tab",
		file:    "libreoffice/contacts_utf16.csv",
		header:  calcCSVHeader,
		records: calcCSVRecords("₽"),
	}, {
		name:   "the source CSV",
		file:   "libreoffice/ru_semicolon.csv",
		header: []string{"Name", "Phone", "Born", "Amount", "Zip"},
		records: []sheet.Record{
			{Row: 2, Values: []string{"Anna", "79161234567", "15.01.2024", "1234,56", "01234"}},
			{Row: 3, Values: []string{"Boris", "441234567890", "29.02.2000", "0,5", "65000"}},
			{Row: 5, Values: []string{"Vera", "", "", "", ""}},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := openFixture(t, tt.file, tt.opts)
			if diff := cmp.Diff(tt.header, tb.Header()); diff != "" {
				t.Errorf("Header() mismatch (-want +got):\n%s", diff)
			}
			recs, err := sheettest.ReadAll(t, tb)
			if err != nil {
				t.Fatalf("Next() error = %v", err)
			}
			if diff := cmp.Diff(tt.records, recs); diff != "" {
				t.Errorf("records mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
