package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
	"gopkg.in/yaml.v3"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// jobFile is a scheduled job: everything an import or export needs, so
// cron or a Kubernetes CronJob runs one line, and the job is versioned
// with its mappings. It names the environment variables that hold the
// credentials, never the credentials themselves.
type jobFile struct {
	Connection struct {
		SubdomainEnv string  `yaml:"subdomain_env"`
		BaseURLEnv   string  `yaml:"base_url_env"`
		TokenEnv     string  `yaml:"token_env"`
		OAuthFile    string  `yaml:"oauth_file"`
		Rate         float64 `yaml:"rate"`
	} `yaml:"connection"`
	Steps []jobStep `yaml:"steps"`
}

type jobStep struct {
	Import *struct {
		Input     string   `yaml:"input"` // a file or a glob
		Mapping   string   `yaml:"mapping"`
		Mode      string   `yaml:"mode"`
		Sheet     string   `yaml:"sheet"`
		Encoding  string   `yaml:"encoding"`
		Delimiter string   `yaml:"delimiter"`
		BatchSize int      `yaml:"batch_size"`
		Workers   int      `yaml:"workers"`
		Lookup    string   `yaml:"lookup"`
		Results   string   `yaml:"results"`
		Refs      []string `yaml:"refs"`
		// Tables is a tables file (users, pipelines, stages) for values
		// that match nothing by name, as import's --tables.
		Tables string `yaml:"tables"`
		DryRun bool   `yaml:"dry_run"`
		// Delta is a state file (beside the job file) that makes the
		// step a delta run, as import --delta; OnConflict, Gone and
		// Conflicts are --on-conflict, --gone and --conflicts.
		Delta      string `yaml:"delta"`
		OnConflict string `yaml:"on_conflict"`
		Gone       string `yaml:"gone"`
		Conflicts  string `yaml:"conflicts"`
	} `yaml:"import"`
	Export *struct {
		Entity string `yaml:"entity"`
		// Output may contain {date} (YYYY-MM-DD) and {time} (HHMMSS).
		Output string `yaml:"output"`
		// Filters are export flags without their dashes: pipeline,
		// stage, responsible, created-from, query, ...
		Filters map[string]string `yaml:"filters"`
		// SinceLast is a state file (beside the job file): export only
		// what changed since the last run, as export --since-last.
		SinceLast string `yaml:"since_last"`
	} `yaml:"export"`
}

// RunCommand runs a job file.
type RunCommand struct{ m *Main }

const runSynopsis = `run [flags] JOB.yaml

Runs the steps of a job file in order: imports (a file or a glob of files) and
exports. Paths are relative to the job file. Each input file is one import job,
journaled as RESULTS/<file name>-<hash>.journal (hash: the start of the file's
SHA-256): a file whose content was imported before is skipped, a stopped import is
resumed, and new content under a name imported before (tonight's
incoming/contacts.csv) is a new job, so the same line can run from cron again and
again. Each import step ends with a summary of the files it imported, resumed or
skipped, and why. Missing results and output directories are created. A job that
another process is running stops the step (exit 1) and names that process.

Example job file:

	connection:
	  subdomain_env: KOMMO_SUBDOMAIN   # names of environment variables,
	  token_env: KOMMO_TOKEN           # never the secrets themselves
	  rate: 7
	steps:
	  - import:
	      input: incoming/companies-*.csv
	      mapping: companies.yaml
	      mode: upsert
	      results: results
	  - import:
	      input: incoming/contacts-*.csv
	      mapping: contacts.yaml
	      mode: upsert
	      results: results
	      refs: [results/companies-*.journal]
	      tables: owners-stages.yaml   # owners and stages that match nothing by name
	  - export:
	      entity: leads
	      output: exports/leads-{date}.xlsx
	      filters: {pipeline: Sales, created-from: 2026-01-01}

Flags:`

