package bulk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// ExportOptions configure [Export]. Only Entity is required.
type ExportOptions struct {
	// Entity is the dataset: kommo.EntityLeads, kommo.EntityContacts,
	// kommo.EntityCompanies, ExportTasks, ExportEvents, ExportPipelines or
	// ExportFields.
	Entity kommo.EntityType
	// Filter selects the records; the zero value exports everything.
	Filter ExportFilter
	// Schema names users, pipelines, stages, task types and custom fields.
	// nil means Export fetches it with FetchSchema first; pass one fetched
	// earlier to save those requests.
	Schema *mapping.Schema
	// PageSize is the number of records asked for per request; 0 means
	// kommo.MaxLimit (250; kommo.MaxEventsLimit for events, also 250).
	PageSize int
	// Location is the time zone date-times are written in; nil means the
	// account's (Schema.Location), so that dates read as they do in Kommo.
	// Date and birthday fields are always the days of the account's zone,
	// in which Kommo keeps them as midnight.
	Location *time.Location
	// Progress, if set, is called after each page is written, from the
	// goroutine that called Export.
	Progress func(ExportProgress)
}

// ExportFilter selects the records of an export. Each filter is applied
// where Kommo's list supports it and ignored by the other datasets; zero
// fields are no filter.
type ExportFilter struct {
	// IDs selects records by id (leads, contacts, companies, tasks).
	IDs []int
	// Query is Kommo's full-text search (leads, contacts, companies).
	Query string
	// ResponsibleUserIDs selects the records of these users (leads,
	// contacts, companies, tasks).
	ResponsibleUserIDs []int
	// CreatedBy selects records by author (leads, contacts, companies,
	// tasks, events).
	CreatedBy []int
	// CreatedAt is a range of creation times (leads, contacts, companies,
	// events; tasks are filtered as they are read, since Kommo's task list
	// has no such filter).
	CreatedAt *kommo.Range
	// UpdatedAt is a range of last-change times (leads, contacts,
	// companies, tasks).
	UpdatedAt *kommo.Range
	// PipelineIDs selects leads in these pipelines, and the pipelines of
	// a pipelines export.
	PipelineIDs []int
	// Statuses selects leads in these stages.
	Statuses []kommo.StatusFilter

	// IsCompleted selects done (true) or open (false) tasks.
	IsCompleted *bool
	// TaskTypes selects tasks by type id.
	TaskTypes []int
	// TaskEntityType selects tasks attached to leads, contacts or
	// companies; TaskEntityIDs narrows to some of them.
	TaskEntityType kommo.EntityType
	TaskEntityIDs  []int

	// EventTypes selects events by type key (kommo.EventLeadAdded, ...).
	// Kommo takes a custom_field_{ID}_value_changed type only alone in a
	// filter, so each such type is listed on its own and the lists are
	// merged newest first.
	EventTypes []string
	// EventEntities selects events by singular entity name ("lead",
	// "contact", "company", "task").
	EventEntities []string

	// FieldEntities selects whose custom fields a fields export lists;
	// nil means leads, contacts and companies.
	FieldEntities []kommo.EntityType
}

// ExportProgress is reported after each page.
type ExportProgress struct {
	Entity kommo.EntityType
	Rows   int // rows written so far
	Pages  int // pages read so far
}

// ExportStats summarise a finished (or failed) export.
type ExportStats struct {
	Entity kommo.EntityType
	Header []string // the header row written
	Rows   int      // data rows written
	Pages  int      // pages read from Kommo
}

