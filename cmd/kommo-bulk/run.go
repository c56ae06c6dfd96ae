package main

import (
	"context"
	"errors"
	"fmt"
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
		DryRun    bool     `yaml:"dry_run"`
	} `yaml:"import"`
	Export *struct {
		Entity string `yaml:"entity"`
		// Output may contain {date} (YYYY-MM-DD) and {time} (HHMMSS).
		Output string `yaml:"output"`
		// Filters are export flags without their dashes: pipeline,
		// stage, responsible, created-from, query, ...
		Filters map[string]string `yaml:"filters"`
	} `yaml:"export"`
}

// RunCommand runs a job file.
type RunCommand struct{ m *Main }

const runSynopsis = `run [flags] JOB.yaml

Runs the steps of a job file in order: imports (a file or a glob of files) and
exports. Paths are relative to the job file. Each input file is one import job,
journaled as RESULTS/<file name>.journal: a file already imported is skipped, a
stopped one is resumed, so the same line can run from cron again and again.

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
				refs = append(refs, m...)
			}
			for _, f := range files {
				a := importArgs{input: f, mapping: rel(im.Mapping), mode: im.Mode, sheet: im.Sheet, encoding: im.Encoding,
					delimiter: im.Delimiter, batch: im.BatchSize, workers: im.Workers, lookup: im.Lookup,
					results: rel(im.Results), refs: strings.Join(refs, ","), dryRun: im.DryRun || *dry}
				if a.mode == "" {
					a.mode = "create"
				}
				if a.batch == 0 {
					a.batch = 50
				}
				if a.lookup == "" {
					a.lookup = "auto"
				}
				a.conn.rate = r
				a.conn.timeout = time.Minute
				results := a.results
				if results == "" {
					results = filepath.Dir(f)
				}
				a.jobID = strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
				journal := filepath.Join(results, a.jobID+".journal")
				if !a.dryRun {
					if _, ended, err := bulk.JobStatus(journal); err == nil {
						if ended {
							fmt.Fprintf(c.m.Stderr, "step %d: %s was imported before (%s); skipped\n", i+1, f, journal)
							continue
						}
						a.resume = journal
						fmt.Fprintf(c.m.Stderr, "step %d: resuming %s\n", i+1, journal)
					} else if !errors.Is(err, os.ErrNotExist) {
						return fmt.Errorf("step %d: %w", i+1, err)
					}
				}
				fmt.Fprintf(c.m.Stderr, "step %d: import %s\n", i+1, f)
				if err := runImport(ctx, sub, &a); err != nil {
					if !errors.Is(err, errRowErrors) {
						return fmt.Errorf("step %d: %s: %w", i+1, f, err)
					}
					rowErrors = true
				}
			}
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
			for _, k := range keys {
				args = append(args, "--"+strings.TrimLeft(k, "-")+"="+ex.Filters[k])
			}
			fmt.Fprintf(c.m.Stderr, "step %d: export %s to %s\n", i+1, ex.Entity, rel(out))
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
