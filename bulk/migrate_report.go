package bulk

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

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
