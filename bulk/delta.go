package bulk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kommo-bulk/kommo-bulk/internal/atomicfile"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// A delta run (ImportDelta) is an import that remembers, per source row,
// what it last wrote, so that running the same job again sends only the
// rows whose source changed and never overwrites silently what someone
// changed in Kommo since.

// ConflictPolicy decides a field changed both in the source and in Kommo
// since the last run.
type ConflictPolicy string

const (
	// KeepKommo (the default) leaves Kommo's value and writes the row's
	// other fields.
	KeepKommo ConflictPolicy = "keep-kommo"
	// TakeSource writes the source's value over Kommo's.
	TakeSource ConflictPolicy = "take-source"
	// ReportOnly writes nothing of a record that has a conflict.
	ReportOnly ConflictPolicy = "report-only"
)

// GoneAction is what a delta run does with the records of source rows that
// disappeared since the last run: "ignore" (the default: they are only
// counted and listed), "tag" (Tag is added) or "stage" (leads move to
// StatusID in PipelineID). It acts once per disappearance.
type GoneAction struct {
	Action     string
	Tag        string
	PipelineID int
	StatusID   int
}

// DefaultGoneTag is the tag GoneAction "tag" adds when Tag is empty.
const DefaultGoneTag = "kommo-bulk: gone from source"

// DeltaOptions configure ImportDelta.
type DeltaOptions struct {
	// State is the state file (JSON), conventionally beside the journal.
	State string
	// Policy is the default conflict policy (KeepKommo when empty);
	// FieldPolicy overrides it per field key: "name", "price",
	// "status_id", "responsible_user_id", "text", "complete_till" or
	// "field {ID}".
	Policy      ConflictPolicy
	FieldPolicy map[string]ConflictPolicy
	Gone        GoneAction
	// SplitRefs splits a reference cell into the keys it names, for the
	// relinking of the rows the state knows (see delta_links.go); nil
	// takes a cell as one key.
	SplitRefs func(cell string) []string
}

// DeltaRecord is what the state file keeps per source row key.
type DeltaRecord struct {
	// FP fingerprints the source row (its requests and match keys).
	FP string `json:"fp"`
	ID int    `json:"id"`
	// Wrote are the source's values of the fields last written, by field
	// key; Kept the fields whose Kommo value a conflict kept.
	Wrote map[string]string `json:"wrote,omitempty"`
	Kept  map[string]bool   `json:"kept,omitempty"`
	// At is the record's Kommo updated_at after our last write: a later
	// one is someone else's change.
	At   int64 `json:"at"`
	Gone bool  `json:"gone,omitempty"`
	// Refs are the row's references to rows of other files (Row.Refs)
	// when it was last linked: a run tells by them whether the source
	// moved a link (delta_links.go).
	Refs map[kommo.EntityType]string `json:"refs,omitempty"`
}

// DeltaState is the state file of a delta job.
type DeltaState struct {
	Entity  kommo.EntityType        `json:"entity"`
	Records map[string]*DeltaRecord `json:"records"`
}

// Conflict is a field changed both in the source and in Kommo since the
// last run.
type Conflict struct {
	Line   int              `json:"line"`
	Key    string           `json:"key"`
	Entity kommo.EntityType `json:"entity"`
	ID     int              `json:"id"`
	Field  string           `json:"field"`
	Source string           `json:"source"`
	Kommo  string           `json:"kommo"`
	By     int              `json:"by"`
	ByName string           `json:"by_name,omitempty"`
	At     int64            `json:"at"`
	// Resolution is the policy applied.
	Resolution ConflictPolicy `json:"resolution"`
}

// DeltaReport says what a delta run did.
type DeltaReport struct {
	// Skipped counts the source rows unchanged since the last run (not
	// sent); Sent the rows given to the import.
	Skipped, Sent int
	Conflicts     []Conflict
	// Gone are the keys of rows that disappeared from the source since
	// the last run; GoneApplied how many of their records GoneAction
	// changed in this run.
	Gone        []string
	GoneApplied int
	// Result is the import's (nil when nothing was sent).
	Result *Result
}

// ReadDeltaState reads a state file; an empty state when there is none.
func ReadDeltaState(path string) (*DeltaState, error) {
	st := &DeltaState{Records: map[string]*DeltaRecord{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("delta state: %w", err)
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("delta state %s: %w", path, err)
	}
	if st.Records == nil {
		st.Records = map[string]*DeltaRecord{}
	}
	return st, nil
}

// saveDeltaState writes the state file atomically.
func saveDeltaState(path string, st *DeltaState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, b, 0o755); err != nil {
		return fmt.Errorf("delta state %s: %w", path, err)
	}
	return nil
}

