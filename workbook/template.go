package workbook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx"
)

// TemplateOptions configure WriteTemplate.
type TemplateOptions struct {
	// Entity is what a row of the template creates: leads, contacts,
	// companies or tasks. With Spec, it must be the spec's (or empty).
	Entity kommo.EntityType
	// Spec, if set, lays the template out: one column per spec column
	// (and per column of its joins, key and refs), in its order, and is
	// the spec the template imports with. Without it the template has
	// the entity's standard fields and every custom field a cell can
	// fill (see the package documentation of the command).
	Spec *mapping.Spec
	// Schema is the account's: the dropdowns list its pipelines and
	// stages, users, task types and field options.
	Schema *mapping.Schema
}

// maxRow is the last row a template's validations and formats cover.
const maxRow = 1048576

// WriteTemplate writes an import template to w: a workbook whose first
// sheet, named after the entity, has one column per field with a header
// comment that says what the field takes; dropdown lists (data
// validations) for stages ("Pipeline / Stage"), pipelines, users, task
// types and the options of select, radio button, checkbox and multiselect
// fields (a multiselect also takes several values typed with ";");
// date, date-time and number formats and checks; required columns marked
// (an orange header, and required in the spec); a frozen header row. The
// lists sit on the hidden sheet "Lists"; the spec the template imports
// with sits on the very hidden sheet "kommo-bulk" (see TemplateSpec), so
// a filled template imports with no mapping.
func WriteTemplate(w io.Writer, opts TemplateOptions) error {
	s := opts.Schema
	if s == nil {
		s = &mapping.Schema{}
	}
	spec, cols, err := templateColumns(opts, s)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := string(spec.Entity)
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	ls := newLists()
	addSchemaLists(ls, s, cols)
	st := newStyles(f)
	for i, c := range cols {
		if err := writeTemplateColumn(f, sheet, i, c, ls, st); err != nil {
			return err
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := ls.write(f); err != nil {
		return err
	}
	if err := writeSpec(f, spec); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

// templateColumns returns the spec a template imports with and its
// columns.
func templateColumns(opts TemplateOptions, s *mapping.Schema) (*mapping.Spec, []column, error) {
	if opts.Spec == nil {
		switch opts.Entity {
		case kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies, kommo.EntityTasks:
		default:
			return nil, nil, fmt.Errorf("template of %q: want leads, contacts, companies or tasks", opts.Entity)
		}
		cols := defaultColumns(s, opts.Entity)
		spec := &mapping.Spec{Entity: opts.Entity}
		has := map[string]bool{}
		for _, c := range cols {
			spec.Columns = append(spec.Columns, c.spec)
			if c.spec.Entity == "" {
				has[c.spec.Field] = true
			}
		}
		switch {
		case opts.Entity == kommo.EntityContacts && has[kommo.CodeEmail]:
			spec.Match.Primary = "email"
		case opts.Entity == kommo.EntityContacts && has[kommo.CodePhone]:
			spec.Match.Primary = "phone"
		case opts.Entity == kommo.EntityCompanies:
			spec.Match.Primary = "name"
		}
		return spec, cols, nil
	}
	spec := opts.Spec
	if opts.Entity != "" && opts.Entity != spec.Entity {
		return nil, nil, fmt.Errorf("the mapping is for %s, not %s", spec.Entity, opts.Entity)
	}
	if _, err := mapping.Compile(spec, s, specHeader(spec)); err != nil {
		return nil, nil, err
	}
	var cols []column
	seen := map[string]bool{}
	add := func(c column) {
		if k := strings.ToLower(c.spec.Column); !seen[k] {
			seen[k] = true
			cols = append(cols, c)
		}
	}
	if spec.Key != "" {
		add(column{spec: mapping.ColumnSpec{Column: spec.Key}, what: "the row's key in its source"})
	}
	for _, cs := range spec.Columns {
		e := cs.Entity
		if e == "" {
			e = spec.Entity
		}
		fi, _, _ := resolveField(s, e, cs.Field)
		if fi.what == "" {
			fi.what = cs.Field
		}
		if len(cs.Map) > 0 { // source values, mapped on import: no dropdown
			fi.kind, fi.list = kindText, ""
			fi.what += ", as the mapping's value map reads it"
		}
		if cs.Entity != "" && cs.Entity != spec.Entity {
			fi.what = strings.TrimSuffix(string(cs.Entity), "s") + " " + fi.what
		}
		add(column{spec: cs, kind: fi.kind, list: fi.list, what: fi.what, required: cs.Required})
	}
	for _, j := range spec.Join {
		for _, c := range j.Columns {
			add(column{spec: mapping.ColumnSpec{Column: c}, what: "part of " + j.Field + ", joined with the others"})
		}
	}
	for _, r := range spec.Refs {
		add(column{spec: mapping.ColumnSpec{Column: r.Column}, what: "key of the related " + string(r.Entity) + " row"})
	}
	return spec, cols, nil
}

// specHeader lists every column a spec reads.
func specHeader(s *mapping.Spec) []string {
	var h []string
	if s.Key != "" {
		h = append(h, s.Key)
	}
	for _, c := range s.Columns {
		h = append(h, c.Column)
	}
	for _, j := range s.Join {
		h = append(h, j.Columns...)
	}
	for _, r := range s.Refs {
		h = append(h, r.Column)
	}
	return h
}

// addSchemaLists registers the lists the columns use, from the schema.
func addSchemaLists(ls *lists, s *mapping.Schema, cols []column) {
	for _, c := range cols {
		if c.list == "" || ls.blocks[c.list] != nil {
			continue
		}
		switch c.list {
		case ListStages:
			var labels []string
			var ids [][]any
			for _, e := range stageList(s) {
				labels = append(labels, e.label)
				ids = append(ids, []any{e.stageID, e.pipeID, e.pipeline})
			}
			ls.add(ListStages, "Stage", labels, ids)
		case ListPipelines:
			var labels []string
			var ids [][]any
			for _, p := range s.Pipelines {
				if p != nil && !p.IsArchive {
					labels = append(labels, p.Name)
					ids = append(ids, []any{p.ID})
				}
			}
			ls.add(ListPipelines, "Pipeline", labels, ids)
		case ListUsers:
			if s.UsersHidden {
				continue
			}
			labels, uids := userLabels(s.Users)
			ids := make([][]any, len(uids))
			for i, id := range uids {
				ids[i] = []any{id}
			}
			ls.add(ListUsers, "Responsible", labels, ids)
		case ListTaskTypes:
			var labels []string
			var ids [][]any
			for _, t := range s.TaskTypes {
				labels = append(labels, t.Name)
				ids = append(ids, []any{t.ID})
			}
			ls.add(ListTaskTypes, "Task type", labels, ids)
		case ListEntityTypes:
			ls.add(ListEntityTypes, "Entity type", []string{"leads", "contacts", "companies"}, nil)
		case ListYesNo:
			ls.add(ListYesNo, "Yes/No", []string{"Yes", "No"}, nil)
		default:
			for _, fs := range s.Fields {
				for _, f := range fs {
					if f != nil && ListOptions(f.ID) == c.list {
						var labels []string
						for _, en := range f.Enums {
							labels = append(labels, en.Value)
						}
						ls.add(c.list, f.Name, labels, nil)
					}
				}
			}
		}
	}
}

// writeTemplateColumn writes column i's header, comment, format, width
// and validation.
func writeTemplateColumn(f *excelize.File, sheetName string, i int, c column, ls *lists, st *styles) error {
	letter := sheet.ColumnLetter(i)
	hdr := letter + "1"
	if err := f.SetCellStr(sheetName, hdr, c.spec.Column); err != nil {
		return err
	}
	hs, err := st.header(c.required)
	if err != nil {
		return err
	}
	if err := f.SetCellStyle(sheetName, hdr, hdr, hs); err != nil {
		return err
	}
	list := c.list
	if list != "" && !ls.has(list) {
		list = "" // no values to list: users hidden, a field without options
	}
	if err := f.AddComment(sheetName, excelize.Comment{Cell: hdr, Author: "kommo-bulk", Text: columnNote(c, list)}); err != nil {
		return err
	}
	cs, err := st.cell(c.kind, false, false)
	if err != nil {
		return err
	}
	if cs != 0 {
		if err := f.SetColStyle(sheetName, letter, cs); err != nil {
			return err
		}
		// The header keeps its own style over the column's.
		if err := f.SetCellStyle(sheetName, hdr, hdr, hs); err != nil {
			return err
		}
	}
	width := float64(min(50, max(14, len([]rune(c.spec.Column))+4)))
	if list != "" {
		width = float64(min(50, max(int(width), longest(ls.blocks[list].labels)+4)))
	}
	if err := f.SetColWidth(sheetName, letter, letter, width); err != nil {
		return err
	}
	if dv := validation(c.kind, list, fmt.Sprintf("%s2:%s%d", letter, letter, maxRow)); dv != nil {
		return f.AddDataValidation(sheetName, dv)
	}
	return nil
}

// columnNote is the header comment of a column.
func columnNote(c column, list string) string {
	var b strings.Builder
	if c.required {
		b.WriteString("Required. ")
	}
	b.WriteString("Kommo: " + c.what + ".\n")
	switch c.kind {
	case kindList:
		if list != "" {
			b.WriteString("Pick a value from the list.")
		}
	case kindMultiList:
		if list != "" {
			b.WriteString("Pick a value from the list, or type several separated by \"; \".")
		}
	case kindMulti:
		b.WriteString("Several values: separate them with \"; \".")
	case kindNumber:
		b.WriteString("A number, e.g. 1500.50.")
	case kindInt:
		b.WriteString("A whole number.")
	case kindDate:
		b.WriteString("A date, e.g. 2025-01-31.")
	case kindDateTime:
		b.WriteString("A date and time, e.g. 2025-01-31 14:30 (the account's time zone).")
	}
	return strings.TrimSpace(b.String())
}

// validation returns the data validation of a column of kind over sqref,
// or nil for text.
func validation(k kind, list, sqref string) *excelize.DataValidation {
	dv := excelize.NewDataValidation(true)
	dv.SetSqref(sqref)
	switch k {
	case kindList, kindMultiList:
		if list == "" {
			return nil
		}
		dv.SetSqrefDropList(list)
		if k == kindMultiList {
			// Several typed values are allowed after a warning.
			dv.SetError(excelize.DataValidationErrorStyleWarning, "Not one value of the list", "Several values are fine, separated by \"; \" (each must be in the list). Keep it?")
		} else {
			dv.SetError(excelize.DataValidationErrorStyleStop, "Not in the list", "Pick a value from the list.")
		}
	case kindNumber:
		if err := dv.SetRange(-1e15, 1e15, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween); err != nil {
			return nil
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "Not a number", "Type a number, e.g. 1500.50.")
	case kindInt:
		if err := dv.SetRange(0, 1e15, excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween); err != nil {
			return nil
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "Not a whole number", "Type a whole number.")
	case kindDate, kindDateTime:
		// Serial 1 is 1900-01-01: any real date.
		if err := dv.SetRange(1, 2958465, excelize.DataValidationTypeDate, excelize.DataValidationOperatorBetween); err != nil {
			return nil
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "Not a date", "Type a date, e.g. 2025-01-31.")
	default:
		return nil
	}
	return dv
}

// specChunk is the size of one cell of the spec on SpecSheet, under
// Excel's 32,767 characters per cell.
const specChunk = 30000

// writeSpec puts spec, as JSON, on a very hidden SpecSheet.
func writeSpec(f *excelize.File, spec *mapping.Spec) error {
	b, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	if _, err := f.NewSheet(SpecSheet); err != nil {
		return err
	}
	if err := f.SetCellStr(SpecSheet, "A1", SpecMarker); err != nil {
		return err
	}
	for i, row := 0, 2; i < len(b); i, row = i+specChunk, row+1 {
		end := min(len(b), i+specChunk)
		if err := f.SetCellStr(SpecSheet, fmt.Sprintf("A%d", row), string(b[i:end])); err != nil {
			return err
		}
	}
	return f.SetSheetVisible(SpecSheet, false, true)
}

// TemplateSpec returns the mapping spec a template written by
// WriteTemplate carries, or nil when the workbook has none. It reads with
// mapping's streaming reader.
func TemplateSpec(r io.ReaderAt, size int64) (*mapping.Spec, error) {
	x, err := xlsx.Open(r, size, xlsx.Options{Sheet: SpecSheet, NoHeader: true})
	if errors.Is(err, sheet.ErrNoSheet) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer x.Close()
	var b strings.Builder
	first := true
	for rec, err := range sheet.Records(x) {
		if err != nil {
			return nil, err
		}
		v := ""
		if len(rec.Values) > 0 {
			v = rec.Values[0]
		}
		if first {
			if v != SpecMarker {
				return nil, nil // a sheet of that name, not ours
			}
			first = false
			continue
		}
		b.WriteString(v)
	}
	if first {
		return nil, nil
	}
	spec, err := mapping.ParseSpec([]byte(b.String()))
	if err != nil {
		return nil, fmt.Errorf("the template's spec (sheet %q): %w", SpecSheet, err)
	}
	return spec, nil
}