// Export writes every record of opts.Entity that matches opts.Filter to w:
// one header row (see [ExportColumns] for the layout), then one row per
// record, reading Kommo page by page. It holds one page in memory at a
// time, so memory stays flat in the number of records; each request waits
// on the client's rate limiter.
//
// Export does not close w: the caller closes it, which for XLSX is when
// the workbook is written. On error the rows written so far stay written
// and the stats count them. Export is synchronous and starts no goroutine
// beyond FetchSchema's.
func Export(ctx context.Context, c *kommo.Client, w sheet.TableWriter, opts ExportOptions) (ExportStats, error) {
	st := ExportStats{Entity: opts.Entity}
	if _, ok := standardColumns[opts.Entity]; !ok {
		return st, fmt.Errorf("export: unknown dataset %q", opts.Entity)
	}
	schema := opts.Schema
	if schema == nil {
		var err error
		if schema, err = FetchSchema(ctx, c); err != nil {
			return st, fmt.Errorf("export %s: schema: %w", opts.Entity, err)
		}
	}
	e := newExporter(w, opts, schema, &st)
	if err := w.WriteHeader(st.Header); err != nil {
		return st, fmt.Errorf("export %s: %w", opts.Entity, err)
	}
	var err error
	switch opts.Entity {
	case kommo.EntityLeads:
		err = e.leads(ctx, c)
	case kommo.EntityContacts:
		err = e.contacts(ctx, c)
	case kommo.EntityCompanies:
		err = e.companies(ctx, c)
	case ExportTasks:
		err = e.tasks(ctx, c)
	case ExportEvents:
		err = e.events(ctx, c)
	case ExportPipelines:
		err = e.pipelines()
	case ExportFields:
		err = e.fields()
	}
	if err != nil {
		return st, fmt.Errorf("export %s: %w", opts.Entity, err)
	}
	return st, nil
}

// exporter turns records into rows of one layout.
type exporter struct {
	w      sheet.TableWriter
	opts   ExportOptions
	x      *schemaIndex
	st     *ExportStats
	loc    *time.Location // date-times
	acct   *time.Location // date and birthday fields: the account's zone
	cols   []Column
	std    map[string]int // standard field key -> column
	custom map[int]int    // custom field id -> column
	cells  []sheet.Cell   // the row being built, reused
	strs   []string       // scratch for joined values
}

func newExporter(w sheet.TableWriter, opts ExportOptions, schema *mapping.Schema, st *ExportStats) *exporter {
	cols := ExportColumns(opts.Entity, schema)
	e := &exporter{
		w: w, opts: opts, x: newSchemaIndex(schema), st: st, loc: opts.Location, cols: cols,
		std: map[string]int{}, custom: map[int]int{}, cells: make([]sheet.Cell, len(cols)),
	}
	e.acct = time.UTC
	if schema != nil && schema.Location != nil {
		e.acct = schema.Location
	}
	if e.loc == nil {
		e.loc = e.acct
	}
	st.Header = make([]string, len(cols))
	for i, c := range cols {
		st.Header[i] = c.Header
		if c.IsCustom() {
			e.custom[c.FieldID] = i
		} else {
			e.std[c.Field] = i
		}
	}
	return e
}

func (e *exporter) pageSize(max int) int {
	if e.opts.PageSize <= 0 || e.opts.PageSize > max {
		return max
	}
	return e.opts.PageSize
}

// listOptions are the paging options of a leads, contacts, companies or
// tasks export. One of records changed since a time (Filter.UpdatedAt,
// the way to export again only what changed) also sends If-Modified-Since
// a second before it, as Kommo recommends for lists read again; whatever
// Kommo makes of it, the updated_at filter selects the same records, and
// a 304 or 204 means there are none.
func (e *exporter) listOptions() kommo.ListOptions {
	lo := kommo.ListOptions{Limit: e.pageSize(kommo.MaxLimit)}
	if r := e.opts.Filter.UpdatedAt; r != nil && r.From > 0 {
		lo.IfModifiedSince = time.Unix(r.From-1, 0)
	}
	return lo
}

// begin clears the row.
func (e *exporter) begin() { clear(e.cells) }

// set puts c in the standard column key.
func (e *exporter) set(key string, c sheet.Cell) {
	if i, ok := e.std[key]; ok {
		e.cells[i] = c
	}
}

func (e *exporter) setInt(key string, v int) {
	if v != 0 {
		e.set(key, sheet.IntCell(int64(v)))
	}
}

func (e *exporter) setString(key, s string) {
	if s != "" {
		e.set(key, sheet.StringCell(s))
	}
}

func (e *exporter) setTime(key string, t kommo.LooseTime) {
	if t != 0 {
		e.set(key, sheet.DateTimeCell(time.Unix(int64(t), 0).In(e.loc)))
	}
}

