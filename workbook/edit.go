package workbook

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// EditOptions configure NewEditWriter.
type EditOptions struct {
	// Entity is the dataset: leads, contacts, companies or tasks.
	Entity kommo.EntityType
	// Schema is the account's, as the export read it: the dropdowns list
	// its stages, users, task types and field options.
	Schema *mapping.Schema
	// RecordURL, if set, gives the address of a record's page in Kommo
	// ("" for none); the ID cells link to it. See RecordURL.
	RecordURL func(id int64) string
	// Sheet is the worksheet's name; "" is the entity's.
	Sheet string
}

// RecordURL returns the function that links a record of entity to its
// page in the Kommo account at base ("https://example.kommo.com/"):
// leads/detail/ID, contacts/detail/ID, companies/detail/ID. Tasks have no
// page of their own: it returns nil for them.
func RecordURL(base string, entity kommo.EntityType) func(int64) string {
	switch entity {
	case kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies:
	default:
		return nil
	}
	base = strings.TrimSuffix(base, "/") + "/" + string(entity) + "/detail/"
	return func(id int64) string { return base + strconv.FormatInt(id, 10) }
}

// EditWriter is a sheet.TableWriter for an export of leads, contacts,
// companies or tasks that a person edits and imports back (kommo-bulk
// import --mode update): the same header and values as the plain export
// (so the file is read back by the same mapping), and besides:
//
//   - the ID column locked, greyed, each id a link to the record in Kommo
//     (a HYPERLINK formula whose saved value is the id);
//   - the columns an update does not write (Created at, Updated at, Tags,
//     links) locked and greyed too, under sheet protection without a
//     password (Review > Unprotect lifts it);
//   - dropdowns on Stage (as "Pipeline / Stage"), Responsible, Task type
//     and select-like custom fields; the Stage ID, Pipeline, Pipeline ID,
//     Responsible ID and Task type ID columns become formulas that look
//     the chosen name up in the hidden lists (their saved values are the
//     exported ones), so a name picked from a dropdown is what an update
//     writes, and a stage or user that does not exist cannot be written;
//   - an autofilter, a frozen header and column widths.
//
// It writes with excelize's StreamWriter: rows go to a temporary buffer
// (a file past 16 MB), and Close assembles the workbook.
type EditWriter struct {
	w     io.Writer
	opts  EditOptions
	f     *excelize.File
	sw    *excelize.StreamWriter
	sheet string
	st    *styles
	ls    *lists

	cols   []editCol
	header bool
	row    int // last row written
	closed bool

	// The columns the lookups use, -1 when absent or not looked up.
	iStage, iStageID, iPipe, iPipeID, iResp, iRespID, iType, iTypeID int
	stageLabel                                                       map[[2]int]string // (pipeline id, stage id) → label
	userLabel                                                        map[int]string
	typeLabel                                                        map[int]string
	extras                                                           map[string]bool // labels added to a table beyond its list
}

// editCol is one column of an edit export.
type editCol struct {
	header  string
	locked  bool
	link    bool
	list    string // dropdown
	multi   bool   // several values allowed after a warning
	lookup  string // a table the column's formula looks the value of source up in
	source  int    // column index of the looked-up name
	lookCol int    // column of the table the formula returns
	width   float64
}

var _ sheet.TableWriter = (*EditWriter)(nil)

// NewEditWriter returns an EditWriter on w. Nothing is written to w
// before Close.
func NewEditWriter(w io.Writer, opts EditOptions) (*EditWriter, error) {
	switch opts.Entity {
	case kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies, kommo.EntityTasks:
	default:
		return nil, fmt.Errorf("an export for editing is of leads, contacts, companies or tasks, not %q", opts.Entity)
	}
	if opts.Schema == nil {
		opts.Schema = &mapping.Schema{}
	}
	sheet := opts.Sheet
	if sheet == "" {
		sheet = string(opts.Entity)
	}
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		f.Close()
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &EditWriter{w: w, opts: opts, f: f, sw: sw, sheet: sheet, st: newStyles(f), ls: newLists(),
		iStage: -1, iStageID: -1, iPipe: -1, iPipeID: -1, iResp: -1, iRespID: -1, iType: -1, iTypeID: -1,
		extras: map[string]bool{}}, nil
}

