package migrate

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/value"
)

func testReport() *Report {
	start := time.Date(2024, 3, 15, 9, 0, 0, 0, time.UTC)
	return &Report{
		Started: start, Finished: start.Add(42 * time.Second), IDField: "External ID",
		Files: []FileReport{
			{File: "contacts.csv", Entity: kommo.EntityContacts, Rows: 6, Created: 3, Updated: 1, Merged: 1, Failed: 1, Landed: 5, Warned: 2,
				Warnings: testWarnings(), Regions: []mapping.RegionCount{{Region: "US", From: mapping.RegionFromColumn, Column: "Country/Region", Rows: 3}}},
			{File: "companies.csv", Entity: kommo.EntityCompanies, Rows: 3, Created: 3},
		},
		Merges:        []Merge{{File: "contacts.csv", Line: 4, Entity: kommo.EntityContacts, Key: "103", By: "email ada@example.com", Into: "row 2 (Record ID 101)"}},
		Skipped:       []SkippedRow{{File: "contacts.csv", Line: 6, Key: "105", Column: "Phone", Reason: `"<script>alert(1)</script>" is not a phone number`}},
		FieldsCreated: []CreatedField{{Entity: kommo.EntityCompanies, Name: "Industry", Type: kommo.FieldSelect, Options: []string{"Manufacturing", "Software"}}},
		Owners:        []ValueMatch{{Value: "Jane Roe", To: "Ana Admin", By: "table"}},
		Stages:        []ValueMatch{{Value: "Sales Pipeline | Closed Won", To: "Sales / Closed - won", By: "name"}},
	}
}

// testWarnings are two rows' warnings: a phone kept as written and a
// company that is not in the run.
func testWarnings() mapping.Summary {
	var sum mapping.Summary
	row := &mapping.Row{File: "contacts.csv", Line: 5, Columns: map[string]string{"companies:ref": "Associated Company ID"}}
	sum.AddWarnings([]*mapping.RowWarning{{Row: 3, Column: "Phone Number", Field: "contacts.PHONE", Value: "555 0101",
		Code: mapping.WarnPhoneKept, Action: mapping.ActionKept, Reason: "no_country_code",
		Err: &value.ValueError{Kind: value.ErrInvalidPhone, Reason: "no_country_code", Text: "no country code and no default region"}}})
	sum.AddWarnings([]*mapping.RowWarning{row.RefNotFound(kommo.EntityCompanies, "9009")})
	return sum
}

// The Markdown and JSON reports count the rows that landed, with and
// without warnings, and list the warnings of each file by cause with the
// regions its phones were read in; the JSON reads back.
func TestReportWarnings(t *testing.T) {
	rep := testReport()
	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| File | Entity | Rows | Landed | With warnings | Failed | Created | Updated | Merged | Skipped |",
		"| contacts.csv | contacts | 6 | 5 | 2 | 1 | 3 | 1 | 1 | 0 |",
		"## Warnings",
		"| contacts.csv | Phone Number | 1 | kept as written | no country code: add options.region or a country column | 3 | 555 0101 |",
		"| contacts.csv | Associated Company ID | 1 | landed without its link | the company is in no file of this run: add its file, or its import's journal (--refs) | 5 | 9009 |",
		"## Phones without a country code",
		`| contacts.csv | US (column "Country/Region") | 3 |`,
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md.String())
		}
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatalf("the JSON report does not read back: %v", err)
	}
	f := back.Files[0]
	if f.Landed != 5 || f.Warned != 2 || len(f.Warnings) != 2 || len(f.Regions) != 1 || f.Regions[0].Rows != 3 {
		t.Errorf("read back: %+v", f)
	}
	if !strings.Contains(js.String(), `"code": "ref_not_found"`) || !strings.Contains(js.String(), `"landed": 5`) {
		t.Errorf("JSON lacks the warnings:\n%s", js.String())
	}
}