func (e *exporter) setIDs(key string, ids []int) {
	switch len(ids) {
	case 0:
	case 1:
		e.set(key, sheet.IntCell(int64(ids[0])))
	default:
		e.strs = e.strs[:0]
		for _, id := range ids {
			e.strs = append(e.strs, strconv.Itoa(id))
		}
		e.set(key, sheet.StringCell(value.JoinValues(e.strs)))
	}
}

func (e *exporter) setTags(tags []kommo.Tag) {
	if len(tags) == 0 {
		return
	}
	e.strs = e.strs[:0]
	for _, t := range tags {
		e.strs = append(e.strs, t.Name)
	}
	e.set(StdTags, sheet.StringCell(value.JoinValues(e.strs)))
}

// setPrice writes a lead's price: whole amounts as integers, amounts with
// cents (Kommo's minor units) as decimals.
func (e *exporter) setPrice(p float64) {
	if p == math.Trunc(p) && math.Abs(p) < 1<<53 {
		e.set(StdPrice, sheet.IntCell(int64(p)))
		return
	}
	e.set(StdPrice, sheet.NumberCell(p))
}

func (e *exporter) setResponsible(id int) {
	e.setString(StdResponsible, e.x.userName(id))
	e.setInt(StdResponsibleID, id)
}

// setCustom fills the custom field columns from an entity's values.
func (e *exporter) setCustom(entity kommo.EntityType, values kommo.CustomFieldValues) {
	for _, v := range values {
		i, ok := e.custom[v.FieldID]
		if !ok {
			continue // a field created after the schema was read
		}
		e.cells[i] = e.customCell(e.x.fields[entity][v.FieldID], e.cols[i].FieldType, v)
	}
}

// customCell converts the values of one custom field to a cell.
func (e *exporter) customCell(f *kommo.CustomField, typ kommo.FieldType, v kommo.CustomFieldValue) sheet.Cell {
	if typ == "" {
		typ = v.FieldType
	}
	if len(v.Values) == 1 {
		fv := v.Values[0]
		switch typ {
		case kommo.FieldNumeric, kommo.FieldMonetary, kommo.FieldPrice:
			if n, ok := fv.Float(); ok {
				return sheet.NumberCell(n)
			}
		case kommo.FieldCheckbox:
			if b, ok := fv.Bool(); ok {
				return sheet.BoolCell(b)
			}
		case kommo.FieldDate, kommo.FieldBirthday:
			if t, ok := fv.Time(); ok {
				return sheet.DateCell(t.In(e.acct))
			}
		case kommo.FieldDateTime:
			if t, ok := fv.Time(); ok {
				return sheet.DateTimeCell(t.In(e.loc))
			}
		}
	}
	e.strs = e.strs[:0]
	for _, fv := range v.Values {
		e.strs = append(e.strs, e.valueText(f, typ, fv))
	}
	if s := value.JoinValues(e.strs); s != "" {
		return sheet.StringCell(s)
	}
	return sheet.EmptyCell()
}

// valueText is one custom field value as text.
func (e *exporter) valueText(f *kommo.CustomField, typ kommo.FieldType, fv kommo.FieldValue) string {
	switch typ {
	case kommo.FieldDate, kommo.FieldBirthday:
		if t, ok := fv.Time(); ok {
			return t.In(e.acct).Format(time.DateOnly)
		}
	case kommo.FieldDateTime:
		if t, ok := fv.Time(); ok {
			return t.In(e.loc).Format(time.RFC3339)
		}
	case kommo.FieldLegalEntity:
		if le, ok := fv.LegalEntity(); ok {
			return le.Name
		}
	}
	if s := fv.String(); s != "" {
		return s
	}
	if f != nil && (fv.EnumID != 0 || fv.EnumCode != "") {
		for _, en := range f.Enums {
			if (fv.EnumID != 0 && en.ID == fv.EnumID) || (fv.EnumID == 0 && strings.EqualFold(en.Code, fv.EnumCode)) {
				return en.Value
			}
		}
	}
	if fv.EnumCode != "" {
		return fv.EnumCode
	}
	if fv.EnumID != 0 {
		return strconv.Itoa(fv.EnumID)
	}
	if fv.CatalogElementID != 0 {
		return strconv.Itoa(fv.CatalogElementID)
	}
	return ""
}