// WriteHeader lays the columns out from the export's header.
func (e *EditWriter) WriteHeader(names []string) error {
	if e.closed {
		return errors.New("write after close")
	}
	if e.header || e.row > 0 {
		return errors.New("header must be written once, before any row")
	}
	s := e.opts.Schema
	cols, err := bulk.ParseExportHeader(names, e.opts.Entity, s)
	if err != nil {
		return err
	}
	spec, err := bulk.ExportSpec(names, e.opts.Entity, s)
	if err != nil {
		return err
	}
	writable := map[string]bool{}
	for _, c := range spec.Columns {
		writable[c.Column] = true
	}
	e.cols = make([]editCol, len(names))
	for i, c := range cols {
		ec := editCol{header: names[i], locked: !writable[names[i]], source: -1}
		switch {
		case c.IsCustom():
			if f := customByID(s, e.opts.Entity, c.FieldID); f != nil {
				if fi := customInfo(f); fi.list != "" && fi.list != ListYesNo && len(f.Enums) > 0 {
					ec.list, ec.multi = fi.list, fi.kind == kindMultiList
				}
			}
		case c.Field == bulk.StdID:
			ec.locked, ec.link = true, e.opts.RecordURL != nil
		case c.Field == bulk.StdStatus:
			e.iStage = i
		case c.Field == bulk.StdStatusID:
			e.iStageID = i
		case c.Field == bulk.StdPipeline:
			e.iPipe = i
		case c.Field == bulk.StdPipelineID:
			e.iPipeID = i
		case c.Field == bulk.StdResponsible:
			e.iResp = i
		case c.Field == bulk.StdResponsibleID:
			e.iRespID = i
		case c.Field == bulk.StdTaskType:
			e.iType = i
		case c.Field == bulk.StdTaskTypeID:
			e.iTypeID = i
		}
		e.cols[i] = ec
	}
	e.lookups()
	for i := range e.cols {
		c := &e.cols[i]
		c.width = float64(min(40, max(12, len([]rune(c.header))+4)))
		if c.list != "" {
			c.width = float64(min(50, max(int(c.width), longest(e.ls.blocks[c.list].labels)+4)))
		}
		switch cols[i].Field {
		case bulk.StdCreatedAt, bulk.StdUpdatedAt, bulk.StdClosedAt, bulk.StdCompleteTill:
			c.width = max(c.width, 18)
		}
		if err := e.sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return err
		}
	}
	if err := e.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	row := make([]any, len(names))
	for i, n := range names {
		hs, err := e.st.header(false)
		if err != nil {
			return err
		}
		row[i] = excelize.Cell{StyleID: hs, Value: n}
	}
	if err := e.sw.SetRow("A1", row); err != nil {
		return err
	}
	e.header, e.row = true, 1
	return e.comments()
}

// lookups sets up the dropdowns of the name columns and the formulas of
// the id columns beside them, for the columns the export has.
func (e *EditWriter) lookups() {
	s := e.opts.Schema
	if e.iStage >= 0 && e.iStageID >= 0 && e.iPipeID >= 0 {
		e.stageLabel = map[[2]int]string{}
		var labels []string
		var ids [][]any
		for _, st := range stageList(s) {
			labels = append(labels, st.label)
			ids = append(ids, []any{st.stageID, st.pipeID, st.pipeline})
			e.stageLabel[[2]int{st.pipeID, st.stageID}] = st.label
		}
		if len(labels) > 0 {
			e.ls.add(ListStages, "Stage", labels, ids)
			e.derive(e.iStage, ListStages, e.iStageID, 2)
			e.derive(e.iStage, ListStages, e.iPipeID, 3)
			if e.iPipe >= 0 {
				e.derive(e.iStage, ListStages, e.iPipe, 4)
			}
		}
	}
	if e.iResp >= 0 && e.iRespID >= 0 && !s.UsersHidden {
		labels, uids := userLabels(s.Users)
		labels = uniqueLabels(labels, uids)
		e.userLabel = map[int]string{}
		ids := make([][]any, len(uids))
		for i, id := range uids {
			ids[i] = []any{id}
			e.userLabel[id] = labels[i]
		}
		if len(labels) > 0 {
			e.ls.add(ListUsers, "Responsible", labels, ids)
			e.derive(e.iResp, ListUsers, e.iRespID, 2)
		}
	}
	if e.iType >= 0 && e.iTypeID >= 0 {
		var labels []string
		var tids []int
		for _, t := range s.TaskTypes {
			labels = append(labels, t.Name)
			tids = append(tids, t.ID)
		}
		labels = uniqueLabels(labels, tids)
		e.typeLabel = map[int]string{}
		ids := make([][]any, len(tids))
		for i, id := range tids {
			ids[i] = []any{id}
			e.typeLabel[id] = labels[i]
		}
		if len(labels) > 0 {
			e.ls.add(ListTaskTypes, "Task type", labels, ids)
			e.derive(e.iType, ListTaskTypes, e.iTypeID, 2)
		}
	}
	for _, c := range e.cols {
		if c.list == "" || e.ls.blocks[c.list] != nil {
			continue
		}
		for _, f := range s.Fields[e.opts.Entity] {
			if f != nil && ListOptions(f.ID) == c.list {
				var labels []string
				for _, en := range f.Enums {
					labels = append(labels, en.Value)
				}
				e.ls.add(c.list, f.Name, labels, nil)
			}
		}
	}
}

