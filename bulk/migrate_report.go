package bulk

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// WriteJSON writes the report as indented JSON.
func (r *MigrationReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteMarkdown writes the report as a Markdown document a consultant can
// hand to the client: what was migrated, what was merged, what was left
// out and why, and the values that need a decision.
func (r *MigrationReport) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	title := "Migration report"
	switch {
	case r.DryRun:
		title += " (dry run: nothing was written)"
	case r.Sample > 0:
		title += fmt.Sprintf(" (sample of %d records)", r.Sample)
	}
	fmt.Fprintf(&b, "# %s\n\n", title)
	if !r.Started.IsZero() {
		fmt.Fprintf(&b, "Started %s, finished %s. Source ids are kept in the field %q.\n\n",
			r.Started.Format("2006-01-02 15:04:05 MST"), r.Finished.Format("15:04:05"), r.IDField)
	}
	if len(r.Unmatched) > 0 {
		b.WriteString("## Values that match nothing in Kommo\n\nThe migration stopped before writing anything. Add these values to the tables (owners, pipelines, stages) or fix them in the files, then run it again.\n\n")
		b.WriteString("| File | Column | Kind | Value | Rows | Closest in Kommo |\n|---|---|---|---|---:|---|\n")
		for _, u := range r.Unmatched {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %d | %s |\n", md(u.File), md(u.Column), u.Kind, md(u.Value), u.Rows, md(strings.Join(u.Closest, ", ")))
		}
		b.WriteString("\n")
	}
	if len(r.Files) > 0 {
		b.WriteString("## Records\n\n| File | Entity | Rows | Created | Updated | Merged | Skipped | Failed |\n|---|---|---:|---:|---:|---:|---:|---:|\n")
		for _, f := range r.Files {
			fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %d | %d | %d |\n", md(f.File), f.Entity, f.Rows, f.Created, f.Updated, f.Merged, f.Skipped, f.Failed)
		}
		b.WriteString("\n")
	}
	if len(r.FieldsCreated) > 0 {
		verb := "created"
		if r.DryRun {
			verb = "to create"
		}
		fmt.Fprintf(&b, "## Custom fields %s\n\n| Entity | Field | Type | Options |\n|---|---|---|---|\n", verb)
		for _, f := range r.FieldsCreated {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", f.Entity, md(f.Name), f.Type, md(strings.Join(f.Options, ", ")))
		}
		b.WriteString("\n")
	}
	writeMatches := func(title string, ms []ValueMatch) {
		if len(ms) == 0 {
			return
		}
		fmt.Fprintf(&b, "## %s\n\n| Source value | Kommo | Matched by |\n|---|---|---|\n", title)
		for _, m := range ms {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", md(m.Value), md(m.To), m.By)
		}
		b.WriteString("\n")
	}
	writeMatches("Owners", r.Owners)
	writeMatches("Stages", r.Stages)
	if len(r.Merges) > 0 {
		b.WriteString("## Duplicates merged\n\n| File | Row | Key | Same | Written into |\n|---|---:|---|---|---|\n")
		for _, m := range r.Merges {
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s |\n", md(m.File), m.Line, md(m.Key), md(m.By), md(m.Into))
		}
		b.WriteString("\n")
	}
	if len(r.Skipped) > 0 {
		b.WriteString("## Rows not migrated\n\n| File | Row | Key | Column | Reason |\n|---|---:|---|---|---|\n")
		for _, s := range r.Skipped {
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s |\n", md(s.File), s.Line, md(s.Key), md(s.Column), md(s.Reason))
		}
		b.WriteString("\n")
	}
	if len(r.Records) > 0 {
		b.WriteString("## Sample records\n\n| File | Row | Key | Action | Kommo ids |\n|---|---:|---|---|---|\n")
		for _, rec := range r.Records {
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s |\n", md(rec.File), rec.Line, md(rec.Key), rec.Action, idList(rec.IDs))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// idList prints ids by entity in write order: "company 5, contact 7".
func idList(ids map[kommo.EntityType]int) string {
	var parts []string
	for _, e := range writeOrder {
		if id, ok := ids[e]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", singular(e), id))
		}
	}
	return strings.Join(parts, ", ")
}

// md escapes a table cell.
func md(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// WriteHTML writes the report as one self-contained HTML page (no scripts,
// no fonts or images fetched, its style inline) that a consultant can hand
// to the client, open in any browser and print: the same sections as
// WriteMarkdown, with the totals per entity first.
func (r *MigrationReport) WriteHTML(w io.Writer) error {
	return reportPage.Execute(w, htmlReport{MigrationReport: r, Totals: r.totals()})
}

// htmlReport is what the page template sees.
type htmlReport struct {
	*MigrationReport
	Totals []FileReport
}

// totals sums the files' counts per entity, in write order.
func (r *MigrationReport) totals() []FileReport {
	m := r.Totals()
	var out []FileReport
	for _, e := range writeOrder {
		if t, ok := m[e]; ok {
			out = append(out, t)
		}
	}
	return out
}

// Title is the report's heading.
func (h htmlReport) Title() string {
	switch {
	case h.DryRun:
		return "Migration report (dry run: nothing was written)"
	case h.Sample > 0:
		return fmt.Sprintf("Migration report (sample of %d records)", h.Sample)
	}
	return "Migration report"
}

var reportPage = template.Must(template.New("report").Funcs(template.FuncMap{
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
{{range .Totals}}<div class="card"><b>{{.Created}}</b><span>{{thing .Entity}} {{if $.DryRun}}to create{{else}}created{{end}}</span><br/><span>{{.Updated}} updated · {{.Merged}} merged · {{.Skipped}} skipped · {{.Failed}} failed</span></div>
{{end}}</div>{{end}}
{{if .Unmatched}}<h2 id="unmatched">Values that match nothing in Kommo</h2>
<p class="stop">The migration stopped before writing anything. Add these values to the tables (owners, pipelines, stages) or fix them in the files, then run it again.</p>
<table><thead><tr><th>File</th><th>Column</th><th>Kind</th><th>Value</th><th class="n">Rows</th><th>Closest in Kommo</th></tr></thead><tbody>
{{range .Unmatched}}<tr><td>{{.File}}</td><td>{{.Column}}</td><td>{{.Kind}}</td><td>{{.Value}}</td><td class="n">{{.Rows}}</td><td>{{join .Closest ", "}}</td></tr>
{{end}}</tbody></table>{{end}}
{{if .Files}}<h2 id="records">Records</h2>
<table><thead><tr><th>File</th><th>Entity</th><th class="n">Rows</th><th class="n">Created</th><th class="n">Updated</th><th class="n">Merged</th><th class="n">Skipped</th><th class="n">Failed</th></tr></thead><tbody>
{{range .Files}}<tr><td>{{.File}}</td><td>{{thing .Entity}}</td><td class="n">{{.Rows}}</td><td class="n">{{.Created}}</td><td class="n">{{.Updated}}</td><td class="n">{{.Merged}}</td><td class="n">{{.Skipped}}</td><td class="n">{{.Failed}}</td></tr>
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
{{if .Records}}<h2 id="sample">Sample records</h2>
<table><thead><tr><th>File</th><th class="n">Row</th><th>Key</th><th>Action</th><th>Kommo ids</th></tr></thead><tbody>
{{range .Records}}<tr><td>{{.File}}</td><td class="n">{{.Line}}</td><td>{{.Key}}</td><td>{{.Action}}</td><td>{{ids .IDs}}</td></tr>
{{end}}</tbody></table>{{end}}
<p class="muted">Made by kommo-bulk.</p>
</body>
</html>
`))