// writeRow writes the row built since begin.
func (e *exporter) writeRow() error {
	if err := e.w.WriteRow(e.cells); err != nil {
		return err
	}
	e.st.Rows++
	return nil
}

func (e *exporter) progress() {
	if e.opts.Progress != nil {
		e.opts.Progress(ExportProgress{Entity: e.opts.Entity, Rows: e.st.Rows, Pages: e.st.Pages})
	}
}

// exportPages reads pages 1, 2, ... with list until one is empty or has no
// next link, and calls row for each record.
func exportPages[T any](ctx context.Context, e *exporter, list func(page int) ([]*T, *kommo.Response, error), row func(*T) error) error {
	for page := 1; ; page++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		items, resp, err := list(page)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		e.st.Pages++
		for _, it := range items {
			if err := row(it); err != nil {
				return err
			}
		}
		e.progress()
		if resp == nil || resp.NextURL == "" {
			return nil
		}
	}
}

// exportByIDs is exportPages once per run of the id filter: the runs
// (kommo.SplitIDs) keep each list URL short, and come sorted so that rows
// are written by id. setIDs puts a run in the list options; without an id
// filter there is one run, nil.
func exportByIDs[T any](ctx context.Context, e *exporter, setIDs func([]int), list func(page int) ([]*T, *kommo.Response, error), row func(*T) error) error {
	runs := [][]int{nil}
	if ids := e.opts.Filter.IDs; len(ids) > 0 {
		runs = kommo.SplitIDs(slices.Compact(slices.Sorted(slices.Values(ids))))
	}
	for _, run := range runs {
		setIDs(run)
		if err := exportPages(ctx, e, list, row); err != nil {
			return err
		}
	}
	return nil
}

func (e *exporter) entityFilters() kommo.EntityFilters {
	f := e.opts.Filter
	return kommo.EntityFilters{
		Query:             f.Query,
		IDs:               f.IDs,
		CreatedBy:         f.CreatedBy,
		ResponsibleUserID: f.ResponsibleUserIDs,
		CreatedAt:         f.CreatedAt,
		UpdatedAt:         f.UpdatedAt,
		Order:             &kommo.Order{Field: "id"},
	}
}

func (e *exporter) leads(ctx context.Context, c *kommo.Client) error {
	o := &kommo.LeadListOptions{
		ListOptions:   e.listOptions(),
		EntityFilters: e.entityFilters(),
		Statuses:      e.opts.Filter.Statuses,
		PipelineIDs:   e.opts.Filter.PipelineIDs,
		With:          []string{"contacts"},
	}
	var ids []int
	return exportByIDs(ctx, e, func(run []int) { o.IDs = run }, func(page int) ([]*kommo.Lead, *kommo.Response, error) {
		o.Page = page
		return c.Leads.List(ctx, o)
	}, func(l *kommo.Lead) error {
		e.begin()
		e.setInt(StdID, l.ID)
		e.setString(StdName, l.Name)
		e.setPrice(l.Price)
		e.setString(StdStatus, e.x.statusName(l.PipelineID, l.StatusID))
		e.setInt(StdStatusID, l.StatusID)
		e.setString(StdPipeline, e.x.pipelineName(l.PipelineID))
		e.setInt(StdPipelineID, l.PipelineID)
		e.setResponsible(l.ResponsibleUserID)
		e.setTime(StdCreatedAt, l.CreatedAt)
		e.setTime(StdUpdatedAt, l.UpdatedAt)
		e.setTime(StdClosedAt, l.ClosedAt)
		e.setTags(l.Embedded.Tags)
		ids = ids[:0]
		for _, r := range l.Embedded.Contacts {
			ids = append(ids, r.ID)
			if r.IsMain {
				e.setInt(StdMainContactID, r.ID)
			}
		}
		e.setIDs(StdContactIDs, ids)
		if len(l.Embedded.Companies) > 0 {
			e.setInt(StdCompanyID, l.Embedded.Companies[0].ID)
		}
		e.setCustom(kommo.EntityLeads, l.CustomFieldsValues)
		return e.writeRow()
	})
}