// derive makes column to a formula returning column col of list's table
// for the name in column from, which gets the dropdown and is editable.
func (e *EditWriter) derive(from int, list string, to, col int) {
	e.cols[from].list, e.cols[from].locked = list, false
	e.cols[to].lookup, e.cols[to].source, e.cols[to].lookCol, e.cols[to].locked = tableName(list), from, col, true
}

// comments explains the ID column and the looked-up ones in their
// header comments.
func (e *EditWriter) comments() error {
	for i, c := range e.cols {
		note := ""
		switch {
		case c.link:
			note = "Kommo id, locked: the link opens the record in Kommo. Edit the white columns, then: kommo-bulk import FILE --mode update"
		case i == 0 && c.locked:
			note = "Kommo id, locked. Edit the white columns, then: kommo-bulk import FILE --mode update"
		case c.lookup != "":
			note = fmt.Sprintf("Follows %q (a formula over the hidden Lists sheet): pick a value there.", e.cols[c.source].header)
		case c.list != "" && c.multi:
			note = "Pick a value from the list, or type several separated by \"; \"."
		case c.list != "":
			note = "Pick a value from the list."
		}
		if note == "" {
			continue
		}
		if err := e.f.AddComment(e.sheet, excelize.Comment{Cell: sheet.ColumnLetter(i) + "1", Author: "kommo-bulk", Text: note}); err != nil {
			return err
		}
	}
	return nil
}

// WriteRow writes one record.
func (e *EditWriter) WriteRow(cells []sheet.Cell) error {
	if e.closed {
		return errors.New("write after close")
	}
	if e.row >= maxRow {
		return fmt.Errorf("more than %d rows: the sheet is full", maxRow-1)
	}
	e.row++
	r := e.row
	e.relabel(cells)
	out := make([]any, max(len(cells), len(e.cols)))
	for i := range out {
		var c sheet.Cell
		if i < len(cells) {
			c = cells[i]
		}
		var ec editCol
		if i < len(e.cols) {
			ec = e.cols[i]
		}
		v, k := cellValue(c)
		style, err := e.st.cell(k, ec.locked, ec.link && c.Kind == sheet.CellInt)
		if err != nil {
			return err
		}
		cell := excelize.Cell{StyleID: style, Value: v}
		switch {
		case ec.link && c.Kind == sheet.CellInt:
			cell.Formula = fmt.Sprintf("HYPERLINK(%s,%d)", formulaString(e.opts.RecordURL(c.I)), c.I)
		case ec.lookup != "":
			src := "$" + sheet.ColumnLetter(ec.source) + strconv.Itoa(r)
			cell.Formula = fmt.Sprintf(`IF(%s="","",IFERROR(VLOOKUP(%s,%s,%d,FALSE),"not in the list: "&%s))`, src, src, ec.lookup, ec.lookCol, src)
		}
		out[i] = cell
	}
	return e.sw.SetRow("A"+strconv.Itoa(r), out)
}