// deltaKey is a row's key in the state: its source key, else its primary
// entity's match key; "" (always sent) when it has neither.
func deltaKey(r *mapping.Row) string {
	if r.Key != "" {
		return r.Key
	}
	if k, ok := r.Match[r.Entity]; ok && k.Kind != mapping.MatchNone && k.Kind != mapping.MatchID && len(k.Values) > 0 {
		return string(k.Kind) + ":" + strings.Join(k.Values, "|")
	}
	return ""
}

// fingerprint hashes what a row would write, not where it is (file,
// sheet, line: tonight's file may have another name); "" if it cannot.
func fingerprint(r *mapping.Row) string {
	cp := *r
	cp.File, cp.Sheet, cp.Line = "", "", 0
	b, err := json.Marshal(&cp)
	if err != nil {
		return ""
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16])
}

// primary returns the row's request for its primary entity.
func primary(r *mapping.Row) kommo.EntityRequest { return r.Request(r.Entity) }

// fieldValues are a request's or record's values by field key (the keys
// of KeptField.Field). cur names custom fields given by code.
func fieldValues(v *View, cur *View) map[string]string {
	out := map[string]string{}
	if n := v.displayName(); n != "" {
		out["name"] = n
	}
	if v.Price != nil {
		out["price"] = strconv.FormatFloat(*v.Price, 'f', -1, 64)
	}
	if v.StatusID != 0 {
		out["status_id"] = strconv.Itoa(v.StatusID)
	}
	if v.ResponsibleUserID != 0 {
		out["responsible_user_id"] = strconv.Itoa(v.ResponsibleUserID)
	}
	if v.Text != "" {
		out["text"] = v.Text
	}
	if v.CompleteTill != 0 {
		out["complete_till"] = strconv.FormatInt(v.CompleteTill, 10)
	}
	for _, f := range v.CFV {
		id := f.FieldID
		if id == 0 && cur != nil {
			if c, ok := findCF(cur.CFV, f); ok {
				id = c.FieldID
			}
		}
		k := "field code:" + strings.ToUpper(f.FieldCode)
		if id != 0 {
			k = "field " + strconv.Itoa(id)
		}
		out[k] = cfText(f)
	}
	return out
}

// deltaRow is a source row a delta run sends.
type deltaRow struct {
	it   Item
	orig *mapping.Row // the source's row, before the run changed it
	key  string
	fp   string
	// kept are the fields whose Kommo value this run keeps.
	kept map[string]bool
}

