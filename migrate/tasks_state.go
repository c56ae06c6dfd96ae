package migrate

import (
	"fmt"
	"strings"
	"time"

	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// OverduePolicy says what a migration does with the tasks that are open
// and past their deadline in the source.
type OverduePolicy string

const (
	// OverdueOpen (the default) writes them open with their deadline:
	// Kommo shows them overdue, as the source did.
	OverdueOpen OverduePolicy = "open"
	// OverdueDone writes them done, their deadline kept.
	OverdueDone OverduePolicy = "done"
	// OverdueSkip leaves them out, each listed in the report.
	OverdueSkip OverduePolicy = "skip"
)

// ParseOverduePolicy reads an OverduePolicy ("" is OverdueOpen).
func ParseOverduePolicy(s string) (OverduePolicy, error) {
	switch p := OverduePolicy(strings.ToLower(strings.TrimSpace(s))); p {
	case "", OverdueOpen:
		return OverdueOpen, nil
	case OverdueDone, OverdueSkip:
		return p, nil
	}
	return "", fmt.Errorf("overdue-tasks %q: want open, done or skip", s)
}

// taskState settles the state a task row is written in, and reports
// whether the row is to be left out (with the reason).
//
// A done task stays done, its result (the source's description or
// outcome, mapped to result) with it: Kommo takes is_completed and
// result{text} on create (kommo-api.md §4.4). An open task carries no
// result (Kommo has none for open tasks), so the text mapped to result is
// added to its text: nothing is dropped. An open task whose deadline has
// passed keeps it; opts.OverdueTasks may write it done instead, or leave
// it out.
func (m *migration) taskState(r *mapping.Row) (string, bool) {
	t := r.Task
	if t == nil {
		return "", false
	}
	done := t.IsCompleted != nil && *t.IsCompleted
	if !done && t.CompleteTill > 0 && t.CompleteTill < m.opts.Now().Unix() {
		switch m.opts.OverdueTasks {
		case OverdueSkip:
			return "open and overdue since " + time.Unix(t.CompleteTill, 0).In(m.location()).Format("2006-01-02 15:04") + " (overdue tasks: skip)", true
		case OverdueDone:
			yes := true
			t.IsCompleted, done = &yes, true
		}
	}
	if !done && t.Result != nil {
		if s := strings.TrimSpace(t.Result.Text); s != "" {
			t.Text = strings.TrimSpace(t.Text + "\n" + s)
		}
		t.Result = nil
	}
	if done && t.Result != nil && strings.TrimSpace(t.Result.Text) == "" {
		t.Result = nil
	}
	return "", false
}

// location is the account's time zone (UTC when unknown).
func (m *migration) location() *time.Location {
	if m.schema != nil && m.schema.Location != nil {
		return m.schema.Location
	}
	return time.UTC
}

// normalizeOverdue sets the default overdue policy.
func (o *Options) normalizeOverdue() error {
	p, err := ParseOverduePolicy(string(o.OverdueTasks))
	o.OverdueTasks = p
	return err
}