// relabel writes the name columns that drive a lookup the way their lists
// spell them (the stage as "Pipeline / Stage", a user by the list's
// label), adding a value the lists lack (a stage a lead cannot be moved
// to, a user no longer listed) to the lookup table only.
func (e *EditWriter) relabel(cells []sheet.Cell) {
	id := func(i int) int {
		if i >= 0 && i < len(cells) && cells[i].Kind == sheet.CellInt {
			return int(cells[i].I)
		}
		return 0
	}
	text := func(i int) string {
		if i >= 0 && i < len(cells) {
			return cells[i].String()
		}
		return ""
	}
	set := func(i int, label string) {
		if i < len(cells) {
			cells[i] = sheet.StringCell(label)
		}
	}
	if e.stageLabel != nil && e.cols[e.iStage].list != "" {
		pid, sid := id(e.iPipeID), id(e.iStageID)
		if label, ok := e.stageLabel[[2]int{pid, sid}]; ok {
			set(e.iStage, label)
		} else if sid != 0 {
			label := StageLabel(text(e.iPipe), text(e.iStage))
			e.extra(ListStages, label, []any{sid, pid, text(e.iPipe)})
			set(e.iStage, label)
		}
	}
	if e.userLabel != nil && e.cols[e.iResp].list != "" {
		if uid := id(e.iRespID); uid != 0 {
			label, ok := e.userLabel[uid]
			if !ok {
				label = fmt.Sprintf("user %d", uid)
				e.extra(ListUsers, label, []any{uid})
			}
			set(e.iResp, label)
		}
	}
	if e.typeLabel != nil && e.cols[e.iType].list != "" {
		if tid := id(e.iTypeID); tid != 0 {
			label, ok := e.typeLabel[tid]
			if !ok {
				label = fmt.Sprintf("task type %d", tid)
				e.extra(ListTaskTypes, label, []any{tid})
			}
			set(e.iType, label)
		}
	}
}

func (e *EditWriter) extra(list, label string, ids []any) {
	if k := list + "\x00" + strings.ToLower(label); !e.extras[k] {
		e.extras[k] = true
		e.ls.addExtra(list, label, ids)
	}
}

// cellValue converts a typed cell for excelize, with the kind its style
// follows.
func cellValue(c sheet.Cell) (any, kind) {
	switch c.Kind {
	case sheet.CellString:
		return c.S, kindText
	case sheet.CellNumber:
		return c.N, kindText // general format, as the plain export
	case sheet.CellInt:
		return c.I, kindInt
	case sheet.CellDate:
		y, m, d := c.T.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), kindDate
	case sheet.CellDateTime:
		return c.T, kindDateTime
	case sheet.CellBool:
		return c.B, kindText
	}
	return nil, kindText
}

// formulaString quotes s as a formula's string literal.
func formulaString(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Close adds the validations, the autofilter and the protection, writes
// the lists and the workbook to the writer. It does not close the writer.
func (e *EditWriter) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	defer e.f.Close()
	last := max(e.row, 2)
	for i, c := range e.cols {
		if c.list == "" || !e.ls.has(c.list) {
			continue
		}
		l := sheet.ColumnLetter(i)
		k := kindList
		if c.multi {
			k = kindMultiList
		}
		if err := e.f.AddDataValidation(e.sheet, validation(k, c.list, fmt.Sprintf("%s2:%s%d", l, l, last))); err != nil {
			return err
		}
	}
	if len(e.cols) > 0 {
		if err := e.f.AutoFilter(e.sheet, fmt.Sprintf("A1:%s%d", sheet.ColumnLetter(len(e.cols)-1), max(e.row, 1)), nil); err != nil {
			return err
		}
	}
	if err := e.f.ProtectSheet(e.sheet, &excelize.SheetProtectionOptions{AutoFilter: true, Sort: true, FormatColumns: true,
		FormatRows: true, SelectLockedCells: true, SelectUnlockedCells: true}); err != nil {
		return err
	}
	if err := e.sw.Flush(); err != nil {
		return err
	}
	if err := e.ls.write(e.f); err != nil {
		return err
	}
	e.f.SetActiveSheet(0)
	return e.f.Write(e.w)
}

// customByID finds a custom field of entity.
func customByID(s *mapping.Schema, entity kommo.EntityType, id int) *kommo.CustomField {
	for _, f := range s.Fields[entity] {
		if f != nil && f.ID == id {
			return f
		}
	}
	return nil
}
