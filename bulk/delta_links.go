package bulk

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// A delta run relinks itself the records it knew whose references the
// source changed: the import would only add the new link (and, for a
// lead's company, replace whatever Kommo has), never look at what someone
// changed in Kommo since the last run, nor take off what the source
// dropped.

// linkTargets are the records a delta run relinks, by the job's entity: a
// contact's company; a lead's company and contacts. Other entities' rows
// keep their references in the import (a task's record is a field of the
// task, which the import writes).
var linkTargets = map[kommo.EntityType][]kommo.EntityType{
	kommo.EntityContacts: {kommo.EntityCompanies},
	kommo.EntityLeads:    {kommo.EntityCompanies, kommo.EntityContacts},
}

// movedRefs are a known row's references as the last run linked them and
// as the source has them now, with the time of the last run's write.
type movedRefs struct {
	was, now map[kommo.EntityType]string
	at       int64
}

// relinker relinks the rows of one delta run.
type relinker struct {
	c       *kommo.Client
	e       kommo.EntityType
	d       DeltaOptions
	resolve func(kommo.EntityType, string) (int, bool)
	names   map[int]string
	// dryRun reads and reports, and changes no link.
	dryRun bool
}

// relink relinks the records of the rows the import wrote whose
// references the source changed (moved, by row key): a company (a contact
// or a lead has one) that someone changed in Kommo since the last run, and
// the source too, is a conflict on field "company" decided by the policy;
// otherwise the new company is linked and the old one unlinked (UNCONFIRMED
// whether Kommo's link replaces a lead's company: the old one is unlinked
// either way). A lead's contacts are a set: the ones the source dropped
// are unlinked, the ones it added linked, and those someone linked or
// unlinked in Kommo are left as they are.
func (r *relinker) relink(ctx context.Context, res *Result, moved map[string]*movedRefs) ([]Conflict, error) {
	var conflicts []Conflict
	var link, unlink []kommo.EntityLink
	for _, l := range slices.Sorted(maps.Keys(res.Rows)) {
		rr := res.Rows[l]
		mv := moved[rr.Key]
		from := rr.IDs[r.e]
		if mv == nil || rr.Action == ActionError || rr.Action == ActionCreate || from == 0 {
			continue
		}
		for _, t := range linkTargets[r.e] {
			was, to := r.ids(t, mv.was[t]), r.ids(t, mv.now[t])
			if t == kommo.EntityCompanies {
				was, to = was[:min(len(was), 1)], to[:min(len(to), 1)]
			}
			if sameIDs(was, to) {
				continue // not moved by the source
			}
			var now []int // linked in Kommo
			for el, err := range r.c.Links.ListIter(ctx, r.e, from, &kommo.LinkListOptions{ToEntityType: t}) {
				if err != nil {
					return conflicts, fmt.Errorf("row %d: read the %s's %s: %w", l, r.e.Singular(), t, err)
				}
				if el.ToEntityType == t {
					now = append(now, el.ToEntityID)
				}
			}
			var add, drop []int
			switch {
			case t != kommo.EntityCompanies:
				add = without(without(to, was), now)
				drop = slices.DeleteFunc(without(was, to), func(id int) bool { return !slices.Contains(now, id) })
			case sameIDs(now, to):
			case len(without(now, slices.Concat(was, to))) > 0 || len(now) == 0 && len(was) > 0:
				// Changed in Kommo since the last run (another company, or
				// none), and by the source too. Kommo holding the old and
				// the new is a relink of ours that stopped halfway.
				c, err := r.conflict(ctx, l, rr.Key, from, mv.at, t, to, now)
				if err != nil {
					return conflicts, err
				}
				conflicts = append(conflicts, c)
				if c.Resolution == TakeSource {
					add, drop = without(to, now), without(now, to)
				}
			default:
				add, drop = without(to, now), without(now, to)
			}
			for _, id := range drop {
				unlink = append(unlink, kommo.EntityLink{EntityID: from, ToEntityID: id, ToEntityType: t})
			}
			for _, id := range add {
				link = append(link, kommo.EntityLink{EntityID: from, ToEntityID: id, ToEntityType: t})
			}
		}
	}
	if r.dryRun {
		return conflicts, nil
	}
	// Links first: a run stopped in between leaves the old and the new
	// linked (never neither), which the next run tells from a change made
	// in Kommo.
	for chunk := range slices.Chunk(link, kommo.MaxBatch) {
		if _, _, err := r.c.Links.LinkMany(ctx, r.e, chunk); err != nil {
			return conflicts, fmt.Errorf("link what the source moved in: %w", err)
		}
	}
	for chunk := range slices.Chunk(unlink, kommo.MaxBatch) {
		if _, err := r.c.Links.UnlinkMany(ctx, r.e, chunk); err != nil {
			return conflicts, fmt.Errorf("unlink what the source moved away: %w", err)
		}
	}
	return conflicts, nil
}

// ids are the ids of the records of e a reference cell names (split by
// DeltaOptions.SplitRefs), in order, each once; keys that name no record
// are left out.
func (r *relinker) ids(e kommo.EntityType, cell string) []int {
	keys := []string{cell}
	if r.d.SplitRefs != nil {
		keys = r.d.SplitRefs(cell)
	}
	var out []int
	for _, k := range keys {
		if k == "" || r.resolve == nil {
			continue
		}
		if id, ok := r.resolve(e, k); ok && id > 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// conflict is a record whose company was changed both in the source and
// in Kommo since the last run (at), with who changed it in Kommo and when
// (the record's latest link event since then), and the policy that
// decides it.
func (r *relinker) conflict(ctx context.Context, line int, key string, id int, at int64, t kommo.EntityType, to, now []int) (Conflict, error) {
	p := r.d.Policy
	if fp, ok := r.d.FieldPolicy["company"]; ok {
		p = fp
	}
	if p == "" {
		p = KeepKommo
	}
	c := Conflict{Line: line, Key: key, Entity: r.e, ID: id, Field: "company", Source: linkedText(t, to), Kommo: linkedText(t, now), Resolution: p}
	opts := &kommo.EventListOptions{ListOptions: kommo.ListOptions{Limit: kommo.MaxEventsLimit}, Types: []string{kommo.EventEntityLinked, kommo.EventEntityUnlinked},
		Entities: []string{r.e.Singular()}, EntityIDs: []int{id}, CreatedAt: &kommo.Range{From: at + 1}}
	for ev, err := range r.c.Events.ListIter(ctx, opts) {
		if err != nil {
			return c, fmt.Errorf("row %d: read the %s's link events: %w", line, r.e.Singular(), err)
		}
		if at := int64(ev.CreatedAt); at >= c.At {
			c.At, c.By = at, ev.CreatedBy
		}
	}
	if r.names == nil {
		r.names = userNames(ctx, r.c)
	}
	c.ByName = r.names[c.By]
	return c, nil
}

// linkedText says which records of e a record is linked to, as a conflict
// shows it: "company 12", or "no company".
func linkedText(e kommo.EntityType, ids []int) string {
	if len(ids) == 0 {
		return "no " + e.Singular()
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(id)
	}
	return e.Singular() + " " + strings.Join(parts, ", ")
}

// sameIDs reports whether a and b hold the same ids, in any order.
func sameIDs(a, b []int) bool {
	return len(without(a, b)) == 0 && len(without(b, a)) == 0
}

// without returns the ids of a that are not in b.
func without(a, b []int) []int {
	var out []int
	for _, id := range a {
		if !slices.Contains(b, id) {
			out = append(out, id)
		}
	}
	return out
}
