package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/bulk"
)

// deltaArgs are import's delta-run flags (see bulk.ImportDelta).
type deltaArgs struct {
	state     string
	conflicts string
	policy    string
	gone      string
}

func (d *deltaArgs) register(fs interface {
	StringVar(*string, string, string, string)
}) {
	fs.StringVar(&d.state, "delta", "", "delta run: keep per row what was written in this state `file` and send only the rows whose source changed since; never overwrite silently a field someone changed in Kommo")
	fs.StringVar(&d.conflicts, "conflicts", "", "delta run: write the fields changed both in the source and in Kommo to this CSV `file` (default STATE.conflicts.csv)")
	fs.StringVar(&d.policy, "on-conflict", "keep-kommo", "delta run: keep-kommo, take-source or report-only; per field: name=take-source,field 123=keep-kommo")
	fs.StringVar(&d.gone, "gone", "ignore", "delta run: rows gone from the source: ignore (list them), tag[:TAG] or stage:STAGE_ID (leads)")
}

// options parses the flags.
func (d *deltaArgs) options() (bulk.DeltaOptions, error) {
	o := bulk.DeltaOptions{State: d.state, FieldPolicy: map[string]bulk.ConflictPolicy{}}
	valid := func(p string) bool {
		switch bulk.ConflictPolicy(p) {
		case bulk.KeepKommo, bulk.TakeSource, bulk.ReportOnly:
			return true
		}
		return false
	}
	for _, part := range strings.Split(d.policy, ",") {
		part = strings.TrimSpace(part)
		if field, p, ok := strings.Cut(part, "="); ok {
			if !valid(p) {
				return o, &usageError{msg: fmt.Sprintf("--on-conflict %q: %q is not keep-kommo, take-source or report-only", d.policy, p)}
			}
			o.FieldPolicy[strings.TrimSpace(field)] = bulk.ConflictPolicy(p)
		} else if part != "" {
			if !valid(part) {
				return o, &usageError{msg: fmt.Sprintf("--on-conflict %q: want keep-kommo, take-source or report-only", part)}
			}
			o.Policy = bulk.ConflictPolicy(part)
		}
	}
	action, arg, _ := strings.Cut(d.gone, ":")
	switch action {
	case "", "ignore":
	case "tag":
		o.Gone = bulk.GoneAction{Action: "tag", Tag: arg}
	case "stage":
		id, err := strconv.Atoi(arg)
		if err != nil || id <= 0 {
			return o, &usageError{msg: fmt.Sprintf("--gone %q: stage wants a stage id, stage:142", d.gone)}
		}
		o.Gone = bulk.GoneAction{Action: "stage", StatusID: id}
	default:
		return o, &usageError{msg: fmt.Sprintf("--gone %q: want ignore, tag[:TAG] or stage:STAGE_ID", d.gone)}
	}
	return o, nil
}

// report prints what a delta run skipped, its conflicts (written to the
// conflicts file) and the rows gone from the source; err is the run's,
// returned with a conflicts file's error added when it had none.
func (d *deltaArgs) report(m *Main, rep *bulk.DeltaReport, err error) error {
	fmt.Fprintf(m.Stderr, "delta: %d rows unchanged since the last run (skipped), %d sent\n", rep.Skipped, rep.Sent)
	if len(rep.Conflicts) > 0 {
		path := d.conflicts
		if path == "" {
			path = strings.TrimSuffix(d.state, ".json") + ".conflicts.csv"
		}
		f, ferr := os.Create(path)
		if ferr == nil {
			ferr = bulk.WriteConflicts(f, rep.Conflicts)
			if cerr := f.Close(); ferr == nil {
				ferr = cerr
			}
		}
		if ferr != nil && err == nil {
			err = fmt.Errorf("conflicts file: %w", ferr)
		}
		fmt.Fprintf(m.Stderr, "delta: %d fields changed both in the source and in Kommo: listed in %s\n", len(rep.Conflicts), path)
	}
	if len(rep.Gone) > 0 {
		fmt.Fprintf(m.Stderr, "delta: %d rows gone from the source since an earlier run (--gone %s: %d records changed now)\n", len(rep.Gone), d.gone, rep.GoneApplied)
	}
	return err
}
