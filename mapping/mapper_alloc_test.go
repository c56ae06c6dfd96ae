package mapping

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// sharedSpec maps contacts with a company, two columns into one PHONE
// field and tags, so that which columns are empty changes Columns.
const sharedSpec = `
entity: contacts
match: email
columns:
  - {column: Name, field: name}
  - {column: Email, field: EMAIL}
  - {column: Phone, field: PHONE, enum: MOB}
  - {column: Phone2, field: PHONE, enum: WORK}
  - {column: Tags, field: tags, clear_if_empty: true}
  - {column: Company, entity: companies, field: name}
  - {column: Web, entity: companies, field: WEB}
`

var sharedHeader = []string{"Name", "Email", "Phone", "Phone2", "Tags", "Company", "Web"}

// wantColumns is what Columns must hold for rec, built the slow way: one
// entry per value sent.
func wantColumns(rec []string) map[string]string {
	m := map[string]string{}
	if rec[0] != "" {
		m["contacts:name"] = "Name"
	}
	m["contacts:tags_to_add"] = "Tags"
	if rec[4] == "" {
		delete(m, "contacts:tags_to_add")
		m["contacts:_embedded.tags"] = "Tags"
	}
	j := 0
	if rec[1] != "" {
		m["contacts:custom_fields_values.0"] = "Email"
		j++
	}
	switch {
	case rec[2] != "" && rec[3] != "":
		m[fmt.Sprintf("contacts:custom_fields_values.%d", j)] = "Phone"
		m[fmt.Sprintf("contacts:custom_fields_values.%d.values.1", j)] = "Phone2"
	case rec[2] != "":
		m[fmt.Sprintf("contacts:custom_fields_values.%d", j)] = "Phone"
	case rec[3] != "":
		m[fmt.Sprintf("contacts:custom_fields_values.%d", j)] = "Phone2"
	}
	if rec[5] != "" || rec[6] != "" {
		if rec[5] != "" {
			m["companies:name"] = "Company"
		}
		if rec[6] != "" {
			m["companies:custom_fields_values.0"] = "Web"
		}
	}
	return m
}

// Rows with different sets of filled columns get different Columns maps,
// rows with the same set share one, and none is changed by later rows.
func TestMapColumnsShared(t *testing.T) {
	m, err := Compile(mustParse(t, sharedSpec), testSchema(), sharedHeader)
	if err != nil {
		t.Fatal(err)
	}
	var recs [][]string
	for mask := range 1 << len(sharedHeader) {
		rec := []string{"Ann Lee", "ann@example.com", "+12025550123", "+12025550124", "vip", "ACME", "acme.com"}
		for i := range rec {
			if mask&(1<<i) != 0 {
				rec[i] = ""
			}
		}
		recs = append(recs, rec)
	}
	type result struct {
		rec  []string
		cols map[string]string
		copy map[string]string
	}
	var results []result
	for pass := range 2 {
		for i, rec := range recs {
			row, errs := m.Map(sheet.Record{Row: i + 2, Values: rec})
			if errs != nil {
				t.Fatalf("%q: %v", rec, errs)
			}
			if pass == 0 {
				results = append(results, result{rec, row.Columns, maps.Clone(row.Columns)})
			} else if p, q := reflect.ValueOf(row.Columns).Pointer(), reflect.ValueOf(results[i].cols).Pointer(); p != q {
				t.Errorf("%q: a row with the same filled columns got another Columns map", rec)
			}
		}
	}
	distinct := map[uintptr]bool{}
	for _, r := range results {
		if want := wantColumns(r.rec); !maps.Equal(r.cols, want) {
			t.Errorf("%q: Columns = %v, want %v", r.rec, r.cols, want)
		}
		if !maps.Equal(r.cols, r.copy) {
			t.Errorf("%q: Columns changed by later rows: %v, was %v", r.rec, r.cols, r.copy)
		}
		distinct[reflect.ValueOf(r.cols).Pointer()] = true
	}
	sets := map[string]bool{}
	for _, r := range results {
		b, _ := json.Marshal(r.cols)
		sets[string(b)] = true
	}
	if len(distinct) != len(sets) {
		t.Errorf("%d maps for %d distinct column sets", len(distinct), len(sets))
	}
}