func (e *exporter) contacts(ctx context.Context, c *kommo.Client) error {
	o := &kommo.ContactListOptions{
		ListOptions:   e.listOptions(),
		EntityFilters: e.entityFilters(),
	}
	return exportByIDs(ctx, e, func(run []int) { o.IDs = run }, func(page int) ([]*kommo.Contact, *kommo.Response, error) {
		o.Page = page
		return c.Contacts.List(ctx, o)
	}, func(x *kommo.Contact) error {
		e.begin()
		e.setInt(StdID, x.ID)
		e.setString(StdName, x.Name)
		e.setString(StdFirstName, x.FirstName)
		e.setString(StdLastName, x.LastName)
		e.setResponsible(x.ResponsibleUserID)
		e.setTime(StdCreatedAt, x.CreatedAt)
		e.setTime(StdUpdatedAt, x.UpdatedAt)
		e.setTags(x.Embedded.Tags)
		// Kommo links a contact to one company at most.
		if len(x.Embedded.Companies) > 0 {
			e.setInt(StdCompanyID, x.Embedded.Companies[0].ID)
		}
		e.setCustom(kommo.EntityContacts, x.CustomFieldsValues)
		return e.writeRow()
	})
}

func (e *exporter) companies(ctx context.Context, c *kommo.Client) error {
	o := &kommo.CompanyListOptions{
		ListOptions:   e.listOptions(),
		EntityFilters: e.entityFilters(),
		With:          []string{"contacts"},
	}
	var ids []int
	return exportByIDs(ctx, e, func(run []int) { o.IDs = run }, func(page int) ([]*kommo.Company, *kommo.Response, error) {
		o.Page = page
		return c.Companies.List(ctx, o)
	}, func(x *kommo.Company) error {
		e.begin()
		e.setInt(StdID, x.ID)
		e.setString(StdName, x.Name)
		e.setResponsible(x.ResponsibleUserID)
		e.setTime(StdCreatedAt, x.CreatedAt)
		e.setTime(StdUpdatedAt, x.UpdatedAt)
		e.setTags(x.Embedded.Tags)
		ids = ids[:0]
		for _, r := range x.Embedded.Contacts {
			ids = append(ids, r.ID)
		}
		e.setIDs(StdContactIDs, ids)
		e.setCustom(kommo.EntityCompanies, x.CustomFieldsValues)
		return e.writeRow()
	})
}

func (e *exporter) tasks(ctx context.Context, c *kommo.Client) error {
	f := e.opts.Filter
	o := &kommo.TaskListOptions{
		ListOptions:       e.listOptions(),
		IDs:               f.IDs,
		ResponsibleUserID: f.ResponsibleUserIDs,
		CreatedBy:         f.CreatedBy,
		IsCompleted:       f.IsCompleted,
		TaskTypes:         f.TaskTypes,
		EntityType:        f.TaskEntityType,
		EntityIDs:         f.TaskEntityIDs,
		UpdatedAt:         f.UpdatedAt,
		Order:             &kommo.Order{Field: "id"},
	}
	return exportByIDs(ctx, e, func(run []int) { o.IDs = run }, func(page int) ([]*kommo.Task, *kommo.Response, error) {
		o.Page = page
		return c.Tasks.List(ctx, o)
	}, func(t *kommo.Task) error {
		if !inRange(f.CreatedAt, int64(t.CreatedAt)) {
			return nil
		}
		e.begin()
		e.setInt(StdID, t.ID)
		e.setString(StdText, t.Text)
		e.setString(StdTaskType, e.x.taskTypes[t.TaskTypeID])
		e.setInt(StdTaskTypeID, t.TaskTypeID)
		e.setString(StdEntityType, string(t.EntityType))
		e.setInt(StdEntityID, t.EntityID)
		e.setResponsible(t.ResponsibleUserID)
		e.setTime(StdCompleteTill, t.CompleteTill)
		e.set(StdDuration, sheet.IntCell(int64(t.Duration)))
		e.set(StdIsCompleted, sheet.BoolCell(t.IsCompleted))
		if t.Result != nil {
			e.setString(StdResult, t.Result.Text)
		}
		e.setTime(StdCreatedAt, t.CreatedAt)
		e.setTime(StdUpdatedAt, t.UpdatedAt)
		return e.writeRow()
	})
}

// inRange reports whether unix time t is in r (a nil r holds everything).
func inRange(r *kommo.Range, t int64) bool {
	if r == nil {
		return true
	}
	return (r.From == 0 || t >= r.From) && (r.To == 0 || t <= r.To)
}