// Run parses flags and runs the job file.
func (c *RunCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.newFlagSet("run", runSynopsis)
	dry := fs.Bool("dry-run", false, "dry-run every import step")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{msg: "run wants one job file", hint: "kommo-bulk run nightly.yaml"}
	}
	path := fs.Arg(0)
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var job jobFile
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&job); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(job.Steps) == 0 {
		return fmt.Errorf("%s: no steps", path)
	}
	dir := filepath.Dir(path)
	rel := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}

	// The connection comes from the variables the job names.
	cn := job.Connection
	alias := map[string]string{"KOMMO_SUBDOMAIN": cn.SubdomainEnv, "KOMMO_BASE_URL": cn.BaseURLEnv, "KOMMO_TOKEN": cn.TokenEnv}
	getenv := func(k string) string {
		if a := alias[k]; a != "" {
			return c.m.Getenv(a)
		}
		if k == "KOMMO_OAUTH_FILE" && cn.OAuthFile != "" {
			return rel(cn.OAuthFile)
		}
		return c.m.Getenv(k)
	}
	r := cn.Rate
	if r == 0 {
		r = float64(kommo.DefaultRate)
	}
	limiter := c.m.Limiter
	if limiter == nil {
		limiter = rate.NewLimiter(rate.Limit(r), 1)
		if r < 0 {
			limiter = rate.NewLimiter(rate.Inf, 1)
		}
	}
	sub := &Main{Stdin: c.m.Stdin, Stdout: c.m.Stdout, Stderr: c.m.Stderr, Getenv: getenv, Limiter: limiter}

	rowErrors := false
	for i, st := range job.Steps {
		switch {
		case st.Import != nil && st.Export == nil:
			im := st.Import
			files, err := filepath.Glob(rel(im.Input))
			if err != nil {
				return fmt.Errorf("step %d: input %q: %w", i+1, im.Input, err)
			}
			if len(files) == 0 {
				fmt.Fprintf(c.m.Stderr, "step %d: no file matches %s\n", i+1, im.Input)
				continue
			}
			slices.Sort(files)
			var refs []string
			for _, g := range im.Refs {
				m, err := filepath.Glob(rel(g))
				if err != nil {
					return fmt.Errorf("step %d: refs %q: %w", i+1, g, err)
				}
				// Oldest first: a key a later job imported again resolves
				// to the later job's record.
				refs = append(refs, byModTime(m)...)
			}
			sum := &stepSummary{step: i + 1}
			for _, f := range files {
				a := importArgs{input: f, mapping: rel(im.Mapping), mode: im.Mode, sheet: im.Sheet, encoding: im.Encoding,
					delimiter: im.Delimiter, batch: im.BatchSize, workers: im.Workers, lookup: im.Lookup,
					results: rel(im.Results), refs: strings.Join(refs, ","), tables: rel(im.Tables), dryRun: im.DryRun || *dry}
				if a.mode == "" {
					a.mode = "create"
				}
				a.delta = deltaArgs{state: rel(im.Delta), conflicts: rel(im.Conflicts), policy: cmp.Or(im.OnConflict, "keep-kommo"), gone: cmp.Or(im.Gone, "ignore")}
				if a.batch == 0 {
					a.batch = 50
				}
				if a.lookup == "" {
					a.lookup = "auto"
				}
				a.conn.rate = r
				a.conn.timeout = time.Minute
				if a.results == "" {
					a.results = filepath.Dir(f)
				}
				job, err := planImport(f, a.results, a.dryRun, specHasNotes(a.mapping))
				if err != nil {
					sum.add("failed", f, err.Error())
					sum.print(c.m.Stdout)
					return fmt.Errorf("step %d: %s: %w", i+1, f, err)
				}
				a.jobID = job.id
				switch job.action {
				case "skipped":
					fmt.Fprintf(c.m.Stderr, "step %d: %s was imported before (%s); skipped\n", i+1, f, job.journal)
					sum.add(job.action, f, job.why)
					continue
				case "resumed":
					a.resume = job.journal
					fmt.Fprintf(c.m.Stderr, "step %d: resuming %s\n", i+1, job.journal)
				}
				fmt.Fprintf(c.m.Stderr, "step %d: import %s\n", i+1, f)
				err = runImport(ctx, sub, &a)
				if err != nil {
					if !errors.Is(err, errRowErrors) {
						sum.add("failed", f, err.Error())
						sum.print(c.m.Stdout)
						return fmt.Errorf("step %d: %s: %w", i+1, f, err)
					}
					job.why += "; some rows were rejected (see its errors file)"
					rowErrors = true
				}
				if s := a.summary; s != nil && s.Warned > 0 {
					job.why += fmt.Sprintf("; %d rows landed with warnings (see its success file)", s.Warned)
				}
				sum.add(job.action, f, job.why)
			}
			sum.print(c.m.Stdout)
		case st.Export != nil && st.Import == nil:
			ex := st.Export
			now := time.Now()
			out := strings.NewReplacer("{date}", now.Format("2006-01-02"), "{time}", now.Format("150405")).Replace(ex.Output)
			args := []string{ex.Entity, "-o", rel(out), "--rate", strconv.FormatFloat(r, 'f', -1, 64)}
			keys := make([]string, 0, len(ex.Filters))
			for k := range ex.Filters {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if ex.SinceLast != "" {
				args = append(args, "--since-last", rel(ex.SinceLast))
			}
			for _, k := range keys {
				args = append(args, "--"+strings.TrimLeft(k, "-")+"="+ex.Filters[k])
			}
			fmt.Fprintf(c.m.Stderr, "step %d: export %s to %s\n", i+1, ex.Entity, rel(out))
			if err := os.MkdirAll(filepath.Dir(rel(out)), 0o755); err != nil {
				return fmt.Errorf("step %d: export %s: %w", i+1, ex.Entity, err)
			}
			if err := (&ExportCommand{m: sub}).Run(ctx, args); err != nil {
				return fmt.Errorf("step %d: export %s: %w", i+1, ex.Entity, err)
			}
		default:
			return fmt.Errorf("%s: step %d must have exactly one of import or export", path, i+1)
		}
	}
	if rowErrors {
		return errRowErrors
	}
	return nil
}