// Past maxColumnSets distinct sets, rows get maps of their own, still
// right.
func TestMapColumnsCacheBound(t *testing.T) {
	var spec strings.Builder
	spec.WriteString("entity: leads\ncolumns:\n")
	var header []string
	for i := range 10 {
		fmt.Fprintf(&spec, "  - {column: T%d, field: tags}\n", i)
		header = append(header, fmt.Sprintf("T%d", i))
	}
	m, err := Compile(mustParse(t, spec.String()), testSchema(), header)
	if err != nil {
		t.Fatal(err)
	}
	for mask := 1; mask < 1<<10; mask++ {
		rec := make([]string, 10)
		last := ""
		for i := range rec {
			if mask&(1<<i) != 0 {
				rec[i], last = "x", header[i]
			}
		}
		row, errs := m.Map(sheet.Record{Row: 2, Values: rec})
		if errs != nil {
			t.Fatal(errs)
		}
		if want := map[string]string{"leads:tags_to_add": last}; !maps.Equal(row.Columns, want) {
			t.Fatalf("mask %b: Columns = %v, want %v", mask, row.Columns, want)
		}
	}
	if n := m.sh.cols.n; n != maxColumnSets {
		t.Errorf("cache holds %d sets, want %d", n, maxColumnSets)
	}
}

// A Mapper maps from several goroutines at once (run with -race): every
// row equals the row mapped alone.
func TestMapConcurrent(t *testing.T) {
	for _, phone := range []bool{false, true} {
		m, err := Compile(mustParse(t, mapBenchSpecFor(phone)), testSchema(), mapBenchHeader)
		if err != nil {
			t.Fatal(err)
		}
		recs := make([]sheet.Record, 300)
		want := make([]string, len(recs))
		for i := range recs {
			recs[i] = sheet.Record{Row: i + 2, Values: mapBenchRecord(i, i%2 == 0)}
			if i%7 == 0 {
				recs[i].Values[2] = "" // another set of columns
			}
			if i%11 == 0 {
				recs[i].Values[8] = "many" // a bad score
			}
			want[i] = dumpMapped(t, m, recs[i])
		}
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for k := range 3 * len(recs) {
					i := (k*7 + g*31) % len(recs)
					if got := dumpMapped(t, m, recs[i]); got != want[i] {
						t.Errorf("row %d mapped concurrently:\n%s\nalone:\n%s", i, got, want[i])
						return
					}
				}
			})
		}
		wg.Wait()
	}
}

func dumpMapped(t *testing.T, m *Mapper, rec sheet.Record) string {
	row, errs := m.Map(rec)
	var es []string
	for _, e := range errs {
		es = append(es, e.Error())
	}
	b, err := json.Marshal(struct {
		R *Row
		E []string
	}{row, es})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Values of one row never share memory with another row's, nor with each
// other beyond their length: appending to one does not change the next.
func TestMapValuesOwned(t *testing.T) {
	m, err := Compile(mustParse(t, mapBenchSpecFor(false)), testSchema(), mapBenchHeader)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := m.Map(sheet.Record{Row: 2, Values: mapBenchRecord(1, true)})
	before := dumpRow(t, a)
	for i := range 50 {
		row, errs := m.Map(sheet.Record{Row: 3, Values: mapBenchRecord(i+100, true)})
		if errs != nil {
			t.Fatal(errs)
		}
		for _, cf := range row.Contact.CustomFieldsValues {
			for j := range cf.Values {
				cf.Values[j].Value = append(cf.Values[j].Value, "garbage"...)
			}
			_ = append(cf.Values, kommo.FieldValue{EnumID: 1})
		}
		_ = append(row.Contact.CustomFieldsValues, kommo.CustomFieldValue{FieldID: 1})
	}
	if after := dumpRow(t, a); after != before {
		t.Errorf("row changed by later rows:\n%s\nwas\n%s", after, before)
	}
	b, _ := m.Map(sheet.Record{Row: 2, Values: mapBenchRecord(1, true)})
	for _, cfv := range []kommo.CustomFieldValues{b.Contact.CustomFieldsValues, b.Company.CustomFieldsValues} {
		_ = append(cfv, kommo.CustomFieldValue{FieldID: 99})
		for _, cf := range cfv {
			_ = append(cf.Values, kommo.FieldValue{EnumID: 99})
			for _, v := range cf.Values {
				_ = append(v.Value, `"xx"`...)
			}
		}
	}
	for _, k := range b.Match {
		_ = append(k.Values, "other@example.com")
	}
	if got := dumpRow(t, b); got != before {
		t.Errorf("appending to one value changed the others:\n%s\nwant\n%s", got, before)
	}
}

func dumpRow(t *testing.T, r *Row) string {
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Lists of pairs whose hashes collide still get their own maps.
func TestColumnCacheCollision(t *testing.T) {
	a := []colPair{{key: "contacts:abcdefg", col: "A"}}
	b := []colPair{{key: "contacts:abcXefg", col: "A"}}
	if hashPairs(a) != hashPairs(b) {
		t.Fatal("no collision to test")
	}
	var c colCache
	var last *colSet
	for range 2 {
		for _, p := range [][]colPair{a, b, b, a} {
			if got, want := c.get(p, &last), map[string]string{p[0].key: "A"}; !maps.Equal(got, want) {
				t.Errorf("get(%v) = %v, want %v", p, got, want)
			}
		}
	}
	if c.n != 2 {
		t.Errorf("cache holds %d sets, want 2", c.n)
	}
}
