package migrate

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// The oracle: the html/template page WriteHTML executed until it was
// rewritten as plain Go (so that no template package is linked into the
// wasm module). The template text, its funcs and the Title method below
// are the old code moved here verbatim; only the names of the variable and
// of the type the template sees (reportPage, htmlReport) were changed.
// WriteHTML must write exactly what this template writes.

// templateReport is what the page template sees.
type templateReport struct {
	*Report
	Totals []FileReport
	// NoteFiles are the files with notes (added with the history).
	NoteFiles []FileReport
	Causes    []templateCause
	Regions   []templateRegion
}

// templateCause is one line of the warnings table.
type templateCause struct {
	File, Column, Outcome, Hint, Example string
	Rows, FirstRow                       int
}

// templateRegion is one line of the phone regions table.
type templateRegion struct {
	File, Use string
	Rows      int
}

// Title is the report's heading.
func (h templateReport) Title() string {
	switch {
	case h.DryRun:
		return "Migration report (dry run: nothing was written)"
	case h.Sample > 0:
		return fmt.Sprintf("Migration report (sample of %d records)", h.Sample)
	}
	return "Migration report"
}

// templateHTML is the old WriteHTML.
func templateHTML(r *Report, w io.Writer) error {
	tr := templateReport{Report: r, Totals: r.totals(), NoteFiles: r.noteFiles()}
	for _, f := range r.Files {
		for _, c := range f.Warnings.Causes() {
			tr.Causes = append(tr.Causes, templateCause{File: f.File, Column: c.Column, Outcome: c.Outcome(), Hint: c.Hint(), Example: c.Example, Rows: c.Rows, FirstRow: c.FirstRow})
		}
		for _, c := range f.Regions {
			tr.Regions = append(tr.Regions, templateRegion{File: f.File, Use: mapping.RegionUse{Region: c.Region, From: c.From, Column: c.Column}.String(), Rows: c.Rows})
		}
	}
	return templatePage.Execute(w, tr)
}

