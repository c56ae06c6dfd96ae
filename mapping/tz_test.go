package mapping

import (
	"testing"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// Dates are read in the spec's zone, else the account's; a date or
// birthday field keeps the day as written, as midnight of the account's
// zone (how Kommo stores it), while a date_time is the instant read.
func TestDatesAndTheAccountZone(t *testing.T) {
	bogota, _ := time.LoadLocation("America/Bogota")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	schema := &Schema{Location: bogota, Fields: map[kommo.EntityType][]*kommo.CustomField{kommo.EntityLeads: {
		{ID: 1, Name: "Close", Type: kommo.FieldDate},
		{ID: 2, Name: "Born", Type: kommo.FieldBirthday},
		{ID: 3, Name: "Meeting", Type: kommo.FieldDateTime},
	}}}
	header := []string{"Name", "Close", "Born", "Meeting", "Created"}
	for _, tc := range []struct {
		zone string
		loc  *time.Location // the zone dates without an offset are read in
	}{{"", bogota}, {"Asia/Tokyo", tokyo}} {
		spec := &Spec{Entity: kommo.EntityLeads, Options: Options{TimeZone: tc.zone}, Columns: []ColumnSpec{
			{Column: "Name", Target: Target{Field: "name"}},
			{Column: "Close", Target: Target{Field: "Close"}},
			{Column: "Born", Target: Target{Field: "Born"}},
			{Column: "Meeting", Target: Target{Field: "Meeting"}},
			{Column: "Created", Target: Target{Field: "created_at"}},
		}}
		m, err := Compile(spec, schema, header)
		if err != nil {
			t.Fatal(err)
		}
		row, errs := m.Map(sheet.Record{Row: 2, Values: []string{"Deal", "2024-03-15", "1990-07-04T23:30:00+09:00", "2024-03-15 10:00", "2024-03-01 09:00"}})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		got := map[int]int64{}
		for _, f := range row.Lead.CustomFieldsValues {
			tm, _ := f.Values[0].Time()
			got[f.FieldID] = tm.Unix()
		}
		want := map[int]int64{
			1: time.Date(2024, 3, 15, 0, 0, 0, 0, bogota).Unix(),
			2: time.Date(1990, 7, 4, 0, 0, 0, 0, bogota).Unix(), // the day written, whatever its offset
			3: time.Date(2024, 3, 15, 10, 0, 0, 0, tc.loc).Unix(),
		}
		for id, w := range want {
			if got[id] != w {
				t.Errorf("time_zone %q: field %d = %s, want %s", tc.zone, id, time.Unix(got[id], 0).UTC(), time.Unix(w, 0).UTC())
			}
		}
		if w := time.Date(2024, 3, 1, 9, 0, 0, 0, tc.loc).Unix(); row.Lead.CreatedAt != w {
			t.Errorf("time_zone %q: created_at = %d, want %d", tc.zone, row.Lead.CreatedAt, w)
		}
	}
}
