package migrate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// eachRecord reads f's good records; bad rows are left to the validation
// pass, which reports them. A read error that ends the file (a cell over
// the limit, say) or a cancelled ctx stops it.
func (f *migFile) eachRecord(ctx context.Context, fn func(sheet.Record)) error {
	t, err := f.Open()
	if err != nil {
		return err
	}
	defer t.Close()
	f.header = t.Header()
	for rec, err := range sheet.Records(t) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			if !sheet.EndsTable(err) {
				continue // reported by the validation pass
			}
			if errors.As(err, new(*sheet.RowError)) {
				return err // it names the file, row and column
			}
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		fn(rec)
	}
	return nil
}

// interesting are the columns whose distinct values the pre-pass keeps:
// owners, and custom fields the account may lack.
func (m *migration) interesting(f *migFile) map[string]bool {
	cols := map[string]bool{}
	for _, c := range f.Spec.Columns {
		e := entityOf(f.Spec, c.Entity)
		if mapping.StandardField(c.Field) == "responsible_user" {
			cols[c.Column] = true
			continue
		}
		if _, std, err := m.res.Field(e, c.Field); !std && err != nil {
			cols[c.Column] = true
		}
	}
	for _, j := range f.Spec.Join {
		e := entityOf(f.Spec, j.Entity)
		if _, std, err := m.res.Field(e, j.Field); !std && err != nil {
			cols[joinName(j)] = true
		}
	}
	return cols
}

func joinName(j mapping.JoinSpec) string { return strings.Join(j.Columns, " + ") }

func entityOf(s *mapping.Spec, e kommo.EntityType) kommo.EntityType {
	if e == "" {
		return s.Entity
	}
	return e
}

// prepass reads a file once: its header, rows to skip, the distinct values
// of the columns that need resolving, and the stage tuples of leads.
func (m *migration) prepass(ctx context.Context, f *migFile) error {
	t, err := f.Open()
	if err != nil {
		return err
	}
	f.header = t.Header()
	t.Close()
	f.values = map[string]map[string]int{}
	f.tuples = map[string]*stageTuple{}
	f.skip = map[int]string{}
	idx := map[string]int{}
	for i, h := range f.header {
		if _, ok := idx[h]; !ok {
			idx[h] = i
		}
	}
	cols := m.interesting(f)
	if f.primary == kommo.EntityLeads {
		f.stage = stageColumns(f.Spec)
	}
	cell := func(rec sheet.Record, col string) string {
		if i, ok := idx[col]; ok && i < len(rec.Values) {
			return strings.TrimSpace(rec.Values[i])
		}
		return ""
	}
	return f.eachRecord(ctx, func(rec sheet.Record) {
		f.rows++
		if f.Skip != nil {
			if why, ok := f.Skip(f.header, rec.Values); ok {
				f.skip[rec.Row] = why
				return
			}
		}
		for col := range cols {
			var v string
			if strings.Contains(col, " + ") {
				var parts []string
				for _, c := range strings.Split(col, " + ") {
					parts = append(parts, cell(rec, c))
				}
				v = value.JoinColumns(" ", parts...)
			} else {
				v = cell(rec, col)
			}
			if v == "" {
				continue
			}
			if f.values[col] == nil {
				f.values[col] = map[string]int{}
			}
			f.values[col][v]++
		}
		if f.stage != nil {
			tp := &stageTuple{pipeline: f.stage.pipelineConst}
			if f.stage.pipelineCol != "" {
				tp.pipeline = cell(rec, f.stage.pipelineCol)
			}
			for _, c := range f.stage.cols {
				tp.cells = append(tp.cells, cell(rec, c))
			}
			k := f.stage.key(tp)
			if k == "" {
				return
			}
			if have := f.tuples[k]; have != nil {
				have.rows++
			} else {
				tp.rows = 1
				f.tuples[k] = tp
			}
		}
	})
}

type stageTuple struct {
	pipeline string
	cells    []string
	rows     int
}

// stagePlan is where a leads file's pipeline and stage come from.
type stagePlan struct {
	pipelineCol string // "" without
	// pipelineConst is the spec's constant pipeline when it has no
	// pipeline column: stages are found in it, and it stays the rows'.
	pipelineConst string
	pipelineMap   map[string]string
	cols          []string            // status columns, in order
	maps          []map[string]string // the spec's value map of each column
	removeCols    []int               // spec.Columns indexes to drop
	removeJoins   []int
}

// stageColumns finds where a leads spec takes pipeline and stage from.
func stageColumns(s *mapping.Spec) *stagePlan {
	p := &stagePlan{}
	for i, c := range s.Columns {
		if c.Entity != "" && c.Entity != kommo.EntityLeads {
			continue
		}
		switch mapping.StandardField(c.Field) {
		case "pipeline":
			if p.pipelineCol == "" {
				p.pipelineCol, p.pipelineMap = c.Column, c.Map
				p.removeCols = append(p.removeCols, i)
			}
		case "status":
			p.cols = append(p.cols, c.Column)
			p.maps = append(p.maps, c.Map)
			p.removeCols = append(p.removeCols, i)
		}
	}
	for i, j := range s.Join {
		if j.Entity != "" && j.Entity != kommo.EntityLeads {
			continue
		}
		if mapping.StandardField(j.Field) == "status" {
			p.cols = append(p.cols, j.Columns...)
			for range j.Columns {
				p.maps = append(p.maps, j.Map)
			}
			p.removeJoins = append(p.removeJoins, i)
		}
	}
	if p.pipelineCol == "" && len(p.cols) == 0 {
		return nil
	}
	if p.pipelineCol == "" {
		for _, c := range s.Constants {
			if (c.Entity == "" || c.Entity == kommo.EntityLeads) && mapping.StandardField(c.Field) == "pipeline" {
				p.pipelineConst = c.Value
			}
		}
	}
	return p
}

// mapped applies the spec's value maps of the stage columns to a tuple
// (Bitrix24's "Сделка успешна" → won).
func (p *stagePlan) mapped(t *stageTuple) *stageTuple {
	out := &stageTuple{pipeline: t.pipeline, rows: t.rows, cells: slices.Clone(t.cells)}
	if p.pipelineConst != "" {
		return p.mappedCells(out) // the constant is the pipeline, as written
	}
	if to, ok := lookupTable(p.pipelineMap, t.pipeline); ok && t.pipeline != "" {
		out.pipeline = to
	}
	return p.mappedCells(out)
}

// mappedCells applies the value maps of the stage columns to t's cells.
func (p *stagePlan) mappedCells(out *stageTuple) *stageTuple {
	for i, c := range out.cells {
		if i < len(p.maps) && c != "" {
			if to, ok := lookupTable(p.maps[i], c); ok {
				out.cells[i] = to
			}
		}
	}
	return out
}

// columns are the columns of the joins that replace the stage columns.
func (p *stagePlan) columns() []string {
	if p.pipelineCol == "" {
		return p.cols
	}
	return append([]string{p.pipelineCol}, p.cols...)
}

// key is the value the replacing joins see for a tuple.
func (p *stagePlan) key(t *stageTuple) string {
	parts := t.cells
	if p.pipelineCol != "" {
		parts = append([]string{t.pipeline}, t.cells...)
	}
	return value.JoinColumns(" | ", parts...)
}
