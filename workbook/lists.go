package workbook

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// Sheet names the workbooks of this package add.
const (
	// ListsSheet holds the dropdown lists, hidden.
	ListsSheet = "Lists"
	// SpecSheet holds a template's mapping spec, very hidden (no menu
	// shows it): its first cell is SpecMarker, the cells below the spec as
	// JSON in pieces.
	SpecSheet = "kommo-bulk"
	// SpecMarker starts SpecSheet.
	SpecMarker = "kommo-bulk template v1"
)

// Names of the dropdown lists (workbook-level defined names).
const (
	ListStages      = "KB_Stages"      // "Pipeline / Stage" of every stage a lead can be put in
	ListPipelines   = "KB_Pipelines"   // pipeline names
	ListUsers       = "KB_Users"       // user names (the e-mail for a name two users share)
	ListTaskTypes   = "KB_TaskTypes"   // task type names
	ListEntityTypes = "KB_EntityTypes" // leads, contacts, companies
	ListYesNo       = "KB_YesNo"       // Yes, No
)

// ListOptions names the list of the options of custom field id.
func ListOptions(id int) string { return "KB_Field" + strconv.Itoa(id) }

// tableName names the lookup table of list: the labels with the id
// columns beside them.
func tableName(list string) string { return list + "_Table" }

// lists collects the dropdown lists of a workbook, to write on ListsSheet.
type lists struct {
	order  []string
	blocks map[string]*listBlock
}

// listBlock is one list: its labels, and optional id columns beside them
// (the lookup table of an edit export). extra are labels beyond the
// dropdown, in the table only (a deleted user a record still names).
type listBlock struct {
	title  string
	labels []string
	ids    [][]any // per label, the values of the columns beside it
	extra  int     // the last extra labels are not in the dropdown
}

func newLists() *lists { return &lists{blocks: map[string]*listBlock{}} }

// add registers list name with labels and, for each label, the values of
// its id columns (nil: none). It returns name.
func (l *lists) add(name, title string, labels []string, ids [][]any) string {
	if _, ok := l.blocks[name]; !ok {
		l.order = append(l.order, name)
	}
	l.blocks[name] = &listBlock{title: title, labels: labels, ids: ids}
	return name
}

// addExtra appends a label to list name's table only.
func (l *lists) addExtra(name, label string, ids []any) {
	b := l.blocks[name]
	b.labels = append(b.labels, label)
	b.ids = append(b.ids, ids)
	b.extra++
}

// has reports whether list name exists and has a label.
func (l *lists) has(name string) bool {
	b := l.blocks[name]
	return b != nil && len(b.labels)-b.extra > 0
}

// write puts the lists on a new hidden ListsSheet of f, side by side (a
// title in row 1, labels from row 2, the id columns right of the labels),
// and defines each list's name (the labels of the dropdown) and its
// table's (labels and ids, extras included).
func (l *lists) write(f *excelize.File) error {
	if len(l.order) == 0 {
		return nil
	}
	if _, err := f.NewSheet(ListsSheet); err != nil {
		return err
	}
	col := 1
	for _, name := range l.order {
		b := l.blocks[name]
		width := 1
		for _, ids := range b.ids {
			width = max(width, 1+len(ids))
		}
		cell, _ := excelize.CoordinatesToCellName(col, 1)
		if err := f.SetCellStr(ListsSheet, cell, b.title); err != nil {
			return err
		}
		for i, label := range b.labels {
			row := []any{label}
			if i < len(b.ids) {
				row = append(row, b.ids[i]...)
			}
			cell, _ := excelize.CoordinatesToCellName(col, i+2)
			if err := f.SetSheetRow(ListsSheet, cell, &row); err != nil {
				return err
			}
		}
		n := len(b.labels) - b.extra
		first := sheet.ColumnLetter(col - 1)
		last := sheet.ColumnLetter(col + width - 2)
		if n > 0 {
			if err := f.SetDefinedName(&excelize.DefinedName{Name: name, RefersTo: fmt.Sprintf("%s!$%s$2:$%s$%d", ListsSheet, first, first, n+1)}); err != nil {
				return err
			}
		}
		if width > 1 && len(b.labels) > 0 {
			if err := f.SetDefinedName(&excelize.DefinedName{Name: tableName(name), RefersTo: fmt.Sprintf("%s!$%s$2:$%s$%d", ListsSheet, first, last, len(b.labels)+1)}); err != nil {
				return err
			}
		}
		if err := f.SetColWidth(ListsSheet, first, first, float64(min(60, max(12, longest(b.labels)+2)))); err != nil {
			return err
		}
		col += width + 1
	}
	return f.SetSheetVisible(ListsSheet, false)
}

func longest(ss []string) int {
	n := 0
	for _, s := range ss {
		n = max(n, len([]rune(s)))
	}
	return n
}

// uniqueLabels makes labels unique ignoring case, as a lookup compares
// them: a repeated one gets " (id N)".
func uniqueLabels(labels []string, ids []int) []string {
	seen := map[string]int{}
	for _, l := range labels {
		seen[strings.ToLower(l)]++
	}
	out := make([]string, len(labels))
	for i, l := range labels {
		out[i] = l
		if seen[strings.ToLower(l)] > 1 {
			out[i] = fmt.Sprintf("%s (id %d)", l, ids[i])
		}
	}
	return out
}

// StageLabel is how a stage is written in the stage dropdown.
func StageLabel(pipeline, stage string) string { return pipeline + " / " + stage }

// stageEntry is one stage of the stage list.
type stageEntry struct {
	label           string
	stageID, pipeID int
	pipeline, stage string
}

// stageList lists the stages a lead can be put in through the API: every
// stage of every pipeline that is not archived, but the "incoming leads"
// one (type 1), won and lost included.
func stageList(s *mapping.Schema) []stageEntry {
	var out []stageEntry
	for _, p := range s.Pipelines {
		if p == nil || p.IsArchive {
			continue
		}
		for _, st := range p.Statuses() {
			if st == nil || st.Type == 1 {
				continue
			}
			out = append(out, stageEntry{StageLabel(p.Name, st.Name), st.ID, p.ID, p.Name, st.Name})
		}
	}
	return out
}

// userLabels names the users as the dropdown lists them: the name, or the
// e-mail when another user has the same name (both resolve on import).
func userLabels(users []*kommo.User) ([]string, []int) {
	count := map[string]int{}
	for _, u := range users {
		if u != nil {
			count[value.Normalize(u.Name)]++
		}
	}
	var labels []string
	var ids []int
	for _, u := range users {
		if u == nil {
			continue
		}
		l := u.Name
		if count[value.Normalize(u.Name)] > 1 && u.Email != "" || l == "" {
			l = u.Email
		}
		labels = append(labels, l)
		ids = append(ids, u.ID)
	}
	return labels, ids
}