// importPlan is what a run step does with one input file.
type importPlan struct {
	action  string // "imported", "resumed", "skipped" or "dry run"
	id      string // the job id, which names the journal
	journal string
	why     string
}

// planImport decides what a run step does with the file f: a job is a
// file's name and content, its journal RESULTS/NAME-HASH.journal (HASH,
// the start of the content's SHA-256). A file whose content was imported
// before is skipped, a stopped import of it is resumed, and anything else
// (a new file, or new content under a name imported before, like a
// nightly incoming/contacts.csv) is a new job; the journals of earlier
// contents stay as they are.
//
// With notes (the mapping's notes:, written after the records with a
// journal of their own), a job whose records are all written but whose
// notes are not is resumed too.
func planImport(f, results string, dryRun, notes bool) (*importPlan, error) {
	hash, err := bulk.HashFile(f)
	if err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
	p := &importPlan{action: "imported", id: base + "-" + hash[:12]}
	p.journal = filepath.Join(results, p.id+".journal")
	if dryRun {
		p.action, p.why = "dry run", "nothing written"
		return p, nil
	}
	if err := os.MkdirAll(results, 0o755); err != nil {
		return nil, err
	}
	// Earlier versions named the journal after the file alone.
	legacy := filepath.Join(results, base+".journal")
	for _, j := range []string{p.journal, legacy} {
		h, ended, err := bulk.JobStatus(j)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if j == legacy && (h.InputHash != hash || h.InputHash == "") {
			continue // another content of the file: a job of its own
		}
		p.id, p.journal = h.ID, j
		if ended && notes {
			if _, nended, err := bulk.JobStatus(bulk.NotesJournal(j)); err != nil || !nended {
				p.action, p.why = "resumed", "its notes were not all written ("+bulk.NotesJournal(j)+")"
				return p, nil
			}
		}
		if ended {
			p.action, p.why = "skipped", "imported before with the same content ("+j+")"
		} else {
			p.action, p.why = "resumed", "its import had stopped ("+j+")"
		}
		return p, nil
	}
	p.why = "new file (" + p.journal + ")"
	if earlier := earlierJobs(results, base, p.journal, legacy); len(earlier) > 0 {
		last := earlier[len(earlier)-1]
		p.why = fmt.Sprintf("new content (%s): it differs from the %d earlier import(s) of this name, whose journals are kept", p.journal, len(earlier))
		if _, ended, err := bulk.JobStatus(last); err == nil && !ended {
			p.why += "; the last of them, " + last + ", had stopped before its end, and its file is gone"
		}
	}
	return p, nil
}

// earlierJobs lists the journals of other contents of a file named base,
// oldest first.
func earlierJobs(results, base, journal, legacy string) []string {
	ms, _ := filepath.Glob(filepath.Join(results, base+"-*.journal"))
	var out []string
	for _, m := range append(ms, legacy) {
		h := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(m), base+"-"), ".journal")
		if m == journal || m != legacy && !isHashPrefix(h) {
			continue
		}
		if _, err := os.Stat(m); err == nil {
			out = append(out, m)
		}
	}
	return byModTime(out)
}

func isHashPrefix(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// byModTime sorts paths by modification time, oldest first (then by name).
func byModTime(paths []string) []string {
	mod := map[string]time.Time{}
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil {
			mod[p] = st.ModTime()
		}
	}
	slices.SortStableFunc(paths, func(a, b string) int {
		if c := mod[a].Compare(mod[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return paths
}

// stepSummary says which files a run step imported, resumed or skipped,
// and why.
type stepSummary struct {
	step  int
	lines []string
	count map[string]int
}

func (s *stepSummary) add(action, file, why string) {
	if s.count == nil {
		s.count = map[string]int{}
	}
	s.count[action]++
	s.lines = append(s.lines, fmt.Sprintf("  %-9s %s: %s", action, file, why))
}

func (s *stepSummary) print(w io.Writer) {
	var parts []string
	for _, a := range []string{"imported", "resumed", "skipped", "dry run", "failed"} {
		if n := s.count[a]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, a))
		}
	}
	fmt.Fprintf(w, "step %d: %s\n%s\n", s.step, strings.Join(parts, ", "), strings.Join(s.lines, "\n"))
}

// specHasNotes reports whether the mapping spec at path makes notes from
// its rows' columns (notes:); false when it cannot be read (the import
// reports that).
func specHasNotes(path string) bool {
	if path == "" {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	spec, err := mapping.LoadSpec(f)
	return err == nil && len(spec.Notes) > 0
}
