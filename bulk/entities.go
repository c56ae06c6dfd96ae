package bulk

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// view is an entity reduced to what the engine compares: what a record
// holds (read from Kommo) or what a request sets.
type View struct {
	ID                int
	Name              string
	FirstName         string
	LastName          string
	Price             *float64
	StatusID          int
	PipelineID        int
	ResponsibleUserID int
	CFV               kommo.CustomFieldValues
	Tags              []string
	// requests: _embedded.tags (nil: not sent; empty: clear them all),
	// tags_to_add and tags_to_delete
	TagSet           kommo.TagRefs
	TagsAdd, TagsDel []kommo.TagRef
	// tasks
	Text         string
	CompleteTill int64
	IsCompleted  *bool
	TaskTypeID   int
	EntityID     int
	EntityType   kommo.EntityType
	CreatedAt    int64
	UpdatedAt    int64 // on reads
}

func tagNames(tags []kommo.Tag) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.Name
	}
	return out
}

func leadView(l *kommo.Lead) *View {
	p := l.Price
	return &View{ID: l.ID, Name: l.Name, Price: &p, StatusID: l.StatusID, PipelineID: l.PipelineID,
		ResponsibleUserID: l.ResponsibleUserID, CFV: l.CustomFieldsValues, Tags: tagNames(l.Embedded.Tags), CreatedAt: int64(l.CreatedAt),
		UpdatedAt: int64(l.UpdatedAt)}
}

func contactView(c *kommo.Contact) *View {
	return &View{ID: c.ID, Name: c.Name, FirstName: c.FirstName, LastName: c.LastName, ResponsibleUserID: c.ResponsibleUserID,
		CFV: c.CustomFieldsValues, Tags: tagNames(c.Embedded.Tags), CreatedAt: int64(c.CreatedAt), UpdatedAt: int64(c.UpdatedAt)}
}

func companyView(c *kommo.Company) *View {
	return &View{ID: c.ID, Name: c.Name, ResponsibleUserID: c.ResponsibleUserID, CFV: c.CustomFieldsValues,
		Tags: tagNames(c.Embedded.Tags), CreatedAt: int64(c.CreatedAt), UpdatedAt: int64(c.UpdatedAt)}
}

func taskView(t *kommo.Task) *View {
	done := t.IsCompleted
	return &View{ID: t.ID, Text: t.Text, CompleteTill: int64(t.CompleteTill), IsCompleted: &done, TaskTypeID: t.TaskTypeID,
		EntityID: t.EntityID, EntityType: t.EntityType, ResponsibleUserID: t.ResponsibleUserID, CreatedAt: int64(t.CreatedAt),
		UpdatedAt: int64(t.UpdatedAt)}
}

func reqView(req kommo.EntityRequest) *View {
	switch r := req.(type) {
	case *kommo.LeadRequest:
		v := &View{Name: r.Name, Price: r.Price, StatusID: r.StatusID, PipelineID: r.PipelineID, ResponsibleUserID: r.ResponsibleUserID, CFV: r.CustomFieldsValues,
			TagsAdd: r.TagsToAdd, TagsDel: r.TagsToDelete}
		if r.Embedded != nil {
			v.TagSet = r.Embedded.Tags
		}
		return v
	case *kommo.ContactRequest:
		v := &View{Name: r.Name, FirstName: r.FirstName, LastName: r.LastName, ResponsibleUserID: r.ResponsibleUserID, CFV: r.CustomFieldsValues,
			TagsAdd: r.TagsToAdd, TagsDel: r.TagsToDelete}
		if r.Embedded != nil {
			v.TagSet = r.Embedded.Tags
		}
		return v
	case *kommo.CompanyRequest:
		v := &View{Name: r.Name, ResponsibleUserID: r.ResponsibleUserID, CFV: r.CustomFieldsValues, TagsAdd: r.TagsToAdd, TagsDel: r.TagsToDelete}
		if r.Embedded != nil {
			v.TagSet = r.Embedded.Tags
		}
		return v
	case *kommo.TaskRequest:
		return &View{Text: r.Text, CompleteTill: r.CompleteTill, IsCompleted: r.IsCompleted, TaskTypeID: r.TaskTypeID,
			EntityID: r.EntityID, EntityType: r.EntityType, ResponsibleUserID: r.ResponsibleUserID}
	}
	panic(fmt.Sprintf("bulk: a request of %T", req))
}

