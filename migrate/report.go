package migrate

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteMarkdown writes the report as a Markdown document a consultant can
// hand to the client: what was migrated, what was merged, what was left
// out and why, and the values that need a decision.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", r.title())
	if !r.Started.IsZero() {
		fmt.Fprintf(&b, "Started %s, finished %s. Source ids are kept in the field %q.\n\n",
			r.Started.Format("2006-01-02 15:04:05 MST"), r.Finished.Format("15:04:05"), r.IDField)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "> Warning: %s\n\n", md(n))
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
		b.WriteString("## Records\n\n| File | Entity | Rows | Landed | With warnings | Failed | Created | Updated | Merged | Skipped |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, f := range r.Files {
			fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %d | %d | %d | %d | %d |\n", md(f.File), f.Entity, f.Rows, f.Landed, f.Warned, f.Failed, f.Created, f.Updated, f.Merged, f.Skipped)
		}
		b.WriteString("\n")
	}
	r.writeDeltaMarkdown(&b, english)
	if causes := r.warningCauses(); len(causes) > 0 {
		b.WriteString("## Warnings\n\nThese rows landed, with the values below normalised, kept as written or left out, or without a link; the success files list them row by row.\n\n")
		b.WriteString("| File | Column | Rows | What was done | Why | First row | Example |\n|---|---|---:|---|---|---:|---|\n")
		for _, fc := range causes {
			c := fc.cause
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %d | %s |\n", md(fc.file), md(c.Column), c.Rows, c.Outcome(), md(c.Hint()), c.FirstRow, md(c.Example))
		}
		b.WriteString("\n")
	}
	if nf := r.noteFiles(); len(nf) > 0 {
		b.WriteString("## Notes\n\n| File | Written | Already there | Failed |\n|---|---:|---:|---:|\n")
		for _, f := range nf {
			fmt.Fprintf(&b, "| %s | %d | %d | %d |\n", md(f.File), f.Notes.Written, f.Notes.Existing, f.Notes.Failed)
		}
		b.WriteString("\n")
	}
	if regions := r.regions(); len(regions) > 0 {
		b.WriteString("## Phones without a country code\n\n| File | Read in | Rows |\n|---|---|---:|\n")
		for _, fr := range regions {
			fmt.Fprintf(&b, "| %s | %s | %d |\n", md(fr.file), md(fr.use()), fr.Rows)
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
	if len(r.Attachments) > 0 {
		b.WriteString("## Attachments not migrated\n\n" + attachmentsNote + "\n\n| File | Row | Column | Name |\n|---|---:|---|---|\n")
		for _, a := range r.Attachments {
			fmt.Fprintf(&b, "| %s | %d | %s | %s |\n", md(a.File), a.Line, md(a.Column), md(a.Name))
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

// attachmentsNote says what the attachments section is.
const attachmentsNote = "The files of the source's notes are not migrated: move these by hand if they are needed."

// noteFiles are the files with notes: history files and card files whose
// spec makes notes.
func (r *Report) noteFiles() []FileReport {
	var out []FileReport
	for _, f := range r.Files {
		if f.Notes != nil {
			out = append(out, f)
		}
	}
	return out
}

// fileCause is one cause of a file's warnings.
type fileCause struct {
	file  string
	cause mapping.Cause
}

// warningCauses are the files' warnings by cause, file by file.
func (r *Report) warningCauses() []fileCause {
	var out []fileCause
	for _, f := range r.Files {
		for _, c := range f.Warnings.Causes() {
			out = append(out, fileCause{f.File, c})
		}
	}
	return out
}

// fileRegion is one region a file's phones were read in.
type fileRegion struct {
	file string
	mapping.RegionCount
}

// use reads like `US (column "Country")`.
func (c fileRegion) use() string {
	return mapping.RegionUse{Region: c.Region, From: c.From, Column: c.Column}.String()
}

// regions are the files' phone regions, file by file.
func (r *Report) regions() []fileRegion {
	var out []fileRegion
	for _, f := range r.Files {
		for _, c := range f.Regions {
			out = append(out, fileRegion{f.File, c})
		}
	}
	return out
}

// idList prints ids by entity in write order: "company 5, contact 7".
func idList(ids map[kommo.EntityType]int) string {
	var parts []string
	for _, e := range bulk.WriteOrder {
		if id, ok := ids[e]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", e.Singular(), id))
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
//
// The page is written by hand, not with html/template: the reflection a
// template needs keeps the linker from dropping unused methods, which
// made the wasm module 0.75 MB (gzipped) bigger. Every value from the
// report lands in the text of an element (<title> included), never in an
// attribute, a URL, the style or a script, and is escaped by htmlText.
func (r *Report) WriteHTML(w io.Writer) error {
	var p htmlPage
	title := r.title()
	p.WriteString(pageHead)
	p.text(title)
	p.WriteString("</title>\n" + pageStyle + "</head>\n<body>\n<h1>")
	p.text(title)
	p.WriteString("</h1>\n")
	if !r.Started.IsZero() {
		p.WriteString(`<p class="meta">Started `)
		p.text(r.Started.Format("2006-01-02 15:04:05 MST"))
		p.WriteString(", finished ")
		p.text(r.Finished.Format("15:04:05"))
		p.WriteString(". Source ids are kept in the Kommo field “")
		p.text(r.IDField)
		p.WriteString("”.</p>")
	}
	p.WriteString("\n")
	created := "created"
	if r.DryRun {
		created = "to create"
	}
	if totals := r.totals(); len(totals) > 0 {
		p.WriteString(`<div class="cards">` + "\n")
		for _, t := range totals {
			p.WriteString(`<div class="card"><b>`)
			p.num(t.Created)
			p.WriteString("</b><span>")
			p.text(string(t.Entity))
			p.WriteString(" " + created + "</span><br/><span>")
			p.num(t.Landed)
			p.WriteString(" landed · ")
			p.num(t.Warned)
			p.WriteString(` with warnings</span><br/><span>`)
			p.num(t.Updated)
			p.WriteString(" updated · ")
			p.num(t.Merged)
			p.WriteString(" merged · ")
			p.num(t.Skipped)
			p.WriteString(" skipped · ")
			p.num(t.Failed)
			p.WriteString(" failed</span></div>\n")
		}
		p.WriteString("</div>")
	}
	p.WriteString("\n")
	p.section(`<h2 id="unmatched">Values that match nothing in Kommo</h2>
<p class="stop">The migration stopped before writing anything. Add these values to the tables (owners, pipelines, stages) or fix them in the files, then run it again.</p>
<table><thead><tr><th>File</th><th>Column</th><th>Kind</th><th>Value</th><th class="n">Rows</th><th>Closest in Kommo</th></tr></thead><tbody>
`, len(r.Unmatched), func(i int) {
		u := r.Unmatched[i]
		p.td(u.File, u.Column, u.Kind, u.Value)
		p.tdn(u.Rows)
		p.td(strings.Join(u.Closest, ", "))
	})
	p.section(`<h2 id="records">Records</h2>
<table><thead><tr><th>File</th><th>Entity</th><th class="n">Rows</th><th class="n">Landed</th><th class="n">With warnings</th><th class="n">Failed</th><th class="n">Created</th><th class="n">Updated</th><th class="n">Merged</th><th class="n">Skipped</th></tr></thead><tbody>
`, len(r.Files), func(i int) {
		f := r.Files[i]
		p.td(f.File, string(f.Entity))
		p.tdn(f.Rows, f.Landed, f.Warned, f.Failed, f.Created, f.Updated, f.Merged, f.Skipped)
	})
	r.writeDeltaHTML(&p, english)
	causes := r.warningCauses()
	p.section(`<h2 id="warnings">Warnings</h2>
<p class="warn">These rows landed, with the values below normalised, kept as written or left out, or without a link; the success files list them row by row.</p>
<table><thead><tr><th>File</th><th>Column</th><th class="n">Rows</th><th>What was done</th><th>Why</th><th class="n">First row</th><th>Example</th></tr></thead><tbody>
`, len(causes), func(i int) {
		c := causes[i].cause
		p.td(causes[i].file, c.Column)
		p.tdn(c.Rows)
		p.td(c.Outcome(), c.Hint())
		p.tdn(c.FirstRow)
		p.td(c.Example)
	})
	nf := r.noteFiles()
	p.section(`<h2 id="notes">Notes</h2>
<table><thead><tr><th>File</th><th class="n">Written</th><th class="n">Already there</th><th class="n">Failed</th></tr></thead><tbody>
`, len(nf), func(i int) {
		p.td(nf[i].File)
		p.tdn(nf[i].Notes.Written, nf[i].Notes.Existing, nf[i].Notes.Failed)
	})
	regions := r.regions()
	p.section(`<h2 id="regions">Phones without a country code</h2>
<table><thead><tr><th>File</th><th>Read in</th><th class="n">Rows</th></tr></thead><tbody>
`, len(regions), func(i int) {
		p.td(regions[i].file, regions[i].use())
		p.tdn(regions[i].Rows)
	})
	p.section(`<h2 id="fields">Custom fields `+created+`</h2>
<table><thead><tr><th>Entity</th><th>Field</th><th>Type</th><th>Options</th></tr></thead><tbody>
`, len(r.FieldsCreated), func(i int) {
		f := r.FieldsCreated[i]
		p.td(string(f.Entity), f.Name, string(f.Type), strings.Join(f.Options, ", "))
	})
	for _, s := range []struct {
		head string
		ms   []ValueMatch
	}{{`<h2 id="owners">Owners</h2>`, r.Owners}, {`<h2 id="stages">Stages</h2>`, r.Stages}} {
		p.section(s.head+`
<table><thead><tr><th>Source value</th><th>Kommo</th><th>Matched by</th></tr></thead><tbody>
`, len(s.ms), func(i int) {
			m := s.ms[i]
			p.td(m.Value, m.To, m.By)
		})
	}
	p.section(`<h2 id="merges">Duplicates merged</h2>
<table><thead><tr><th>File</th><th class="n">Row</th><th>Key</th><th>Same</th><th>Written into</th></tr></thead><tbody>
`, len(r.Merges), func(i int) {
		m := r.Merges[i]
		p.td(m.File)
		p.tdn(m.Line)
		p.td(m.Key, m.By, m.Into)
	})
	p.section(`<h2 id="skipped">Rows not migrated</h2>
<table><thead><tr><th>File</th><th class="n">Row</th><th>Key</th><th>Column</th><th>Reason</th></tr></thead><tbody>
`, len(r.Skipped), func(i int) {
		s := r.Skipped[i]
		p.td(s.File)
		p.tdn(s.Line)
		p.td(s.Key, s.Column, s.Reason)
	})
	p.section(`<h2 id="attachments">Attachments not migrated</h2>
<p class="warn">`+attachmentsNote+`</p>
<table><thead><tr><th>File</th><th class="n">Row</th><th>Column</th><th>Name</th></tr></thead><tbody>
`, len(r.Attachments), func(i int) {
		a := r.Attachments[i]
		p.td(a.File)
		p.tdn(a.Line)
		p.td(a.Column, a.Name)
	})
	p.section(`<h2 id="sample">Sample records</h2>
<table><thead><tr><th>File</th><th class="n">Row</th><th>Key</th><th>Action</th><th>Kommo ids</th></tr></thead><tbody>
`, len(r.Records), func(i int) {
		rec := r.Records[i]
		p.td(rec.File)
		p.tdn(rec.Line)
		p.td(rec.Key, string(rec.Action), idList(rec.IDs))
	})
	p.WriteString(`<p class="muted">Made by kommo-bulk.</p>
</body>
</html>
`)
	_, err := io.WriteString(w, p.String())
	return err
}

// totals sums the files' counts per entity, in write order.
func (r *Report) totals() []FileReport {
	m := r.Totals()
	var out []FileReport
	for _, e := range bulk.WriteOrder {
		if t, ok := m[e]; ok {
			out = append(out, t)
		}
	}
	return out
}

// title is the report's heading.
func (r *Report) title() string {
	switch {
	case r.DryRun:
		return "Migration report (dry run: nothing was written)"
	case r.Sample > 0:
		return fmt.Sprintf("Migration report (sample of %d records)", r.Sample)
	}
	return "Migration report"
}

// htmlPage is a page being written. Its WriteString writes HTML as it is,
// so it takes only constants; values from the report go through text,
// td and the number writers.
type htmlPage struct {
	strings.Builder
}

// htmlText escapes a string for the text of an element or a quoted
// attribute value the way html/template did: the HTML specials and '+' as
// entities, NUL as U+FFFD, and every other byte (bytes that are not UTF-8
// included) as it is.
var htmlText = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// text writes s escaped.
func (p *htmlPage) text(s string) { htmlText.WriteString(&p.Builder, s) }

// num writes n; digits and a minus sign need no escaping.
func (p *htmlPage) num(n int) { p.WriteString(strconv.Itoa(n)) }

// td writes one cell per string.
func (p *htmlPage) td(cells ...string) {
	for _, s := range cells {
		p.WriteString("<td>")
		p.text(s)
		p.WriteString("</td>")
	}
}

// tdn writes one right-aligned cell per number.
func (p *htmlPage) tdn(cells ...int) {
	for _, n := range cells {
		p.WriteString(`<td class="n">`)
		p.num(n)
		p.WriteString("</td>")
	}
}

// section writes head (a heading and a table up to its <tbody>, HTML as
// it is) and n rows written by row, when n > 0, and then a line break.
func (p *htmlPage) section(head string, n int, row func(i int)) {
	if n > 0 {
		p.WriteString(head)
		for i := range n {
			p.WriteString("<tr>")
			row(i)
			p.WriteString("</tr>\n")
		}
		p.WriteString("</tbody></table>")
	}
	p.WriteString("\n")
}

// pageHead is the page up to its title.
const pageHead = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>`

// pageStyle is the page's style sheet: screen and print.
const pageStyle = `<style>
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
`