func (e *exporter) events(ctx context.Context, c *kommo.Client) error {
	f := e.opts.Filter
	var streams []*eventStream
	for _, types := range eventTypeGroups(f.EventTypes) {
		streams = append(streams, &eventStream{o: &kommo.EventListOptions{
			ListOptions: kommo.ListOptions{Limit: e.pageSize(kommo.MaxEventsLimit)},
			Types:       types,
			Entities:    f.EventEntities,
			CreatedBy:   f.CreatedBy,
			CreatedAt:   f.CreatedAt,
		}})
	}
	// Merge the streams newest first, as Kommo lists each. An event two
	// streams both hold (custom_field_value_changed next to a
	// custom_field_{ID}_value_changed) is written once: duplicates share a
	// created_at, so only the ids of the current second are remembered.
	var second kommo.LooseTime
	seen := map[string]bool{}
	for {
		var best *eventStream
		var ev *kommo.Event
		for _, s := range streams {
			h, err := s.head(ctx, c, e)
			if err != nil {
				return err
			}
			if h != nil && (ev == nil || h.CreatedAt > ev.CreatedAt) {
				best, ev = s, h
			}
		}
		if ev == nil {
			return nil
		}
		best.buf = best.buf[1:]
		if ev.CreatedAt != second {
			second = ev.CreatedAt
			clear(seen)
		}
		if seen[ev.ID] {
			continue
		}
		seen[ev.ID] = true
		e.begin()
		e.setString(StdID, ev.ID)
		e.setString(StdType, ev.Type)
		e.setString(StdEntityType, ev.EntityType)
		e.setInt(StdEntityID, ev.EntityID)
		e.setString(StdCreatedBy, e.x.userName(ev.CreatedBy))
		e.setInt(StdCreatedByID, ev.CreatedBy)
		e.setTime(StdCreatedAt, ev.CreatedAt)
		e.setString(StdValueBefore, e.eventText(ev.ValueBefore))
		e.setString(StdValueAfter, e.eventText(ev.ValueAfter))
		if err := e.writeRow(); err != nil {
			return err
		}
	}
}

// eventTypeGroups splits the types of an events export into the filters
// Kommo accepts: its table of event types says a
// custom_field_{ID}_value_changed type cannot be passed with other types,
// so each goes alone and the others go together. No types is one group
// without a type filter.
func eventTypeGroups(types []string) [][]string {
	var rest []string
	var groups [][]string
	for i, t := range types {
		if slices.Contains(types[:i], t) {
			continue
		}
		if _, ok := kommo.FieldChangeEventType(t); ok {
			groups = append(groups, []string{t})
		} else {
			rest = append(rest, t)
		}
	}
	if len(rest) > 0 || len(groups) == 0 {
		groups = append([][]string{rest}, groups...)
	}
	return groups
}

// eventStream pages through one events filter for the merge in events.
type eventStream struct {
	o    *kommo.EventListOptions
	buf  []*kommo.Event // the rest of the page read last
	done bool           // no page after buf
}

// head returns the stream's next event, reading the next page when the
// last one is used up; nil at the end.
func (s *eventStream) head(ctx context.Context, c *kommo.Client, e *exporter) (*kommo.Event, error) {
	if len(s.buf) == 0 && !s.done {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s.o.Page++
		items, resp, err := c.Events.List(ctx, s.o)
		if err != nil {
			return nil, err
		}
		s.buf = items
		s.done = len(items) == 0 || resp == nil || resp.NextURL == ""
		if len(items) > 0 {
			e.st.Pages++
			e.progress()
		}
	}
	if len(s.buf) == 0 {
		return nil, nil
	}
	return s.buf[0], nil
}