// ImportDelta runs Import on the rows of items whose source changed since
// the last run recorded in d.State, and records what it wrote there.
//
// A row is known by its key (Row.Key, else its match key; rows with
// neither are always sent). Unchanged rows (same fingerprint) are not
// sent. A changed row whose record was written before is matched by that
// record's id. Those records are read (one request per 250) and, for the
// ones whose updated_at is later than our last write, the events (10
// records a request) tell which fields someone changed, who and when. A
// field changed there and also in the source is a Conflict, decided by
// the policy; a field changed only there is left as it is. Rows that
// disappeared from the source get d.Gone's action, once. The state file
// is replaced atomically after the import, from its journal, so that a
// failed run's writes are remembered too.
//
// A dry run reports what would be sent and the conflicts, and changes
// neither Kommo nor the state. The rows are held in memory.
func ImportDelta(ctx context.Context, c *kommo.Client, items iter.Seq[Item], opts ImportOptions, d DeltaOptions) (*DeltaReport, error) {
	state, err := ReadDeltaState(d.State)
	if err != nil {
		return nil, err
	}
	e := opts.Job.Entity
	if state.Entity != "" && state.Entity != e {
		return nil, fmt.Errorf("delta state %s is of a %s job, not %s", d.State, state.Entity, e)
	}
	state.Entity = e
	rep := &DeltaReport{}
	seen := map[string]bool{}
	var send []*deltaRow
	for it := range items {
		if it.Row == nil || len(it.Errs) > 0 {
			send = append(send, &deltaRow{it: it})
			continue
		}
		dr := &deltaRow{it: it, orig: it.Row, key: deltaKey(it.Row), fp: fingerprint(it.Row)}
		if dr.key != "" {
			seen[dr.key] = true
			if rec := state.Records[dr.key]; rec != nil && dr.fp != "" && rec.FP == dr.fp && rec.ID != 0 {
				rec.Gone = false
				rep.Skipped++
				continue
			}
		}
		send = append(send, dr)
	}

	// Records written before: read them, and the events of those changed.
	var ids []int
	// moved are the references of the rows the state knows whose
	// references the source changed, of a job whose links the run settles
	// itself (linkTargets): until it has, the state keeps the last run's
	// and no fingerprint, so that a run stopped before sends those rows
	// again the next time.
	moved := map[string]*movedRefs{}
	unsettle := func() {
		for k, mv := range moved {
			if rec := state.Records[k]; rec != nil {
				rec.Refs, rec.FP = mv.was, ""
			}
		}
	}
	for _, dr := range send {
		if rec := state.Records[dr.key]; dr.key != "" && rec != nil && rec.ID != 0 {
			ids = append(ids, rec.ID)
			r := *dr.it.Row
			r.Match = maps.Clone(r.Match)
			if r.Match == nil {
				r.Match = map[kommo.EntityType]mapping.MatchKey{}
			}
			r.Match[e] = mapping.MatchKey{Kind: mapping.MatchID, Values: []string{strconv.Itoa(rec.ID)}}
			switch {
			case len(linkTargets[e]) > 0:
				if !maps.Equal(rec.Refs, r.Refs) {
					moved[dr.key] = &movedRefs{was: rec.Refs, now: r.Refs, at: rec.At}
				}
				r.Refs = nil // relinked below
			case len(rec.Refs) > 0 && maps.Equal(rec.Refs, r.Refs):
				// The links are as the last run left them, or as someone
				// changed them since: not sent again.
				r.Refs = nil
			}
			dr.it.Row = &r
		}
	}
	cur, err := fetchViews(ctx, c, e, ids)
	if err != nil {
		return nil, fmt.Errorf("delta: read %s: %w", e, err)
	}
	since := map[int]int64{}
	for _, dr := range send {
		if rec := state.Records[dr.key]; dr.key != "" && rec != nil {
			since[rec.ID] = rec.At
		}
	}
	changed, err := changedFields(ctx, c, e, cur, since)
	if err != nil {
		return nil, fmt.Errorf("delta: %w", err)
	}
	var names map[int]string
	if len(changed) > 0 {
		names = userNames(ctx, c)
	}
	var rows, updates []Item
	for _, dr := range send {
		rec := state.Records[dr.key]
		if dr.key == "" || rec == nil || rec.ID == 0 {
			rows = append(rows, dr.it)
			continue
		}
		if len(changed[rec.ID]) == 0 && len(rec.Kept) == 0 {
			updates = append(updates, dr.it)
			continue
		}
		v := cur[rec.ID]
		src := fieldValues(reqView(primary(dr.orig)), v)
		var kommoVals map[string]string
		if v != nil {
			kommoVals = fieldValues(v, v)
		}
		strip := map[string]KeptField{}
		dr.kept = map[string]bool{}
		skip := false
		for f, sv := range src {
			srcChanged := sv != rec.Wrote[f]
			ch, kommoChanged := changed[rec.ID][f]
			switch {
			case kommoChanged && srcChanged:
				p := d.Policy
				if fp, ok := d.FieldPolicy[f]; ok {
					p = fp
				}
				if p == "" {
					p = KeepKommo
				}
				rep.Conflicts = append(rep.Conflicts, Conflict{Line: dr.it.Row.Line, Key: dr.key, Entity: e, ID: rec.ID, Field: f,
					Source: sv, Kommo: kommoVals[f], By: ch.By, ByName: names[ch.By], At: ch.At, Resolution: p})
				switch p {
				case ReportOnly:
					skip = true
				case KeepKommo:
					strip[f] = ch
					dr.kept[f] = true
				}
			case kommoChanged || !srcChanged && rec.Kept[f]:
				// Changed only in Kommo (now or before): leave it.
				strip[f] = ch
				dr.kept[f] = true
			}
		}
		if skip {
			continue
		}
		if len(strip) > 0 {
			req := primary(dr.it.Row)
			raw, _ := json.Marshal(req)
			out, _, _, err := stripKept(raw, strip, v)
			if err != nil {
				return nil, fmt.Errorf("delta: row %d: %w", dr.it.Row.Line, err)
			}
			nreq, err := decodeRequest(e, out)
			if err != nil {
				return nil, fmt.Errorf("delta: row %d: %w", dr.it.Row.Line, err)
			}
			r := *dr.it.Row
			r.SetRequest(nreq)
			dr.it.Row = &r
		}
		updates = append(updates, dr.it)
	}
	rep.Sent = len(rows) + len(updates)

	// Records written before are updated by id (ModeUpdate, in a journal
	// of their own); the other rows go as the job says.
	runs := []struct {
		rows    []Item
		mode    Mode
		journal string
	}{{updates, ModeUpdate, deltaUpdateJournal(opts.Journal)}, {rows, opts.Job.Mode, opts.Journal}}
	for _, run := range runs {
		if len(run.rows) == 0 {
			continue
		}
		o := opts
		o.Job.Mode, o.Journal = run.mode, run.journal
		if o.Journal != opts.Journal {
			o.Job.ID = opts.Job.ID + "-update"
			o.Lock = nil // the caller's lock is the job's journal's: Import takes this one's
		}
		res, ierr := Import(ctx, c, slices.Values(run.rows), o)
		rep.Result = mergeResults(rep.Result, res)
		if opts.DryRun {
			if ierr != nil {
				return rep, ierr
			}
			continue // nothing written, nothing to remember
		}
		if err := recordDelta(o.Journal, state, send, cur); err != nil && ierr == nil {
			ierr = err
		}
		if ierr != nil {
			unsettle()
			saveDeltaState(d.State, state)
			return rep, ierr
		}
	}
	if rep.Result != nil && len(moved) > 0 {
		// A dry run reads the links and reports the conflicts, and writes
		// nothing.
		rl := &relinker{c: c, e: e, d: d, resolve: opts.Refs, dryRun: opts.DryRun}
		conflicts, err := rl.relink(ctx, rep.Result, moved)
		rep.Conflicts = append(rep.Conflicts, conflicts...)
		if err != nil {
			if !opts.DryRun {
				unsettle()
				saveDeltaState(d.State, state)
			}
			return rep, fmt.Errorf("delta: %w", err)
		}
	}

	// Rows gone from the source.
	var goneIDs []int
	for k, rec := range state.Records {
		if seen[k] || rec.ID == 0 {
			continue
		}
		rep.Gone = append(rep.Gone, k)
		if !rec.Gone {
			goneIDs = append(goneIDs, rec.ID)
		}
		rec.Gone = true
	}
	slices.Sort(rep.Gone)
	if opts.DryRun {
		return rep, nil // the state stays as it was
	}
	n, err := applyGone(ctx, c, e, d.Gone, goneIDs)
	rep.GoneApplied = n
	if serr := saveDeltaState(d.State, state); err == nil {
		err = serr
	}
	return rep, err
}