// displayName is the name a request gives its entity (contacts may have
// only first/last names; Kommo composes the name from them).
func (v *View) displayName() string {
	if v.Name != "" {
		return v.Name
	}
	return strings.TrimSpace(v.FirstName + " " + v.LastName)
}

// typed collects the requests of items into the client's slice type.
func typed[T any](reqs []kommo.EntityRequest) []T {
	out := make([]T, len(reqs))
	for i, r := range reqs {
		out[i] = *any(r).(*T)
	}
	return out
}

// createBatch and updateBatch send one write request for entity e.
func createBatch(ctx context.Context, c *kommo.Client, e kommo.EntityType, reqs []kommo.EntityRequest) ([]*kommo.WriteResult, error) {
	var res []*kommo.WriteResult
	var err error
	switch e {
	case kommo.EntityLeads:
		res, _, err = c.Leads.Create(ctx, typed[kommo.LeadRequest](reqs))
	case kommo.EntityContacts:
		res, _, err = c.Contacts.Create(ctx, typed[kommo.ContactRequest](reqs))
	case kommo.EntityCompanies:
		res, _, err = c.Companies.Create(ctx, typed[kommo.CompanyRequest](reqs))
	case kommo.EntityTasks:
		res, _, err = c.Tasks.Create(ctx, typed[kommo.TaskRequest](reqs))
	default:
		err = fmt.Errorf("cannot create %s", e)
	}
	return res, err
}

func updateBatch(ctx context.Context, c *kommo.Client, e kommo.EntityType, reqs []kommo.EntityRequest) ([]*kommo.WriteResult, error) {
	var res []*kommo.WriteResult
	var err error
	switch e {
	case kommo.EntityLeads:
		res, _, err = c.Leads.Update(ctx, typed[kommo.LeadRequest](reqs))
	case kommo.EntityContacts:
		res, _, err = c.Contacts.Update(ctx, typed[kommo.ContactRequest](reqs))
	case kommo.EntityCompanies:
		res, _, err = c.Companies.Update(ctx, typed[kommo.CompanyRequest](reqs))
	case kommo.EntityTasks:
		res, _, err = c.Tasks.Update(ctx, typed[kommo.TaskRequest](reqs))
	default:
		err = fmt.Errorf("cannot update %s", e)
	}
	return res, err
}

// ListViews walks the views of entity e matching the list filters.
func ListViews(ctx context.Context, c *kommo.Client, e kommo.EntityType, f kommo.EntityFilters, limit int) iter.Seq2[*View, error] {
	return listViewsOpts(ctx, c, e, f, kommo.ListOptions{Limit: limit})
}

// listViewsOpts is listViews with all the list options (If-Modified-Since).
func listViewsOpts(ctx context.Context, c *kommo.Client, e kommo.EntityType, f kommo.EntityFilters, lo kommo.ListOptions) iter.Seq2[*View, error] {
	return func(yield func(*View, error) bool) {
		switch e {
		case kommo.EntityLeads:
			for l, err := range c.Leads.ListIter(ctx, &kommo.LeadListOptions{ListOptions: lo, EntityFilters: f}) {
				if err != nil {
					yield(nil, err)
					return
				}
				if !yield(leadView(l), nil) {
					return
				}
			}
		case kommo.EntityContacts:
			for x, err := range c.Contacts.ListIter(ctx, &kommo.ContactListOptions{ListOptions: lo, EntityFilters: f}) {
				if err != nil {
					yield(nil, err)
					return
				}
				if !yield(contactView(x), nil) {
					return
				}
			}
		case kommo.EntityCompanies:
			for x, err := range c.Companies.ListIter(ctx, &kommo.CompanyListOptions{ListOptions: lo, EntityFilters: f}) {
				if err != nil {
					yield(nil, err)
					return
				}
				if !yield(companyView(x), nil) {
					return
				}
			}
		case kommo.EntityTasks:
			o := &kommo.TaskListOptions{ListOptions: lo, IDs: f.IDs, UpdatedAt: f.UpdatedAt}
			for x, err := range c.Tasks.ListIter(ctx, o) {
				if err != nil {
					yield(nil, err)
					return
				}
				if !yield(taskView(x), nil) {
					return
				}
			}
		default:
			yield(nil, fmt.Errorf("cannot list %s", e))
		}
	}
}