// eventText renders an event's value_before or value_after for people:
// stages, users and fields by name where the event says which, anything
// else as compact JSON.
func (e *exporter) eventText(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" || s == "[]" || s == "{}" {
		return ""
	}
	var elems []json.RawMessage
	if json.Unmarshal(raw, &elems) != nil {
		return compactJSON(raw)
	}
	parts := make([]string, 0, len(elems))
	for _, el := range elems {
		var v kommo.EventValue
		if json.Unmarshal(el, &v) != nil {
			parts = append(parts, compactJSON(el))
			continue
		}
		switch {
		case v.LeadStatus != nil:
			name := e.x.statusName(v.LeadStatus.PipelineID, v.LeadStatus.ID)
			if name == "" {
				name = strconv.Itoa(v.LeadStatus.ID)
			}
			if p := e.x.pipelineName(v.LeadStatus.PipelineID); p != "" {
				name += " (" + p + ")"
			}
			parts = append(parts, name)
		case v.ResponsibleUser != nil:
			name := e.x.userName(v.ResponsibleUser.ID)
			if name == "" {
				name = strconv.Itoa(v.ResponsibleUser.ID)
			}
			parts = append(parts, name)
		case v.CustomFieldValue != nil && v.CustomFieldValue.Text != "":
			parts = append(parts, v.CustomFieldValue.Text)
		case v.Tag != nil:
			parts = append(parts, v.Tag.Name)
		case v.SaleFieldValue != nil:
			parts = append(parts, strconv.FormatFloat(v.SaleFieldValue.Sale, 'f', -1, 64))
		case v.NameFieldValue != nil:
			parts = append(parts, v.NameFieldValue.Name)
		case v.Link != nil:
			parts = append(parts, v.Link.Entity.Type+" "+strconv.Itoa(v.Link.Entity.ID))
		case v.Note != nil:
			parts = append(parts, "note "+strconv.Itoa(v.Note.ID))
		default:
			parts = append(parts, compactJSON(el))
		}
	}
	return value.JoinValues(parts)
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

func (e *exporter) pipelines() error {
	e.st.Pages = 1
	for _, p := range e.x.schema.Pipelines {
		if len(e.opts.Filter.PipelineIDs) > 0 && !slices.Contains(e.opts.Filter.PipelineIDs, p.ID) {
			continue
		}
		for _, s := range p.Statuses() {
			e.begin()
			e.setInt(StdPipelineID, p.ID)
			e.setString(StdPipeline, p.Name)
			e.set(StdPipelineSort, sheet.IntCell(int64(p.Sort)))
			e.set(StdIsMain, sheet.BoolCell(p.IsMain))
			e.set(StdIsArchive, sheet.BoolCell(p.IsArchive))
			e.setInt(StdStatusID, s.ID)
			e.setString(StdStatus, s.Name)
			e.set(StdStatusSort, sheet.IntCell(int64(s.Sort)))
			e.set(StdStatusType, sheet.IntCell(int64(s.Type)))
			e.setString(StdStatusColor, s.Color)
			if err := e.writeRow(); err != nil {
				return err
			}
		}
	}
	e.progress()
	return nil
}

func (e *exporter) fields() error {
	e.st.Pages = 1
	entities := e.opts.Filter.FieldEntities
	if len(entities) == 0 {
		entities = SchemaEntities
	}
	for _, ent := range entities {
		for _, f := range e.x.schema.Fields[ent] {
			e.begin()
			e.setString(StdFieldEntity, string(ent))
			e.setInt(StdID, f.ID)
			e.setString(StdName, f.Name)
			e.setString(StdFieldType, string(f.Type))
			e.setString(StdFieldCode, f.Code)
			e.set(StdFieldSort, sheet.IntCell(int64(f.Sort)))
			e.set(StdIsPredefined, sheet.BoolCell(f.IsPredefined))
			e.set(StdIsAPIOnly, sheet.BoolCell(f.IsAPIOnly))
			e.set(StdIsDeletable, sheet.BoolCell(f.IsDeletable))
			if len(f.Enums) > 0 {
				vals := make([]string, 0, len(f.Enums))
				ids := make([]string, 0, len(f.Enums))
				for _, en := range f.Enums {
					vals = append(vals, en.Value)
					ids = append(ids, strconv.Itoa(en.ID))
				}
				e.set(StdFieldOptions, sheet.StringCell(value.JoinValues(vals)))
				e.set(StdFieldEnumIDs, sheet.StringCell(value.JoinValues(ids)))
			}
			e.setString(StdFieldCurrency, f.Currency)
			if err := e.writeRow(); err != nil {
				return err
			}
		}
	}
	e.progress()
	return nil
}