// deltaUpdateJournal is the journal of a delta run's updates by id,
// beside the job's: "x.journal" → "x.update.journal".
func deltaUpdateJournal(j string) string {
	return strings.TrimSuffix(j, ".journal") + ".update.journal"
}

// mergeResults adds b's rows and counts to a.
func mergeResults(a, b *Result) *Result {
	if b == nil {
		return a
	}
	if a == nil {
		return b
	}
	maps.Copy(a.Rows, b.Rows)
	a.Created += b.Created
	a.Updated += b.Updated
	a.Skipped += b.Skipped
	a.Failed += b.Failed
	a.Resumed += b.Resumed
	return a
}

// changedFields returns, for the records in cur whose updated_at is later
// than since[id], the fields the events say someone changed after it.
func changedFields(ctx context.Context, c *kommo.Client, e kommo.EntityType, cur map[int]*View, since map[int]int64) (map[int]map[string]KeptField, error) {
	var touched []int
	var from int64
	for id, v := range cur {
		if at, ok := since[id]; ok && v.UpdatedAt > at {
			touched = append(touched, id)
			if from == 0 || at < from {
				from = at
			}
		}
	}
	slices.Sort(touched)
	out := map[int]map[string]KeptField{}
	for chunk := range slices.Chunk(touched, 10) {
		opts := &kommo.EventListOptions{ListOptions: kommo.ListOptions{Limit: kommo.MaxEventsLimit},
			Entities: []string{e.Singular()}, EntityIDs: chunk, CreatedAt: &kommo.Range{From: from + 1}}
		for ev, err := range c.Events.ListIter(ctx, opts) {
			if err != nil {
				return nil, fmt.Errorf("read the events of %s: %w", e, err)
			}
			at := int64(ev.CreatedAt)
			if at <= since[ev.EntityID] {
				continue
			}
			for _, f := range eventFields(ev) {
				if out[ev.EntityID] == nil {
					out[ev.EntityID] = map[string]KeptField{}
				}
				if old, ok := out[ev.EntityID][f]; !ok || at >= old.At {
					out[ev.EntityID][f] = KeptField{Entity: e, ID: ev.EntityID, Field: f, By: ev.CreatedBy, At: at}
				}
			}
		}
	}
	return out, nil
}

