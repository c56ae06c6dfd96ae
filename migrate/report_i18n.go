package migrate

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/i18n"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// WriteMarkdownLang writes the report as WriteMarkdown does, in lang (a
// language of package i18n: "es", "pt-BR", "ru"; "es-MX" is negotiated
// to "es"): its headings, notes and column names, the entities, kinds
// and actions, and the warnings' outcomes and hints. The data (file
// names, values, keys, the reasons rows were not migrated, the schema's
// notes) stay as written. In English it is WriteMarkdown.
func (r *Report) WriteMarkdownLang(w io.Writer, lang string) error {
	l := reportWords{lang: i18n.Negotiate(lang)}
	if l.en() {
		return r.WriteMarkdown(w)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", l.title(r))
	if !r.Started.IsZero() {
		b.WriteString(l.t("report.started", "started", r.Started.Format("2006-01-02 15:04:05 MST"), "finished", r.Finished.Format("15:04:05"),
			"field", r.IDField) + "\n\n")
	}
	for _, n := range r.Notes {
		b.WriteString("> " + l.t("report.note", "note", md(n)) + "\n\n")
	}
	row := func(cells ...string) { b.WriteString("| " + strings.Join(cells, " | ") + " |\n") }
	head := func(title string, cols []string, align string) {
		fmt.Fprintf(&b, "## %s\n\n", title)
		row(l.cols(cols...)...)
		b.WriteString(align + "\n")
	}
	if len(r.Unmatched) > 0 {
		fmt.Fprintf(&b, "## %s\n\n%s\n\n", l.t("report.unmatched"), l.t("report.unmatched.note"))
		row(l.cols("file", "column", "kind", "value", "rows", "closest")...)
		b.WriteString("|---|---|---|---|---:|---|\n")
		for _, u := range r.Unmatched {
			row(md(u.File), md(u.Column), l.kind(u.Kind), md(u.Value), l.n(u.Rows), md(strings.Join(u.Closest, ", ")))
		}
		b.WriteString("\n")
	}
	if len(r.Files) > 0 {
		head(l.t("report.records"), []string{"file", "entity", "rows", "landed", "warned", "failed", "created", "updated", "merged", "skipped"},
			"|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, f := range r.Files {
			row(md(f.File), l.entity(f.Entity), l.n(f.Rows), l.n(f.Landed), l.n(f.Warned), l.n(f.Failed), l.n(f.Created), l.n(f.Updated), l.n(f.Merged), l.n(f.Skipped))
		}
		b.WriteString("\n")
	}
	r.writeDeltaMarkdown(&b, l)
	if causes := r.warningCauses(); len(causes) > 0 {
		fmt.Fprintf(&b, "## %s\n\n%s\n\n", l.t("report.warnings"), l.t("report.warnings.note"))
		row(l.cols("file", "column", "rows", "what_done", "why", "first_row", "example")...)
		b.WriteString("|---|---|---:|---|---|---:|---|\n")
		for _, fc := range causes {
			c := fc.cause
			row(md(fc.file), md(c.Column), l.n(c.Rows), l.outcome(c), md(l.hint(c)), l.n(c.FirstRow), md(c.Example))
		}
		b.WriteString("\n")
	}
	if nf := r.noteFiles(); len(nf) > 0 {
		head(l.t("report.notes"), []string{"file", "written", "existing", "failed"}, "|---|---:|---:|---:|")
		for _, f := range nf {
			row(md(f.File), l.n(f.Notes.Written), l.n(f.Notes.Existing), l.n(f.Notes.Failed))
		}
		b.WriteString("\n")
	}
	if regions := r.regions(); len(regions) > 0 {
		head(l.t("report.regions"), []string{"file", "read_in", "rows"}, "|---|---|---:|")
		for _, fr := range regions {
			row(md(fr.file), md(l.region(fr.RegionCount)), l.n(fr.Rows))
		}
		b.WriteString("\n")
	}
	if len(r.FieldsCreated) > 0 {
		head(l.fieldsTitle(r), []string{"entity", "field", "type", "options"}, "|---|---|---|---|")
		for _, f := range r.FieldsCreated {
			row(l.entity(f.Entity), md(f.Name), string(f.Type), md(strings.Join(f.Options, ", ")))
		}
		b.WriteString("\n")
	}
	for _, s := range []struct {
		title string
		ms    []ValueMatch
	}{{l.t("report.owners"), r.Owners}, {l.t("report.stages"), r.Stages}} {
		if len(s.ms) == 0 {
			continue
		}
		head(s.title, []string{"source_value", "kommo", "matched_by"}, "|---|---|---|")
		for _, m := range s.ms {
			row(md(m.Value), md(m.To), l.by(m.By))
		}
		b.WriteString("\n")
	}
	if len(r.Merges) > 0 {
		head(l.t("report.merges"), []string{"file", "row", "key", "same", "into"}, "|---|---:|---|---|---|")
		for _, m := range r.Merges {
			row(md(m.File), l.n(m.Line), md(m.Key), md(m.By), md(m.Into))
		}
		b.WriteString("\n")
	}
	if len(r.Skipped) > 0 {
		head(l.t("report.skipped"), []string{"file", "row", "key", "column", "reason"}, "|---|---:|---|---|---|")
		for _, s := range r.Skipped {
			row(md(s.File), l.n(s.Line), md(s.Key), md(s.Column), md(s.Reason))
		}
		b.WriteString("\n")
	}
	if len(r.Attachments) > 0 {
		fmt.Fprintf(&b, "## %s\n\n%s\n\n", l.t("report.attachments"), l.t("report.attachments.note"))
		row(l.cols("file", "row", "column", "name")...)
		b.WriteString("|---|---:|---|---|\n")
		for _, a := range r.Attachments {
			row(md(a.File), l.n(a.Line), md(a.Column), md(a.Name))
		}
		b.WriteString("\n")
	}
	if len(r.Records) > 0 {
		head(l.t("report.sample"), []string{"file", "row", "key", "action", "ids"}, "|---|---:|---|---|---|")
		for _, rec := range r.Records {
			row(md(rec.File), l.n(rec.Line), md(rec.Key), l.action(rec.Action), l.ids(rec.IDs))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteHTMLLang writes the report as WriteHTML does, in lang, as
// WriteMarkdownLang; the page's lang attribute is the language. In
// English it is WriteHTML.
func (r *Report) WriteHTMLLang(w io.Writer, lang string) error {
	l := reportWords{lang: i18n.Negotiate(lang)}
	if l.en() {
		return r.WriteHTML(w)
	}
	var p htmlPage
	title := l.title(r)
	p.WriteString(strings.Replace(pageHead, `lang="en"`, `lang="`+l.lang+`"`, 1))
	p.text(title)
	p.WriteString("</title>\n" + pageStyle + "</head>\n<body>\n<h1>")
	p.text(title)
	p.WriteString("</h1>\n")
	if !r.Started.IsZero() {
		p.WriteString(`<p class="meta">`)
		p.text(l.t("report.started", "started", r.Started.Format("2006-01-02 15:04:05 MST"), "finished", r.Finished.Format("15:04:05"), "field", r.IDField))
		p.WriteString("</p>")
	}
	p.WriteString("\n")
	if totals := r.totals(); len(totals) > 0 {
		created := "report.card.created"
		if r.DryRun {
			created = "report.card.to_create"
		}
		p.WriteString(`<div class="cards">` + "\n")
		for _, t := range totals {
			p.WriteString(`<div class="card"><b>`)
			p.text(l.n(t.Created))
			p.WriteString("</b><span>")
			p.text(l.t(created, "entity", l.entity(t.Entity)))
			p.WriteString("</span><br/><span>")
			p.text(l.t("report.card.landed", "count", l.n(t.Landed)) + " · " + l.t("report.card.warned", "count", l.n(t.Warned)))
			p.WriteString(`</span><br/><span>`)
			p.text(strings.Join([]string{l.t("report.card.updated", "count", l.n(t.Updated)), l.t("report.card.merged", "count", l.n(t.Merged)),
				l.t("report.card.skipped", "count", l.n(t.Skipped)), l.t("report.card.failed", "count", l.n(t.Failed))}, " · "))
			p.WriteString("</span></div>\n")
		}
		p.WriteString("</div>")
	}
	p.WriteString("\n")
	head := l.sectionHead
	p.section(head("unmatched", l.t("report.unmatched"), "stop", l.t("report.unmatched.note"), "file", "column", "kind", "value", "rows", "closest"), len(r.Unmatched), func(i int) {
		u := r.Unmatched[i]
		p.td(u.File, u.Column, l.kind(u.Kind), u.Value)
		p.tdt(l.n(u.Rows))
		p.td(strings.Join(u.Closest, ", "))
	})
	p.section(head("records", l.t("report.records"), "", "", "file", "entity", "rows", "landed", "warned", "failed", "created", "updated", "merged", "skipped"), len(r.Files), func(i int) {
		f := r.Files[i]
		p.td(f.File, l.entity(f.Entity))
		p.tdt(l.n(f.Rows), l.n(f.Landed), l.n(f.Warned), l.n(f.Failed), l.n(f.Created), l.n(f.Updated), l.n(f.Merged), l.n(f.Skipped))
	})
	r.writeDeltaHTML(&p, l)
	causes := r.warningCauses()
	p.section(head("warnings", l.t("report.warnings"), "warn", l.t("report.warnings.note"), "file", "column", "rows", "what_done", "why", "first_row", "example"), len(causes), func(i int) {
		c := causes[i].cause
		p.td(causes[i].file, c.Column)
		p.tdt(l.n(c.Rows))
		p.td(l.outcome(c), l.hint(c))
		p.tdt(l.n(c.FirstRow))
		p.td(c.Example)
	})
	nf := r.noteFiles()
	p.section(head("notes", l.t("report.notes"), "", "", "file", "written", "existing", "failed"), len(nf), func(i int) {
		p.td(nf[i].File)
		p.tdt(l.n(nf[i].Notes.Written), l.n(nf[i].Notes.Existing), l.n(nf[i].Notes.Failed))
	})
	regions := r.regions()
	p.section(head("regions", l.t("report.regions"), "", "", "file", "read_in", "rows"), len(regions), func(i int) {
		p.td(regions[i].file, l.region(regions[i].RegionCount))
		p.tdt(l.n(regions[i].Rows))
	})
	p.section(head("fields", l.fieldsTitle(r), "", "", "entity", "field", "type", "options"), len(r.FieldsCreated), func(i int) {
		f := r.FieldsCreated[i]
		p.td(l.entity(f.Entity), f.Name, string(f.Type), strings.Join(f.Options, ", "))
	})
	for _, s := range []struct {
		id, title string
		ms        []ValueMatch
	}{{"owners", l.t("report.owners"), r.Owners}, {"stages", l.t("report.stages"), r.Stages}} {
		p.section(head(s.id, s.title, "", "", "source_value", "kommo", "matched_by"), len(s.ms), func(i int) {
			m := s.ms[i]
			p.td(m.Value, m.To, l.by(m.By))
		})
	}
	p.section(head("merges", l.t("report.merges"), "", "", "file", "row", "key", "same", "into"), len(r.Merges), func(i int) {
		m := r.Merges[i]
		p.td(m.File)
		p.tdt(l.n(m.Line))
		p.td(m.Key, m.By, m.Into)
	})
	p.section(head("skipped", l.t("report.skipped"), "", "", "file", "row", "key", "column", "reason"), len(r.Skipped), func(i int) {
		s := r.Skipped[i]
		p.td(s.File)
		p.tdt(l.n(s.Line))
		p.td(s.Key, s.Column, s.Reason)
	})
	p.section(head("attachments", l.t("report.attachments"), "warn", l.t("report.attachments.note"), "file", "row", "column", "name"), len(r.Attachments), func(i int) {
		a := r.Attachments[i]
		p.td(a.File)
		p.tdt(l.n(a.Line))
		p.td(a.Column, a.Name)
	})
	p.section(head("sample", l.t("report.sample"), "", "", "file", "row", "key", "action", "ids"), len(r.Records), func(i int) {
		rec := r.Records[i]
		p.td(rec.File)
		p.tdt(l.n(rec.Line))
		p.td(rec.Key, l.action(rec.Action), l.ids(rec.IDs))
	})
	p.WriteString(`<p class="muted">`)
	p.text(l.t("report.made_by"))
	p.WriteString("</p>\n</body>\n</html>\n")
	_, err := io.WriteString(w, p.String())
	return err
}

// numericColumn are the report's columns of numbers, right-aligned (the
// delta sections' too).
var numericColumn = map[string]bool{"rows": true, "landed": true, "warned": true, "failed": true, "created": true, "updated": true,
	"merged": true, "skipped": true, "row": true, "first_row": true, "written": true, "existing": true,
	"unchanged": true, "sent": true, "conflicts": true, "gone": true, "kommo_id": true}

// sectionHead writes a section's heading, its note (in a paragraph of
// class noteClass, if any) and its table's header: the names of the
// numeric columns are right-aligned.
func (l reportWords) sectionHead(id, title, noteClass, note string, cols ...string) string {
	var h htmlPage
	h.WriteString(`<h2 id="` + id + `">`)
	h.text(title)
	h.WriteString("</h2>\n")
	if note != "" {
		if noteClass != "" {
			h.WriteString(`<p class="` + noteClass + `">`)
		} else {
			h.WriteString("<p>")
		}
		h.text(note)
		h.WriteString("</p>\n")
	}
	h.WriteString("<table><thead><tr>")
	for _, c := range cols {
		if numericColumn[c] {
			h.WriteString(`<th class="n">`)
		} else {
			h.WriteString("<th>")
		}
		h.text(l.col(c))
		h.WriteString("</th>")
	}
	h.WriteString("</tr></thead><tbody>\n")
	return h.String()
}

// tdt writes one right-aligned cell per number already written as text.
func (p *htmlPage) tdt(cells ...string) {
	for _, s := range cells {
		p.WriteString(`<td class="n">`)
		p.text(s)
		p.WriteString("</td>")
	}
}

// reportWords are a report's words in one language; in English, the
// words WriteMarkdown and WriteHTML write.
type reportWords struct{ lang string }

func (l reportWords) en() bool { return l.lang == i18n.Default }

// t renders code with its parameters given as name, value pairs.
func (l reportWords) t(code string, kv ...string) string {
	p := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return i18n.Render(l.lang, code, p)
}

// or renders code when the catalogs have it, else returns s.
func (l reportWords) or(code, s string) string {
	if l.en() || !i18n.Has(code) {
		return s
	}
	return l.t(code)
}

// n writes a number: as it is in English (as the English writers do),
// with the language's digit grouping otherwise.
func (l reportWords) n(n int) string {
	if l.en() {
		return strconv.Itoa(n)
	}
	return i18n.FormatInt(l.lang, n)
}

func (l reportWords) col(c string) string { return l.t("report.col." + c) }

func (l reportWords) cols(cs ...string) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = l.col(c)
	}
	return out
}

func (l reportWords) title(r *Report) string {
	switch {
	case r.DryRun:
		return l.t("report.title.dry_run")
	case r.Sample > 0:
		return l.t("report.title.sample", "count", l.n(r.Sample))
	}
	return l.t("report.title")
}

func (l reportWords) fieldsTitle(r *Report) string {
	if r.DryRun {
		return l.t("report.fields.to_create")
	}
	return l.t("report.fields.created")
}

func (l reportWords) entity(e kommo.EntityType) string {
	return l.or("ui.entity."+string(e), string(e))
}

func (l reportWords) kind(k string) string {
	return l.or("ui.kind."+strings.ReplaceAll(k, " ", "_"), k)
}

func (l reportWords) action(a bulk.Action) string { return l.or("ui.action."+string(a), string(a)) }

func (l reportWords) by(b string) string { return l.or("report.by."+b, b) }

// ids writes ids by entity in write order, as idList: "company 5,
// contact 7".
func (l reportWords) ids(ids map[kommo.EntityType]int) string {
	if l.en() {
		return idList(ids)
	}
	var parts []string
	for _, e := range bulk.WriteOrder {
		if id, ok := ids[e]; ok {
			parts = append(parts, l.or("ui.entity.one."+string(e), e.Singular())+" "+strconv.Itoa(id))
		}
	}
	return strings.Join(parts, ", ")
}

func (l reportWords) outcome(c mapping.Cause) string {
	if l.en() {
		return c.Outcome()
	}
	k := "report.outcome." + c.Action
	if c.Error {
		k = "report.outcome.failed"
	}
	if !i18n.Has(k) {
		return c.Outcome()
	}
	return l.t(k, "count", strconv.Itoa(c.Rows))
}

func (l reportWords) hint(c mapping.Cause) string {
	if l.en() {
		return c.Hint()
	}
	return i18n.RenderMsgs(l.lang, i18n.CauseHint(c.Error, c.Code, c.Reason, c.Example))
}

func (l reportWords) region(c mapping.RegionCount) string {
	if l.en() {
		return mapping.RegionUse{Region: c.Region, From: c.From, Column: c.Column}.String()
	}
	return l.t("report.region."+string(c.From), "region", c.Region, "column", c.Column)
}
