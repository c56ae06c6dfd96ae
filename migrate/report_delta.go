package migrate

import (
	"strconv"
	"strings"
	"time"

	"github.com/kommo-bulk/kommo-bulk/i18n"
)

// The sections of a delta run's report (Options.Delta): what each file
// sent and skipped, the conflicts and the rows gone from the source. One
// writer for every language: English from the catalog's "en".

// deltaFiles are the files of a delta run.
func (r *Report) deltaFiles() []FileReport {
	var out []FileReport
	for _, f := range r.Files {
		if f.Delta != nil {
			out = append(out, f)
		}
	}
	return out
}

// who names the user who changed a conflict's field.
func (c Conflict) who() string {
	if c.ByName != "" {
		return c.ByName
	}
	return "user " + strconv.Itoa(c.By)
}

// when is the time of a conflict's change, UTC.
func (c Conflict) when() string {
	return time.Unix(c.At, 0).UTC().Format("2006-01-02 15:04 UTC")
}

// writeDeltaMarkdown writes the delta sections in l's language.
func (r *Report) writeDeltaMarkdown(b *strings.Builder, l reportWords) {
	files := r.deltaFiles()
	if len(files) == 0 {
		return
	}
	row := func(cells ...string) { b.WriteString("| " + strings.Join(cells, " | ") + " |\n") }
	section := func(title, note string, cols []string, align string) {
		b.WriteString("## " + title + "\n\n" + note + "\n\n")
		row(l.cols(cols...)...)
		b.WriteString(align + "\n")
	}
	section(l.t("report.delta"), l.t("report.delta.note"), []string{"file", "entity", "unchanged", "sent", "conflicts", "gone"}, "|---|---|---:|---:|---:|---:|")
	for _, f := range files {
		d := f.Delta
		row(md(f.File), l.entity(f.Entity), l.n(d.Unchanged), l.n(d.Sent), l.n(d.Conflicts), l.n(d.Gone))
	}
	b.WriteString("\n")
	if len(r.Conflicts) > 0 {
		section(l.t("report.conflicts"), l.t("report.conflicts.note"),
			[]string{"file", "row", "key", "kommo_id", "field", "source_value", "kommo_value", "changed_by", "changed_at", "resolution"},
			"|---|---:|---|---:|---|---|---|---|---|---|")
		for _, c := range r.Conflicts {
			row(md(c.File), l.n(c.Line), md(c.Key), strconv.Itoa(c.ID), md(c.Field), md(c.Source), md(c.Kommo), md(c.who()), c.when(), string(c.Resolution))
		}
		b.WriteString("\n")
	}
	if len(r.Gone) > 0 {
		section(l.t("report.gone"), l.t("report.gone.note"), []string{"file", "entity", "key", "kommo_id"}, "|---|---|---|---:|")
		for _, g := range r.Gone {
			row(md(g.File), l.entity(g.Entity), md(g.Key), strconv.Itoa(g.ID))
		}
		b.WriteString("\n")
	}
}

// writeDeltaHTML writes the delta sections of the page in l's language.
func (r *Report) writeDeltaHTML(p *htmlPage, l reportWords) {
	files := r.deltaFiles()
	if len(files) == 0 {
		return
	}
	head := func(id, title, note string, cols ...string) string {
		return l.sectionHead(id, title, "", note, cols...)
	}
	p.section(head("delta", l.t("report.delta"), l.t("report.delta.note"), "file", "entity", "unchanged", "sent", "conflicts", "gone"), len(files), func(i int) {
		f := files[i]
		p.td(f.File, l.entity(f.Entity))
		p.tdt(l.n(f.Delta.Unchanged), l.n(f.Delta.Sent), l.n(f.Delta.Conflicts), l.n(f.Delta.Gone))
	})
	p.section(head("conflicts", l.t("report.conflicts"), l.t("report.conflicts.note"),
		"file", "row", "key", "kommo_id", "field", "source_value", "kommo_value", "changed_by", "changed_at", "resolution"), len(r.Conflicts), func(i int) {
		c := r.Conflicts[i]
		p.td(c.File)
		p.tdt(l.n(c.Line))
		p.td(c.Key)
		p.tdt(strconv.Itoa(c.ID))
		p.td(c.Field, c.Source, c.Kommo, c.who(), c.when(), string(c.Resolution))
	})
	p.section(head("gone", l.t("report.gone"), l.t("report.gone.note"), "file", "entity", "key", "kommo_id"), len(r.Gone), func(i int) {
		g := r.Gone[i]
		p.td(g.File, l.entity(g.Entity), g.Key)
		p.tdt(strconv.Itoa(g.ID))
	})
}

// english are the report's words in English, for the writers without a
// language.
var english = reportWords{lang: i18n.Default}