// TestWriteHTML checks that the HTML report is one well-formed, escaped,
// self-contained page with the sections the report has, and only those.
func TestWriteHTML(t *testing.T) {
	unmatched := testReport()
	unmatched.Files, unmatched.Merges, unmatched.Skipped, unmatched.Owners, unmatched.Stages = nil, nil, nil, nil, nil
	unmatched.Unmatched = []Unmatched{{File: "deals.csv", Column: "Deal owner", Kind: "user", Value: "Jane & Roe", Rows: 2, Closest: []string{"Ana Admin", "Boris Manager"}}}
	dry := testReport()
	dry.DryRun = true
	sample := testReport()
	sample.Sample = 1
	sample.Records = []MigratedRecord{{File: "deals.csv", Line: 2, Key: "5001", Entity: kommo.EntityLeads, Action: bulk.ActionCreate,
		IDs: map[kommo.EntityType]int{kommo.EntityLeads: 7, kommo.EntityCompanies: 5}}}
	tests := []struct {
		name string
		rep  *Report
		want []string
		not  []string
	}{
		{"full run", testReport(),
			[]string{"<title>Migration report</title>", `<h2 id="records">Records</h2>`, "<td>contacts.csv</td><td>contacts</td>", `<td class="n">6</td>`,
				"Custom fields created", "<td>Manufacturing, Software</td>", `<h2 id="owners">`, "<td>Jane Roe</td><td>Ana Admin</td><td>table</td>",
				"Sales Pipeline | Closed Won", `<h2 id="merges">`, "row 2 (Record ID 101)", `<h2 id="skipped">`,
				"&#34;&lt;script&gt;alert(1)&lt;/script&gt;&#34; is not a phone number", "<b>3</b><span>companies created</span>",
				"Started 2024-03-15 09:00:00 UTC, finished 09:00:42", "@media print",
				`<h2 id="warnings">Warnings</h2>`, "<td>contacts.csv</td><td>Phone Number</td><td class=\"n\">1</td><td>kept as written</td>",
				`<h2 id="regions">`, "<td>US (column &#34;Country/Region&#34;)</td>", "5 landed · 2 with warnings"},
			[]string{"<script", `id="unmatched"`, `id="sample"`, "dry run"}},
		{"unmatched", unmatched,
			[]string{`<h2 id="unmatched">`, "stopped before writing anything", "<td>Jane &amp; Roe</td>", "<td>Ana Admin, Boris Manager</td>"},
			[]string{`id="records"`, `id="merges"`}},
		{"dry run", dry, []string{"(dry run: nothing was written)", "Custom fields to create", "companies to create"}, []string{"Custom fields created"}},
		{"sample", sample, []string{"(sample of 1 records)", `<h2 id="sample">`, "<td>company 5, lead 7</td>"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.rep.WriteHTML(&buf); err != nil {
				t.Fatalf("WriteHTML = %v", err)
			}
			page := buf.String()
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("WriteHTML lacks %q:\n%s", w, page)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(page, w) {
					t.Errorf("WriteHTML has %q:\n%s", w, page)
				}
			}
			// Self-contained: nothing is fetched when it is opened.
			for _, w := range []string{"http://", "https://", "src=", "<link", "url(", "@import"} {
				if strings.Contains(page, w) {
					t.Errorf("WriteHTML refers to something outside the page: %q", w)
				}
			}
			// Well formed: every element is closed (the page is written so
			// that an XML parser reads it).
			d := xml.NewDecoder(strings.NewReader(page))
			d.Strict = true
			depth, maxDepth := 0, 0
			for {
				tok, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("the page is not well formed: %v", err)
				}
				switch tok.(type) {
				case xml.StartElement:
					depth++
					maxDepth = max(maxDepth, depth)
				case xml.EndElement:
					depth--
				}
			}
			if depth != 0 || maxDepth < 4 {
				t.Errorf("element depth at the end = %d (max %d), want 0 (and some nesting)", depth, maxDepth)
			}
		})
	}
}