// recordDelta updates the state from the import's journal: every row
// written (or found unchanged) gets its fingerprint, id, source values and
// the time of the write.
func recordDelta(journal string, state *DeltaState, send []*deltaRow, cur map[int]*View) error {
	st, err := readJournal(journal)
	if err != nil {
		return err
	}
	e := state.Entity
	for _, dr := range send {
		if dr.key == "" || dr.it.Row == nil {
			continue
		}
		rr, ok := st.rows[dr.it.Row.Line]
		if !ok || rr.Action == ActionError || rr.IDs[e] == 0 {
			continue
		}
		id := rr.IDs[e]
		rec := &DeltaRecord{FP: dr.fp, ID: id, Wrote: fieldValues(reqView(primary(dr.orig)), cur[id]), Refs: dr.orig.Refs}
		if len(dr.kept) > 0 {
			rec.Kept = dr.kept
		}
		if old := state.Records[dr.key]; old != nil {
			rec.At = old.At
		}
		if v := cur[id]; v != nil && v.UpdatedAt > rec.At {
			rec.At = v.UpdatedAt // read this run: what was there is handled
		}
		if at := st.ackedAt[e][id]; at > rec.At {
			rec.At = at
		}
		state.Records[dr.key] = rec
	}
	return nil
}

// applyGone applies a GoneAction to the records of vanished rows.
func applyGone(ctx context.Context, c *kommo.Client, e kommo.EntityType, g GoneAction, ids []int) (int, error) {
	if len(ids) == 0 || g.Action == "" || g.Action == "ignore" {
		return 0, nil
	}
	slices.Sort(ids)
	var reqs []kommo.EntityRequest
	for _, id := range ids {
		switch g.Action {
		case "tag":
			tag := []kommo.TagRef{{Name: cmpOr(g.Tag, DefaultGoneTag)}}
			switch e {
			case kommo.EntityLeads:
				reqs = append(reqs, &kommo.LeadRequest{ID: id, TagsToAdd: tag})
			case kommo.EntityContacts:
				reqs = append(reqs, &kommo.ContactRequest{ID: id, TagsToAdd: tag})
			case kommo.EntityCompanies:
				reqs = append(reqs, &kommo.CompanyRequest{ID: id, TagsToAdd: tag})
			default:
				return 0, fmt.Errorf("delta: cannot tag %s", e)
			}
		case "stage":
			if e != kommo.EntityLeads || g.StatusID == 0 {
				return 0, fmt.Errorf("delta: gone action stage moves leads and needs a stage")
			}
			reqs = append(reqs, &kommo.LeadRequest{ID: id, StatusID: g.StatusID, PipelineID: g.PipelineID})
		default:
			return 0, fmt.Errorf("delta: unknown action %q for rows gone from the source (want ignore, tag or stage)", g.Action)
		}
	}
	n := 0
	for chunk := range slices.Chunk(reqs, kommo.MaxBatch/5) {
		if _, err := updateBatch(ctx, c, e, chunk); err != nil {
			return n, fmt.Errorf("delta: rows gone from the source: %w", err)
		}
		n += len(chunk)
	}
	return n, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// WriteConflicts writes conflicts as CSV: key, line, entity, id, field,
// source value, Kommo value, changed by, changed at (RFC 3339, UTC),
// resolution.
func WriteConflicts(w io.Writer, cs []Conflict) error {
	cw, err := sheet.NewCSVWriter(w, sheet.CSVWriteOptions{})
	if err != nil {
		return err
	}
	if err := cw.WriteHeader([]string{"key", "line", "entity", "id", "field", "source value", "kommo value", "changed by", "changed at", "resolution"}); err != nil {
		return err
	}
	for _, c := range cs {
		who := c.ByName
		if who == "" {
			who = "user " + strconv.Itoa(c.By)
		}
		if err := cw.WriteRow([]sheet.Cell{sheet.StringCell(c.Key), sheet.IntCell(int64(c.Line)), sheet.StringCell(string(c.Entity)),
			sheet.IntCell(int64(c.ID)), sheet.StringCell(c.Field), sheet.StringCell(c.Source), sheet.StringCell(c.Kommo),
			sheet.StringCell(who), sheet.StringCell(time.Unix(c.At, 0).UTC().Format(time.RFC3339)), sheet.StringCell(string(c.Resolution))}); err != nil {
			return err
		}
	}
	return cw.Close()
}