var templatePage = template.Must(template.New("report").Funcs(template.FuncMap{
	"join":  strings.Join,
	"ids":   idList,
	"thing": func(e kommo.EntityType) string { return string(e) },
	"when": func(t time.Time) string {
		return t.Format("2006-01-02 15:04:05 MST")
	},
	"clock": func(t time.Time) string { return t.Format("15:04:05") },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>{{.Title}}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1d2330; margin: 2rem auto; max-width: 64rem; padding: 0 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; border-bottom: 2px solid #1f5fd6; padding-bottom: .2rem; }
p.meta { color: #5b6475; margin: 0 0 1.5rem; }
table { border-collapse: collapse; width: 100%; margin: .25rem 0 1rem; font-size: .92rem; }
th, td { text-align: left; padding: .35rem .55rem; border-bottom: 1px solid #d8dce3; vertical-align: top; }
thead th { background: #eef1f5; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; }
.card { border: 1px solid #d8dce3; border-radius: 8px; padding: .6rem .9rem; min-width: 10rem; }
.card b { display: block; font-size: 1.5rem; }
.card span { color: #5b6475; }
.stop { background: #fdecea; border: 1px solid #b3261e; color: #7a1a14; border-radius: 8px; padding: .75rem 1rem; }
.warn { background: #fff4e0; border: 1px solid #b26a00; color: #5c3700; border-radius: 8px; padding: .75rem 1rem; }
.muted { color: #5b6475; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  h2 { break-after: avoid; }
  tr, .card { break-inside: avoid; }
  thead { display: table-header-group; }
}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{if not .Started.IsZero}}<p class="meta">Started {{when .Started}}, finished {{clock .Finished}}. Source ids are kept in the Kommo field “{{.IDField}}”.</p>{{end}}
{{if .Totals}}<div class="cards">
{{range .Totals}}<div class="card"><b>{{.Created}}</b><span>{{thing .Entity}} {{if $.DryRun}}to create{{else}}created{{end}}</span><br/><span>{{.Landed}} landed · {{.Warned}} with warnings</span><br/><span>{{.Updated}} updated · {{.Merged}} merged · {{.Skipped}} skipped · {{.Failed}} failed</span></div>
{{end}}</div>{{end}}
{{if .Unmatched}}<h2 id="unmatched">Values that match nothing in Kommo</h2>
<p class="stop">The migration stopped before writing anything. Add these values to the tables (owners, pipelines, stages) or fix them in the files, then run it again.</p>
<table><thead><tr><th>File</th><th>Column</th><th>Kind</th><th>Value</th><th class="n">Rows</th><th>Closest in Kommo</th></tr></thead><tbody>
{{range .Unmatched}}<tr><td>{{.File}}</td><td>{{.Column}}</td><td>{{.Kind}}</td><td>{{.Value}}</td><td class="n">{{.Rows}}</td><td>{{join .Closest ", "}}</td></tr>
{{end}}</tbody></table>{{end}}
{{if .Files}}<h2 id="records">Records</h2>
<table><thead><tr><th>File</th><th>Entity</th><th class="n">Rows</th><th class="n">Landed</th><th class="n">With warnings</th><th class="n">Failed</th><th class="n">Created</th><th class="n">Updated</th><th class="n">Merged</th><th class="n">Skipped</th></tr></thead><tbody>
{{range .Files}}<tr><td>{{.File}}</td><td>{{thing .Entity}}</td><td class="n">{{.Rows}}</td><td class="n">{{.Landed}}</td><td class="n">{{.Warned}}</td><td class="n">{{.Failed}}</td><td class="n">{{.Created}}</td><td class="n">{{.Updated}}</td><td class="n">{{.Merged}}</td><td class="n">{{.Skipped}}</td></tr>
{{end}}</tbody></table>{{end}}
{{if .Causes}}<h2 id="warnings">Warnings</h2>
<p class="warn">These rows landed, with the values below normalised, kept as written or left out, or without a link; the success files list them row by row.</p>
<table><thead><tr><th>File</th><th>Column</th><th class="n">Rows</th><th>What was done</th><th>Why</th><th class="n">First row</th><th>Example</th></tr></thead><tbody>
{{range .Causes}}<tr><td>{{.File}}</td><td>{{.Column}}</td><td class="n">{{.Rows}}</td><td>{{.Outcome}}</td><td>{{.Hint}}</td><td class="n">{{.FirstRow}}</td><td>{{.Example}}</td></tr>
{{end}}</tbody></table>{{end}}
{{if .NoteFiles}}<h2 id="notes">Notes</h2>
<table><thead><tr><th>File</th><th class="n">Written</th><th class="n">Already there</th><th class="n">Failed</th></tr></thead><tbody>
{{range .NoteFiles}}<tr><td>{{.File}}</td><td class="n">{{.Notes.Written}}</td><td class="n">{{.Notes.Existing}}</td><td class="n">{{.Notes.Failed}}</td></tr>
{{end}}</tbody></table>{{end}}
{{if .Regions}}<h2 id="regions">Phones without a country code</h2>
<table><thead><tr><th>File</th><th>Read in</th><th class="n">Rows</th></tr></thead><tbody>
{{range .Regions}}<tr><td>{{.File}}</td><td>{{.Use}}</td><td class="n">{{.Rows}}</td></tr>
{{end}}</tbody></table>{{end}}
{{if .FieldsCreated}}<h2 id="fields">Custom fields {{if .DryRun}}to create{{else}}created{{end}}</h2>
<table><thead><tr><th>Entity</th><th>Field</th><th>Type</th><th>Options</th></tr></thead><tbody>
{{range .FieldsCreated}}<tr><td>{{thing .Entity}}</td><td>{{.Name}}</td><td>{{.Type}}</td><td>{{join .Options ", "}}</td></tr>
{{end}}</tbody></table>{{end}}
{{if .Owners}}<h2 id="owners">Owners</h2>
<table><thead><tr><th>Source value</th><th>Kommo</th><th>Matched by</th></tr></thead><tbody>
{{range .Owners}}<tr><td>{{.Value}}</td><td>{{.To}}</td><td>{{.By}}</td></tr>
{{end}}</tbody></table>{{end}}
{{if .Stages}}<h2 id="stages">Stages</h2>
<table><thead><tr><th>Source value</th><th>Kommo</th><th>Matched by</th></tr></thead><tbody>
{{range .Stages}}<tr><td>{{.Value}}</td><td>{{.To}}</td><td>{{.By}}</td></tr>
{{end}}</tbody></table>{{end}}
{{if .Merges}}<h2 id="merges">Duplicates merged</h2>
<table><thead><tr><th>File</th><th class="n">Row</th><th>Key</th><th>Same</th><th>Written into</th></tr></thead><tbody>
{{range .Merges}}<tr><td>{{.File}}</td><td class="n">{{.Line}}</td><td>{{.Key}}</td><td>{{.By}}</td><td>{{.Into}}</td></tr>
{{end}}</tbody></table>{{end}}
{{if .Skipped}}<h2 id="skipped">Rows not migrated</h2>
<table><thead><tr><th>File</th><th class="n">Row</th><th>Key</th><th>Column</th><th>Reason</th></tr></thead><tbody>
{{range .Skipped}}<tr><td>{{.File}}</td><td class="n">{{.Line}}</td><td>{{.Key}}</td><td>{{.Column}}</td><td>{{.Reason}}</td></tr>
{{end}}</tbody></table>{{end}}
{{if .Attachments}}<h2 id="attachments">Attachments not migrated</h2>
<p class="warn">The files of the source's notes are not migrated: move these by hand if they are needed.</p>
<table><thead><tr><th>File</th><th class="n">Row</th><th>Column</th><th>Name</th></tr></thead><tbody>
{{range .Attachments}}<tr><td>{{.File}}</td><td class="n">{{.Line}}</td><td>{{.Column}}</td><td>{{.Name}}</td></tr>
{{end}}</tbody></table>{{end}}
{{if .Records}}<h2 id="sample">Sample records</h2>
<table><thead><tr><th>File</th><th class="n">Row</th><th>Key</th><th>Action</th><th>Kommo ids</th></tr></thead><tbody>
{{range .Records}}<tr><td>{{.File}}</td><td class="n">{{.Line}}</td><td>{{.Key}}</td><td>{{.Action}}</td><td>{{ids .IDs}}</td></tr>
{{end}}</tbody></table>{{end}}
<p class="muted">Made by kommo-bulk.</p>
</body>
</html>
`))

// fill returns a report with every section populated and s in every
// string the page shows: file names, columns, values, keys, reasons,
// the id field, entity, action and field-type names, and the time zone.
func fill(s string) *Report {
	start := time.Date(2024, 3, 15, 9, 0, 0, 0, time.FixedZone(s, 3*3600))
	e := kommo.EntityType(s)
	return &Report{
		Started: start, Finished: start.Add(time.Hour), IDField: s,
		Files: []FileReport{
			{File: s, Entity: kommo.EntityContacts, Rows: 6, Created: 3, Updated: 1, Merged: 1, Skipped: 1, Failed: 1, Landed: 5, Warned: 2,
				Warnings: warningsOf(s), Regions: []mapping.RegionCount{{Region: s, From: mapping.RegionFromColumn, Column: s, Rows: 2}}},
			{File: s, Entity: e, Rows: 1, Created: 1},
			{File: s, Entity: EntityNotes, Rows: 3, Created: 1, Skipped: 1, Failed: 1, Landed: 2, Notes: &NoteCounts{Written: 1, Existing: 1, Failed: 1}},
		},
		Attachments:   []Attachment{{File: s, Line: 2, Key: s, Column: s, Name: s}},
		Merges:        []Merge{{File: s, Line: 4, Entity: e, Key: s, By: s, Into: s}},
		Skipped:       []SkippedRow{{File: s, Line: 6, Key: s, Column: s, Reason: s}},
		Unmatched:     []Unmatched{{File: s, Column: s, Kind: s, Value: s, Rows: 2, Closest: []string{s, s}}},
		FieldsCreated: []CreatedField{{Entity: e, Name: s, Type: kommo.FieldType(s), Options: []string{s}}},
		Owners:        []ValueMatch{{Value: s, To: s, By: s}},
		Stages:        []ValueMatch{{Value: s, To: s, By: s}},
		Records:       []MigratedRecord{{File: s, Line: 2, Key: s, Entity: e, Action: bulk.Action(s), IDs: map[kommo.EntityType]int{kommo.EntityLeads: 7, e: 9}}},
	}
}

// warningsOf is a summary with s in every string it shows: a kept phone
// and a missing reference.
func warningsOf(s string) mapping.Summary {
	var sum mapping.Summary
	row := &mapping.Row{File: s, Line: 3, Columns: map[string]string{"companies:ref": s}}
	sum.AddWarnings([]*mapping.RowWarning{
		{Row: 3, Column: s, Field: s, Value: s, Code: mapping.WarnPhoneKept, Action: mapping.ActionKept, Reason: s, Err: errors.New(s)},
		row.RefNotFound(kommo.EntityCompanies, s),
	})
	return sum
}

// reportCases are the reports WriteHTML is checked on against the old
// template: the ones TestWriteHTML uses, every section at once, the
// empty report, and hostile strings in every field.
func reportCases() []struct {
	name string
	rep  *Report
} {
	every := testReport()
	every.Sample = 2
	every.Files[0].Skipped = 2
	every.Unmatched = []Unmatched{
		{File: "deals.csv", Column: "Deal owner", Kind: "user", Value: "Jane & Roe", Rows: 2, Closest: []string{"Ana Admin", "Boris Manager"}},
		{File: "deals.csv", Column: "Stage", Kind: "stage", Value: "Won?", Rows: 1},
	}
	every.FieldsCreated = append(every.FieldsCreated, CreatedField{Entity: kommo.EntityLeads, Name: "Source", Type: kommo.FieldText})
	every.Records = []MigratedRecord{
		{File: "deals.csv", Line: 2, Key: "5001", Entity: kommo.EntityLeads, Action: bulk.ActionCreate, IDs: map[kommo.EntityType]int{kommo.EntityLeads: 7, kommo.EntityCompanies: 5}},
		{File: "contacts.csv", Line: 3, Key: "102", Entity: kommo.EntityContacts, Action: bulk.ActionUpdate, IDs: map[kommo.EntityType]int{kommo.EntityContacts: 11}},
		{File: "contacts.csv", Line: 6, Key: "105", Entity: kommo.EntityContacts, Action: bulk.ActionError},
	}
	every.Files = append(every.Files, FileReport{File: "deals.csv", Entity: kommo.EntityLeads, Rows: 2, Created: 1, Failed: 1},
		FileReport{File: "tasks.csv", Entity: kommo.EntityTasks, Rows: 4, Created: 4})
	dry := testReport()
	dry.DryRun = true
	dryEvery := *every
	dryEvery.DryRun = true
	unmatched := testReport()
	unmatched.Files, unmatched.Merges, unmatched.Skipped, unmatched.Owners, unmatched.Stages = nil, nil, nil, nil, nil
	unmatched.Unmatched = every.Unmatched
	sample := testReport()
	sample.Sample = 1
	sample.Records = every.Records[:1]
	empty := &Report{Files: []FileReport{}, Owners: []ValueMatch{}}
	cyrillic := fill("Иван Петров, ООО «Ромашка» — Сделка №1")
	cyrillic.Started = time.Date(2024, 3, 15, 9, 0, 0, 0, time.FixedZone("", 3*3600)) // "+0300"
	cyrillic.Finished = cyrillic.Started.Add(90 * time.Minute)
	cases := []struct {
		name string
		rep  *Report
	}{
		{"full run", testReport()},
		{"every section", every},
		{"dry run", dry},
		{"dry run every section", &dryEvery},
		{"unmatched", unmatched},
		{"sample", sample},
		{"zero", &Report{}},
		{"empty slices", empty},
		{"cyrillic", cyrillic},
	}
	for i, s := range hostile {
		cases = append(cases, struct {
			name string
			rep  *Report
		}{fmt.Sprintf("hostile %d", i), fill(s.raw)})
	}
	return cases
}

// hostile are strings a source file could hold, each with how it must
// appear in the page.
var hostile = []struct{ raw, escaped string }{
	{"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
	{`"quoted" & 'single'`, "&#34;quoted&#34; &amp; &#39;single&#39;"},
	{"javascript:alert(1)", "javascript:alert(1)"}, // harmless as text; the page has no URL context
	{"Иван Петров «Ромашка»", "Иван Петров «Ромашка»"},
	{"</td></tr></tbody></table><img src=x onerror=alert(1)>", "&lt;/td&gt;&lt;/tr&gt;&lt;/tbody&gt;&lt;/table&gt;&lt;img src=x onerror=alert(1)&gt;"},
	{"</title></style><style>body{display:none}</style>", "&lt;/title&gt;&lt;/style&gt;&lt;style&gt;body{display:none}&lt;/style&gt;"},
	{"a+b=c `tick` <!-- x --> ]]>", "a&#43;b=c `tick` &lt;!-- x --&gt; ]]&gt;"},
	{"&amp; already &#60; escaped", "&amp;amp; already &amp;#60; escaped"},
	{"{{.Title}} {{template \"x\"}}", "{{.Title}} {{template &#34;x&#34;}}"},
	{"nul\x00byte", "nul\uFFFDbyte"},
	{"line\nbreak\ttab", "line\nbreak\ttab"},
	{"bad \xff\xfe utf-8 <", "bad \xff\xfe utf-8 &lt;"}, // bytes kept as they are, as html/template did
}

// TestWriteHTMLTemplate checks that WriteHTML writes, byte for byte, the
// page the old html/template wrote.
func TestWriteHTMLTemplate(t *testing.T) {
	for _, tt := range reportCases() {
		t.Run(tt.name, func(t *testing.T) {
			checkSamePage(t, tt.rep)
		})
	}
}

// TestWriteHTMLRandom compares WriteHTML with the old template on random
// reports built from fragments that need escaping.
func TestWriteHTMLRandom(t *testing.T) {
	frags := []string{"", "a", "Ада", "1", " ", "<", ">", "&", `"`, "'", "+", "=", "`", "\x00", "\xff", "\xc3", "é", "“", "\n", "\t",
		"</td>", "&amp;", "{{", "}}", "\u2028", "\ufdd0", "\ufffd", "javascript:", "<script>", "ë", "日本"}
	entities := []kommo.EntityType{kommo.EntityCompanies, kommo.EntityContacts, kommo.EntityLeads, kommo.EntityTasks, kommo.EntityCustomers, "<x>"}
	rnd := rand.New(rand.NewPCG(1, 2))
	str := func() string {
		var b strings.Builder
		for range rnd.IntN(6) {
			b.WriteString(frags[rnd.IntN(len(frags))])
		}
		return b.String()
	}
	strs := func() []string {
		n := rnd.IntN(4) - 1 // -1: nil
		if n < 0 {
			return nil
		}
		out := make([]string, n)
		for i := range out {
			out[i] = str()
		}
		return out
	}
	ent := func() kommo.EntityType { return entities[rnd.IntN(len(entities))] }
	num := func() int { return rnd.IntN(2000) - 100 }
	for i := range 400 {
		r := &Report{DryRun: rnd.IntN(3) == 0, Sample: rnd.IntN(3) - 1, IDField: str()}
		if rnd.IntN(4) > 0 {
			r.Started = time.Date(2024, 3, 15, 9, 0, 0, 0, time.FixedZone(str(), num()*60))
			r.Finished = r.Started.Add(time.Duration(num()) * time.Second)
		}
		for range rnd.IntN(4) {
			r.Files = append(r.Files, FileReport{File: str(), Entity: ent(), Rows: num(), Created: num(), Updated: num(), Merged: num(), Skipped: num(), Failed: num()})
			r.Merges = append(r.Merges, Merge{File: str(), Line: num(), Entity: ent(), Key: str(), By: str(), Into: str()})
			r.Skipped = append(r.Skipped, SkippedRow{File: str(), Line: num(), Key: str(), Column: str(), Reason: str()})
			r.Unmatched = append(r.Unmatched, Unmatched{File: str(), Column: str(), Kind: str(), Value: str(), Rows: num(), Closest: strs()})
			r.FieldsCreated = append(r.FieldsCreated, CreatedField{Entity: ent(), Name: str(), Type: kommo.FieldType(str()), Options: strs()})
			r.Owners = append(r.Owners, ValueMatch{Value: str(), To: str(), By: str()})
			r.Stages = append(r.Stages, ValueMatch{Value: str(), To: str(), By: str()})
			ids := map[kommo.EntityType]int{}
			for range rnd.IntN(3) {
				ids[ent()] = num()
			}
			r.Records = append(r.Records, MigratedRecord{File: str(), Line: num(), Key: str(), Entity: ent(), Action: bulk.Action(str()), IDs: ids})
		}
		if !t.Run(fmt.Sprint(i), func(t *testing.T) { checkSamePage(t, r) }) {
			break
		}
	}
}

// FuzzWriteHTML puts one string in every field of a full report and
// compares WriteHTML with the old template.
func FuzzWriteHTML(f *testing.F) {
	for _, s := range hostile {
		f.Add(s.raw)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkSamePage(t, fill(s))
	})
}

func checkSamePage(t *testing.T, r *Report) {
	t.Helper()
	var got, want bytes.Buffer
	if err := r.WriteHTML(&got); err != nil {
		t.Fatalf("WriteHTML = %v", err)
	}
	if err := templateHTML(r, &want); err != nil {
		t.Fatalf("template: %v", err)
	}
	if g, w := got.String(), want.String(); g != w {
		i := 0
		for i < len(g) && i < len(w) && g[i] == w[i] {
			i++
		}
		from := max(0, i-80)
		t.Errorf("WriteHTML differs from the template at byte %d:\n got %q\nwant %q", i, g[from:min(len(g), i+80)], w[from:min(len(w), i+80)])
	}
}

// TestWriteHTMLHostile checks directly that strings from the files are
// escaped wherever they land, never written raw, and never add an
// element or an attribute to the page.
func TestWriteHTMLHostile(t *testing.T) {
	elements := map[string]bool{"html": true, "head": true, "meta": true, "title": true, "style": true, "body": true, "h1": true, "h2": true,
		"p": true, "div": true, "b": true, "span": true, "br": true, "table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true}
	attrs := map[string]bool{"lang": true, "charset": true, "name": true, "content": true, "class": true, "id": true}
	for _, h := range hostile {
		t.Run(h.raw, func(t *testing.T) {
			var buf bytes.Buffer
			if err := fill(h.raw).WriteHTML(&buf); err != nil {
				t.Fatalf("WriteHTML = %v", err)
			}
			page := buf.String()
			// The value is in every cell and heading of the page that shows it.
			if n := strings.Count(page, "<td>"+h.escaped+"</td>"); n < 20 {
				t.Errorf("WriteHTML has %d cells %q, want at least 20", n, "<td>"+h.escaped+"</td>")
			}
			for _, w := range []string{"field “" + h.escaped + "”.", "09:00:00 " + h.escaped + ",", "<td>" + h.escaped + ", " + h.escaped + "</td>"} {
				if !strings.Contains(page, w) {
					t.Errorf("WriteHTML lacks %q", w)
				}
			}
			if h.raw != h.escaped && strings.Contains(page, h.raw) {
				t.Errorf("WriteHTML has %q raw", h.raw)
			}
			for _, w := range []string{"<script", "<img", "<!--", "</style><style>", "href", "src=\"", "\x00"} {
				if strings.Contains(page, w) {
					t.Errorf("WriteHTML has %q", w)
				}
			}
			if strings.Contains(h.raw, "\xff") {
				return // not XML; the byte checks above hold
			}
			d := xml.NewDecoder(strings.NewReader(page))
			d.Strict = true
			for {
				tok, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("the page is not well formed: %v", err)
				}
				if se, ok := tok.(xml.StartElement); ok {
					if !elements[se.Name.Local] {
						t.Errorf("WriteHTML has the element <%s>", se.Name.Local)
					}
					for _, a := range se.Attr {
						if !attrs[a.Name.Local] || (h.raw != "" && strings.Contains(a.Value, h.raw)) {
							t.Errorf("WriteHTML has the attribute %s=%q in <%s>", a.Name.Local, a.Value, se.Name.Local)
						}
					}
				}
			}
		})
	}
}
