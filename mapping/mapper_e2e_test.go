package mapping

import (
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

const bitrixSpec = `
entity: leads
key: ID
options:
  region: RU
  time_zone: Europe/Moscow
  date_layouts: ["dd.mm.yyyy"]
  locale: ru
columns:
  - {column: Название лида, field: name}
  - {column: Имя, entity: contacts, field: first_name}
  - {column: Фамилия, entity: contacts, field: last_name}
  - {column: Рабочий телефон, entity: contacts, field: PHONE, enum: WORK}
  - {column: Мобильный телефон, entity: contacts, field: PHONE, enum: MOB}
  - {column: Рабочий e-mail, entity: contacts, field: EMAIL, enum: WORK}
  - {column: Название компании, entity: companies, field: name}
  - {column: Стадия, field: status, map: {Квалифицирован: Qualified}}
  - {column: Источник, field: Deal source, map: {Сайт: Web, Звонок: Phone, Выставка: Événement}}
  - {column: Ответственный, field: responsible_user}
  - {column: Бюджет, field: price, transforms: [round]}
  - {column: Дата создания, field: created_at}
  - {column: Теги, field: tags}
constants:
  - {field: pipeline, value: Партнёры}
`

// TestEndToEnd reads a Bitrix24-style export (BOM, ";", Russian headers,
// decimal commas, a blank line), maps every row and checks the rows and
// the errors, with their lines and columns.
func TestEndToEnd(t *testing.T) {
	f, err := os.Open("../testdata/files/mapping/bitrix-leads.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	tab, err := sheet.Open("bitrix-leads.csv", f, st.Size(), sheet.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	m, err := Compile(mustParse(t, bitrixSpec), testSchema(), tab.Header())
	if err != nil {
		t.Fatal(err)
	}
	msk, _ := time.LoadLocation("Europe/Moscow")
	at := func(d, h, min int) int64 { return time.Date(2024, 3, d, h, min, 0, 0, msk).Unix() }

	var rows []*Row
	type rowErr struct {
		Row           int
		Column, Value string
		Err           string
	}
	var errs []rowErr
	report := &Report{MaxErrors: 3}
	for row, es := range m.Rows(tab, "bitrix-leads.csv") {
		report.Add(row, es)
		if row != nil {
			rows = append(rows, row)
		}
		for _, e := range es {
			if e.File != "bitrix-leads.csv" {
				t.Errorf("RowError.File = %q, want bitrix-leads.csv", e.File)
			}
			errs = append(errs, rowErr{e.Row, e.Column, e.Value, e.Err.Error()})
		}
	}

	cols := func(extra map[string]string) map[string]string {
		out := map[string]string{"leads:name": "Название лида", "leads:status_id": "Стадия", "leads:custom_fields_values.0": "Источник",
			"leads:price": "Бюджет", "leads:created_at": "Дата создания"}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	wantRows := []*Row{
		{
			File: "bitrix-leads.csv", Line: 2, Key: "101", Entity: kommo.EntityLeads,
			PhoneRegion: RegionUse{Region: "RU", From: RegionFromSpec},
			Lead: &kommo.LeadRequest{Name: "Сайт: заявка", Price: ptr(150001.0), StatusID: 2003, PipelineID: 200, ResponsibleUserID: 2,
				CreatedAt: at(15, 10, 30), TagsToAdd: []kommo.TagRef{{Name: "сайт"}, {Name: "горячий"}},
				CustomFieldsValues: kommo.CustomFieldValues{{FieldID: 30, Values: []kommo.FieldValue{kommo.EnumID(41)}}}},
			Contact: &kommo.ContactRequest{FirstName: "Иван", LastName: "Петров", CustomFieldsValues: kommo.CustomFieldValues{
				{FieldID: 10, Values: []kommo.FieldValue{kommo.Multitext("+74951234567", "WORK"), kommo.Multitext("+79161234567", "MOB")}},
				{FieldID: 11, Values: []kommo.FieldValue{kommo.Multitext("ivan@example.ru", "WORK")}},
			}},
			Company: &kommo.CompanyRequest{Name: "ООО «Ромашка»"},
			Match: map[kommo.EntityType]MatchKey{
				kommo.EntityContacts:  {Kind: MatchEmail, Values: []string{"ivan@example.ru"}},
				kommo.EntityCompanies: {Kind: MatchName, Values: []string{"ооо ромашка"}},
			},
			Columns: cols(map[string]string{"leads:responsible_user_id": "Ответственный", "leads:tags_to_add": "Теги",
				"contacts:first_name": "Имя", "contacts:last_name": "Фамилия",
				"contacts:custom_fields_values.0": "Рабочий телефон", "contacts:custom_fields_values.0.values.1": "Мобильный телефон",
				"contacts:custom_fields_values.1": "Рабочий e-mail", "companies:name": "Название компании"}),
		},
		{
			File: "bitrix-leads.csv", Line: 3, Key: "102", Entity: kommo.EntityLeads,
			PhoneRegion: RegionUse{Region: "RU", From: RegionFromSpec},
			Lead: &kommo.LeadRequest{Name: "Звонок", Price: ptr(12500.0), StatusID: 2002, PipelineID: 200, ResponsibleUserID: 1,
				CreatedAt:          at(16, 9, 0),
				CustomFieldsValues: kommo.CustomFieldValues{{FieldID: 30, Values: []kommo.FieldValue{kommo.EnumID(42)}}}},
			Contact: &kommo.ContactRequest{FirstName: "Мария", CustomFieldsValues: kommo.CustomFieldValues{
				{FieldID: 10, Values: []kommo.FieldValue{kommo.Multitext("+79161234568", "MOB")}},
			}},
			Match: map[kommo.EntityType]MatchKey{kommo.EntityContacts: {Kind: MatchEmail}},
			Columns: cols(map[string]string{"leads:responsible_user_id": "Ответственный", "contacts:first_name": "Имя",
				"contacts:custom_fields_values.0": "Мобильный телефон"}),
		},
		{
			File: "bitrix-leads.csv", Line: 5, Key: "104", Entity: kommo.EntityLeads,
			Lead:    &kommo.LeadRequest{Name: "Без контакта", Price: ptr(1000.0), StatusID: 142, PipelineID: 200, CreatedAt: at(17, 0, 0)},
			Columns: map[string]string{"leads:name": "Название лида", "leads:status_id": "Стадия", "leads:price": "Бюджет", "leads:created_at": "Дата создания"},
		},
	}
	if diff := cmp.Diff(wantRows, rows); diff != "" {
		t.Errorf("rows mismatch (-want +got):\n%s", diff)
	}
	// Row 4's phone and e-mail are kept as written (warnings), but its
	// other cells fail it.
	wantErrs := []rowErr{
		{4, "Ответственный", "Ivan Petrov", `unknown user "Ivan Petrov"`},
		{4, "Бюджет", "abc", `invalid number: "abc" has an unexpected 'a'`},
		{4, "Дата создания", "32.03.2024", `invalid date: "32.03.2024": day out of range`},
		{7, "Стадия", "Договор", `unknown stage "Договор" in pipeline "Партнёры"; did you mean "Переговоры"?`},
	}
	if diff := cmp.Diff(wantErrs, errs); diff != "" {
		t.Errorf("errors mismatch (-want +got):\n%s", diff)
	}
	wantReport := &Report{Rows: 5, Good: 3, Bad: 2, Errors: 4, MaxErrors: 3,
		ByColumn: map[string]int{"Ответственный": 1, "Бюджет": 1, "Дата создания": 1, "Стадия": 1},
		Regions:  map[RegionUse]int{{Region: "RU", From: RegionFromSpec}: 2}}
	ignore := cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "First" || p.String() == "Causes" }, cmp.Ignore())
	if diff := cmp.Diff(wantReport, report, ignore); diff != "" {
		t.Errorf("report mismatch (-want +got):\n%s", diff)
	}
	if len(report.First) != 3 {
		t.Errorf("len(report.First) = %d, want 3", len(report.First))
	}
}
