package bulk

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// UndoResult says what Undo did.
type UndoResult struct {
	// Restored counts the records whose previous values were written back.
	Restored int
	// Created lists, per entity type, the records the job created. The API
	// cannot delete them; Undo tags them with Tag so they can be found and
	// deleted in Kommo's interface.
	Created map[kommo.EntityType][]int
	Tag     string
	// Kept lists the fields left as they are because someone changed them
	// in Kommo after the import (see KeptField).
	Kept []KeptField
}

// UndoTag is the tag Undo puts on the records a job created.
func UndoTag(jobID string) string { return "kommo-bulk undo " + jobID }

// Undo reverts a finished (or stopped) import from its journal: every
// record an update changed gets back the values it had before the job
// first touched it, except the fields someone changed in Kommo since
// (UndoResult.Kept), and every record the job created is tagged for removal
// (see UndoResult). It is idempotent: running it twice does no harm. It
// holds the journal's lock (see LockJournal): the job must not be running.
func Undo(ctx context.Context, c *kommo.Client, journalPath string) (*UndoResult, error) {
	return UndoStore(ctx, c, OSStore{}, journalPath)
}

// undo is Undo of a journal whose lock is held.
func undo(ctx context.Context, c *kommo.Client, s JournalStore, journalPath string) (*UndoResult, error) {
	st, err := readJournalIn(s, journalPath)
	if err != nil {
		return nil, fmt.Errorf("undo: %w", err)
	}
	res := &UndoResult{Created: map[kommo.EntityType][]int{}, Tag: UndoTag(st.header.ID)}

	// The first prev entry of a record holds its values from before the job.
	seen := map[string]bool{}
	var targets []undoTarget
	for _, p := range st.prev {
		k := string(p.Entity) + fmt.Sprint(p.ID)
		if seen[k] {
			continue
		}
		seen[k] = true
		if _, err := decodeRequest(p.Entity, p.Prev); err != nil {
			return nil, fmt.Errorf("undo: journal entry for %s %d: %w", p.Entity, p.ID, err)
		}
		targets = append(targets, undoTarget{p.Entity, p.ID, p.Prev})
	}
	if err := restoreKeeping(ctx, c, s, journalPath, st, targets, res); err != nil {
		return res, fmt.Errorf("undo: %w", err)
	}

	for e, ids := range st.created {
		slices.Sort(ids)
		res.Created[e] = slices.Compact(ids)
	}
	tag := []kommo.TagRef{{Name: res.Tag}}
	for _, e := range []kommo.EntityType{kommo.EntityCompanies, kommo.EntityContacts, kommo.EntityLeads} {
		var reqs []kommo.EntityRequest
		for _, id := range res.Created[e] {
			switch e {
			case kommo.EntityLeads:
				reqs = append(reqs, &kommo.LeadRequest{ID: id, TagsToAdd: tag})
			case kommo.EntityContacts:
				reqs = append(reqs, &kommo.ContactRequest{ID: id, TagsToAdd: tag})
			case kommo.EntityCompanies:
				reqs = append(reqs, &kommo.CompanyRequest{ID: id, TagsToAdd: tag})
			}
		}
		for chunk := range slices.Chunk(reqs, 50) {
			if _, err := updateBatch(ctx, c, e, chunk); err != nil {
				return res, fmt.Errorf("undo: tag created %s: %w", e, err)
			}
		}
	}
	// The journal says the job was undone (a history shows it).
	j, err := openJournalIn(s, journalPath, true)
	if err != nil {
		return res, fmt.Errorf("undo: %w", err)
	}
	err = j.append(true, entry{Op: opUndoEnd, At: time.Now().Unix()})
	if cerr := j.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, fmt.Errorf("undo: %w", err)
	}
	return res, nil
}

func decodeRequest(e kommo.EntityType, raw json.RawMessage) (kommo.EntityRequest, error) {
	req, err := kommo.NewRequest(e)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, req); err != nil {
		return nil, err
	}
	return req, nil
}

// CreatedSummary describes created records for the user.
func (r *UndoResult) CreatedSummary() string {
	var parts []string
	for _, e := range WriteOrder {
		if n := len(r.Created[e]); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, e))
		}
	}
	if len(parts) == 0 {
		return "no records were created"
	}
	return strings.Join(parts, ", ")
}