// fetchViews reads the records with the given ids, 250 per page. The
// client's ListIter splits long id lists so that no URL gets too long.
func fetchViews(ctx context.Context, c *kommo.Client, e kommo.EntityType, ids []int) (map[int]*View, error) {
	out := map[int]*View{}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if len(ids) == 0 {
		return out, nil
	}
	for v, err := range ListViews(ctx, c, e, kommo.EntityFilters{IDs: ids}, kommo.MaxLimit) {
		if err != nil {
			return nil, err
		}
		out[v.ID] = v
	}
	return out, nil
}

// cfKey names a custom field value by id, or by code when the request used
// a code.
func cfKey(f kommo.CustomFieldValue) string {
	if f.FieldID != 0 {
		return strconv.Itoa(f.FieldID)
	}
	return "code:" + strings.ToUpper(f.FieldCode)
}

// cfText is a comparable text of a field's values: option texts, enum
// codes or ids, values, in order.
func cfText(f kommo.CustomFieldValue) string {
	var parts []string
	for _, v := range f.Values {
		s := v.String()
		if v.EnumCode != "" && (s == "" || f.FieldType == kommo.FieldMultitext || f.FieldType == "") {
			s += "|" + v.EnumCode
		}
		if s == "" && v.EnumID != 0 {
			s = "#" + strconv.Itoa(v.EnumID)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// findCF finds the field a request's value names in a read record's values.
func findCF(have kommo.CustomFieldValues, want kommo.CustomFieldValue) (kommo.CustomFieldValue, bool) {
	return have.Field(want.FieldID, want.FieldCode)
}

// diff compares what req sets with the record old, and returns the changes
// and a request that restores the old values of the changed fields.
func diff(e kommo.EntityType, old *View, req kommo.EntityRequest) ([]FieldChange, any) {
	nv := reqView(req)
	var ch []FieldChange
	add := func(field, o, n string) { ch = append(ch, FieldChange{Entity: e, Field: field, Old: o, New: n}) }
	var restore View
	if nv.Name != "" && nv.Name != old.Name {
		add("name", old.Name, nv.Name)
		restore.Name = old.Name
	}
	if nv.FirstName != "" && nv.FirstName != old.FirstName {
		add("first_name", old.FirstName, nv.FirstName)
		restore.FirstName = old.FirstName
	}
	if nv.LastName != "" && nv.LastName != old.LastName {
		add("last_name", old.LastName, nv.LastName)
		restore.LastName = old.LastName
	}
	if nv.Price != nil && (old.Price == nil || *old.Price != *nv.Price) {
		o := 0.0
		if old.Price != nil {
			o = *old.Price
		}
		add("price", strconv.FormatFloat(o, 'f', -1, 64), strconv.FormatFloat(*nv.Price, 'f', -1, 64))
		restore.Price = &o
	}
	if nv.PipelineID != 0 && nv.PipelineID != old.PipelineID {
		add("pipeline_id", strconv.Itoa(old.PipelineID), strconv.Itoa(nv.PipelineID))
		restore.PipelineID = old.PipelineID
	}
	if nv.StatusID != 0 && nv.StatusID != old.StatusID {
		add("status_id", strconv.Itoa(old.StatusID), strconv.Itoa(nv.StatusID))
		restore.StatusID, restore.PipelineID = old.StatusID, old.PipelineID
	}
	if nv.ResponsibleUserID != 0 && nv.ResponsibleUserID != old.ResponsibleUserID {
		add("responsible_user_id", strconv.Itoa(old.ResponsibleUserID), strconv.Itoa(nv.ResponsibleUserID))
		restore.ResponsibleUserID = old.ResponsibleUserID
	}
	if nv.Text != "" && nv.Text != old.Text {
		add("text", old.Text, nv.Text)
		restore.Text = old.Text
	}
	if nv.CompleteTill != 0 && nv.CompleteTill != old.CompleteTill {
		add("complete_till", strconv.FormatInt(old.CompleteTill, 10), strconv.FormatInt(nv.CompleteTill, 10))
		restore.CompleteTill = old.CompleteTill
	}
	for _, f := range nv.CFV {
		prev, had := findCF(old.CFV, f)
		newText := cfText(f)
		oldText := ""
		if had {
			oldText = cfText(kommo.CustomFieldValue{Values: prev.Values, FieldType: prev.FieldType})
			newText = cfText(kommo.CustomFieldValue{Values: f.Values, FieldType: prev.FieldType})
		}
		if had && sameValues(prev, f) || !had && len(f.Values) == 0 {
			continue
		}
		name := f.FieldCode
		if had && prev.FieldName != "" {
			name = prev.FieldName
		}
		if name == "" {
			name = "field " + strconv.Itoa(f.FieldID)
		}
		add(name, oldText, newText)
		ch[len(ch)-1].Type = prev.FieldType
		if had {
			restore.CFV = append(restore.CFV, kommo.CustomFieldValue{FieldID: prev.FieldID, FieldCode: prev.FieldCode, Values: restoreValues(prev)})
		} else {
			restore.CFV = append(restore.CFV, kommo.CustomFieldValue{FieldID: f.FieldID, FieldCode: f.FieldCode})
		}
	}
	if next, changed := tagsAfter(old.Tags, nv); changed {
		add("tags", value.JoinValues(old.Tags), value.JoinValues(next))
		restore.TagSet = kommo.ClearTags()
		for _, n := range old.Tags {
			restore.TagSet = append(restore.TagSet, kommo.TagRef{Name: n})
		}
	}
	if len(ch) == 0 {
		return nil, nil
	}
	id := old.ID
	var emb *kommo.EntityRequestEmbedded
	if restore.TagSet != nil {
		emb = &kommo.EntityRequestEmbedded{Tags: restore.TagSet}
	}
	switch e {
	case kommo.EntityLeads:
		r := &kommo.LeadRequest{ID: id, Name: restore.Name, Price: restore.Price, StatusID: restore.StatusID, PipelineID: restore.PipelineID,
			ResponsibleUserID: restore.ResponsibleUserID, CustomFieldsValues: restore.CFV}
		if emb != nil {
			r.Embedded = &kommo.LeadRequestEmbedded{Tags: emb.Tags}
		}
		return ch, r
	case kommo.EntityContacts:
		return ch, &kommo.ContactRequest{ID: id, Name: restore.Name, FirstName: restore.FirstName, LastName: restore.LastName,
			ResponsibleUserID: restore.ResponsibleUserID, CustomFieldsValues: restore.CFV, Embedded: emb}
	case kommo.EntityCompanies:
		return ch, &kommo.CompanyRequest{ID: id, Name: restore.Name, ResponsibleUserID: restore.ResponsibleUserID, CustomFieldsValues: restore.CFV, Embedded: emb}
	case kommo.EntityTasks:
		return ch, &kommo.TaskRequest{ID: id, Text: restore.Text, CompleteTill: restore.CompleteTill, ResponsibleUserID: restore.ResponsibleUserID}
	}
	return ch, nil
}

// tagsAfter returns the tag names a request leaves on a record that has
// old, and whether they differ from old. A tag named only by id cannot be
// compared, so it counts as a change.
func tagsAfter(old []string, nv *View) ([]string, bool) {
	if nv.TagSet == nil && len(nv.TagsAdd) == 0 && len(nv.TagsDel) == 0 {
		return nil, false
	}
	find := func(list []string, name string) int {
		return slices.IndexFunc(list, func(s string) bool { return strings.EqualFold(s, name) })
	}
	byID := false
	next := slices.Clone(old)
	if nv.TagSet != nil {
		next = nil
	}
	for _, r := range slices.Concat([]kommo.TagRef(nv.TagSet), nv.TagsAdd) {
		if r.Name == "" {
			byID = true
		} else if find(next, r.Name) < 0 {
			next = append(next, r.Name)
		}
	}
	for _, r := range nv.TagsDel {
		if r.Name == "" {
			byID = true
		} else if i := find(next, r.Name); i >= 0 {
			next = slices.Delete(next, i, i+1)
		}
	}
	if byID || len(next) != len(old) {
		return next, true
	}
	for _, n := range next {
		if find(old, n) < 0 {
			return next, true
		}
	}
	return next, false
}

// sameValues reports whether a request's values equal a stored field's:
// texts equal, enums equal by id or code where the request names them,
// and dates of date and birthday fields on the same day (see sameDay).
func sameValues(have, want kommo.CustomFieldValue) bool {
	if len(have.Values) != len(want.Values) {
		return false
	}
	day := isDay(have.FieldType)
	for i, w := range want.Values {
		h := have.Values[i]
		switch {
		case w.EnumID != 0 && w.EnumID != h.EnumID:
			return false
		case w.EnumCode != "" && !strings.EqualFold(w.EnumCode, h.EnumCode):
			return false
		case len(w.Value) > 0 && day:
			if !sameDay(h, w) {
				return false
			}
		case len(w.Value) > 0 && !sameScalar(w.String(), h.String()):
			return false
		}
	}
	return true
}

// isDay reports a field type whose values are calendar days.
func isDay(t kommo.FieldType) bool { return t == kommo.FieldDate || t == kommo.FieldBirthday }

// sameDay reports whether writing the date or birthday value want over
// the stored value have changes nothing. Kommo keeps such a value as the
// midnight that starts its day in the account's time zone, so want
// changes nothing when it falls within have's day: from have to less than
// 23 hours later (the shortest day, at a daylight saving change). That
// holds in every zone, so it needs none; a value within the last hour of
// a longer day counts as a change, which writes the same day again.
func sameDay(have, want kommo.FieldValue) bool {
	h, okH := have.Time()
	w, okW := want.Time()
	if !okH || !okW {
		return sameScalar(want.String(), have.String())
	}
	d := w.Sub(h)
	return d >= 0 && d < 23*time.Hour
}

// dayText shows a date or birthday value of a change, a unix time or an
// RFC 3339 time, as its day in loc (the account's zone; nil is UTC);
// anything else stays as it is, so a text already shown as a day is left
// alone.
func dayText(s string, loc *time.Location) string {
	t, err := time.Parse(time.RFC3339, s)
	if u, uerr := strconv.ParseInt(s, 10, 64); uerr == nil {
		t, err = time.Unix(u, 0), nil
	}
	if err != nil {
		return s
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(time.DateOnly)
}

func sameScalar(a, b string) bool {
	if a == b {
		return true
	}
	fa, errA := strconv.ParseFloat(a, 64)
	fb, errB := strconv.ParseFloat(b, 64)
	return errA == nil && errB == nil && fa == fb
}

// restoreValues turns a read field's values into writable ones.
func restoreValues(f kommo.CustomFieldValue) []kommo.FieldValue {
	out := make([]kommo.FieldValue, 0, len(f.Values))
	for _, v := range f.Values {
		w := kommo.FieldValue{Value: v.Value, CatalogID: v.CatalogID, CatalogElementID: v.CatalogElementID}
		switch {
		case f.FieldType == kommo.FieldMultitext || f.FieldType == kommo.FieldSmartAddress:
			w.EnumCode = v.EnumCode
			if w.EnumCode == "" {
				w.EnumID = v.EnumID
			}
		case v.EnumID != 0:
			w = kommo.FieldValue{EnumID: v.EnumID}
		}
		out = append(out, w)
	}
	return out
}

// keepMultitextTypes gives each phone or email a request sends again the
// type (WORK, MOB, ...) the record already has for it: a mapping's enum is
// the type of new values, and re-sending a known phone must not reclassify
// it (an export re-imported as an update would otherwise turn every MOB
// phone into WORK).
func keepMultitextTypes(old *View, req kommo.EntityRequest) {
	var cfv kommo.CustomFieldValues
	switch r := req.(type) {
	case *kommo.ContactRequest:
		cfv = r.CustomFieldsValues
	case *kommo.CompanyRequest:
		cfv = r.CustomFieldsValues
	default:
		return
	}
	for i, f := range cfv {
		have, ok := findCF(old.CFV, f)
		if !ok || have.FieldType != kommo.FieldMultitext {
			continue
		}
		for j, v := range f.Values {
			for _, h := range have.Values {
				if sameScalar(strings.TrimSpace(v.String()), strings.TrimSpace(h.String())) && h.EnumCode != "" {
					cfv[i].Values[j].EnumCode, cfv[i].Values[j].EnumID = h.EnumCode, 0
					break
				}
			}
		}
	}
}
