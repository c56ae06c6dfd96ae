package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// DemoCommand runs the main job on the built-in emulator: it imports the
// demo files (companies, contacts linked to them, leads with their contact
// and company, tasks on the leads) through their mapping specs, exports
// the result back to XLSX, and shows what the account holds. The emulator
// enforces Kommo's 7 requests/s, and so does the client.
type DemoCommand struct{ m *Main }

// demoSteps are the demo's imports, in dependency order.
var demoSteps = []struct {
	file, spec, mode, refs string
}{
	{"companies.csv", "companies.yaml", "create", ""},
	{"contacts.csv", "contacts.yaml", "upsert", "companies"},
	{"leads.csv", "leads.yaml", "create", "companies,contacts"},
	{"tasks.csv", "tasks.yaml", "create", "leads"},
}

// Run runs the demo.
func (c *DemoCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.newFlagSet("demo", "demo [flags]\n\nImports the demo files into the built-in Kommo emulator, exports them back to XLSX\nand prints the result. Nothing leaves this machine.")
	data := fs.String("data", "testdata/demo", "`directory` with the demo files and their mapping specs")
	outDir := fs.String("out", "demo-out", "`directory` for the copies, journals, result files and exports (replaced)")
	rps := fs.Float64("rate", 7, "requests per second, enforced by the emulator and kept by the client")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := os.RemoveAll(*outDir); err != nil {
		return err
	}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	for _, s := range demoSteps {
		for _, name := range []string{s.file, s.spec} {
			if err := copyFile(filepath.Join(*data, name), filepath.Join(*outDir, name)); err != nil {
				return fmt.Errorf("demo data: %w (run from the repository root, or pass --data)", err)
			}
		}
	}

	const token = "demo-token"
	emu, err := kommotest.NewServer(kommotest.Options{Tokens: []string{token}, Rate: rate.Limit(*rps)})
	if err != nil {
		return err
	}
	defer emu.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()
	base := "http://" + ln.Addr().String()
	env := map[string]string{"KOMMO_BASE_URL": base, "KOMMO_TOKEN": token}
	// One budget for the whole demo, as one process should keep per account.
	limiter := rate.NewLimiter(rate.Limit(*rps), 1)
	sub := &Main{Stdin: strings.NewReader(""), Stderr: io.Discard, Getenv: func(k string) string { return env[k] }, Limiter: limiter}

	out := c.m.Stdout
	start := time.Now()
	fmt.Fprintf(out, "Kommo emulator at %s, %g requests/s (Kommo allows 7). Files in %s/\n\n", base, *rps, *outDir)
	for i, s := range demoSteps {
		job := strings.TrimSuffix(s.file, ".csv")
		a := importArgs{input: filepath.Join(*outDir, s.file), mapping: filepath.Join(*outDir, s.spec), mode: s.mode, jobID: job,
			batch: 50, workers: 4, lookup: "auto", json: true}
		a.conn.rate = *rps
		a.conn.timeout = time.Minute
		if s.refs != "" {
			var js []string
			for _, r := range strings.Split(s.refs, ",") {
				js = append(js, filepath.Join(*outDir, r+".journal"))
			}
			a.refs = strings.Join(js, ",")
		}
		var buf bytes.Buffer
		sub.Stdout = &buf
		err := runImport(ctx, sub, &a)
		var sum importSummary
		var pe *partialError
		switch {
		case errors.Is(err, errRowErrors) && errors.As(err, &pe):
			// With row errors the counts come with the error.
			sum = pe.result.(importSummary)
		case err != nil:
			return fmt.Errorf("import %s: %w", s.file, err)
		default:
			if jerr := json.Unmarshal(buf.Bytes(), &sum); jerr != nil {
				return fmt.Errorf("import %s: %v", s.file, jerr)
			}
		}
		fmt.Fprintf(out, "%d. %-14s %s %d rows: %d landed, %d with warnings, %d failed (%d created, %d updated)\n",
			i+1, s.file, s.mode, sum.Rows, sum.Landed, sum.Warned, sum.Failed, sum.Created, sum.Updated)
		printCauses(out, "     ", "", sum.Warnings, nil, nil)
		if sum.Errors != "" {
			if err := printErrorRows(out, sum.Errors); err != nil {
				return err
			}
		}
	}

	client, err := kommo.NewClient(base, kommo.WithToken(token), kommo.WithLimiter(limiter))
	if err != nil {
		return err
	}
	fmt.Fprintln(out)
	if err := demoReport(ctx, out, client); err != nil {
		return err
	}

	fmt.Fprintln(out)
	for _, e := range []string{"leads", "contacts", "companies"} {
		path := filepath.Join(*outDir, "export-"+e+".xlsx")
		var buf bytes.Buffer
		sub.Stdout = &buf
		ec := &ExportCommand{m: sub}
		if err := ec.Run(ctx, []string{e, "-o", path, "--rate", strconv.FormatFloat(*rps, 'f', -1, 64)}); err != nil {
			return fmt.Errorf("export %s: %w", e, err)
		}
		fmt.Fprintf(out, "exported %s to %s\n", e, path)
	}
	st := emu.Stats()
	el := time.Since(start).Seconds()
	// n requests at a rate r take (n-1)/r seconds: the first goes at once.
	fmt.Fprintf(out, "\n%d requests in %.1fs (%.1f/s after the first), %d answered 429.\n", st.Requests, el,
		float64(st.Requests-1)/el, st.RateLimited)
	fmt.Fprintf(out, "Result files (*.success.csv with each row's warnings, *.errors.csv), journals and exports are in %s/.\n", *outDir)
	fmt.Fprintf(out, "An errors file can be fixed and imported again with the same mapping; an export edited in a\nspreadsheet re-imports as an update with no mapping (kommo-bulk import --mode update FILE).\n")
	return nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// printErrorRows shows the rows of an errors file, indented.
func printErrorRows(w io.Writer, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = -1
	r.Comma = ','
	if i := bytes.IndexByte(b, '\n'); i > 0 && bytes.Count(b[:i], []byte(";")) > bytes.Count(b[:i], []byte(",")) {
		r.Comma = ';'
	}
	recs, err := r.ReadAll()
	if err != nil {
		return err
	}
	for _, rec := range recs[1:] {
		n := len(rec)
		if n < 3 {
			continue
		}
		col := ""
		if rec[n-2] != "" {
			col = fmt.Sprintf(" column %q", rec[n-2])
		}
		reason := rec[n-1]
		if i := strings.LastIndex(reason, ": "); i > 0 && strings.Contains(reason[:i], "row ") {
			reason = reason[i+2:]
		}
		fmt.Fprintf(w, "     row %s%s: %s\n", rec[n-3], col, reason)
	}
	fmt.Fprintf(w, "     (all in %s)\n", path)
	return nil
}

// demoReport prints the leads, with their stage, owner, contact and
// company, as the account now holds them.
func demoReport(ctx context.Context, w io.Writer, c *kommo.Client) error {
	users, _, err := c.Users.List(ctx, nil)
	if err != nil {
		return err
	}
	names := map[int]string{}
	for _, u := range users {
		names[u.ID] = u.Name
	}
	pipes, _, err := c.Pipelines.List(ctx)
	if err != nil {
		return err
	}
	stages := map[int]string{}
	for _, p := range pipes {
		for _, s := range p.Statuses() {
			stages[s.ID] = s.Name
		}
	}
	contacts := map[int]string{}
	for ct, err := range c.Contacts.ListIter(ctx, &kommo.ContactListOptions{ListOptions: kommo.ListOptions{Limit: kommo.MaxLimit}}) {
		if err != nil {
			return err
		}
		contacts[ct.ID] = ct.Name
	}
	companies := map[int]string{}
	for co, err := range c.Companies.ListIter(ctx, &kommo.CompanyListOptions{ListOptions: kommo.ListOptions{Limit: kommo.MaxLimit}}) {
		if err != nil {
			return err
		}
		companies[co.ID] = co.Name
	}
	tasks := map[int]int{}
	for t, err := range c.Tasks.ListIter(ctx, &kommo.TaskListOptions{EntityType: kommo.EntityLeads, ListOptions: kommo.ListOptions{Limit: kommo.MaxLimit}}) {
		if err != nil {
			return err
		}
		tasks[t.EntityID]++
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LEAD\tNAME\tPRICE\tSTAGE\tOWNER\tCONTACT\tCOMPANY\tTASKS\tTAGS")
	for l, err := range c.Leads.ListIter(ctx, &kommo.LeadListOptions{With: []string{"contacts"}, ListOptions: kommo.ListOptions{Limit: kommo.MaxLimit}}) {
		if err != nil {
			return err
		}
		var cts, cos, tags []string
		for _, r := range l.Embedded.Contacts {
			cts = append(cts, contacts[r.ID])
		}
		for _, r := range l.Embedded.Companies {
			cos = append(cos, companies[r.ID])
		}
		for _, t := range l.Embedded.Tags {
			tags = append(tags, t.Name)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", l.ID, l.Name, strconv.FormatFloat(l.Price, 'f', -1, 64), stages[l.StatusID], names[l.ResponsibleUserID],
			strings.Join(cts, ", "), strings.Join(cos, ", "), tasks[l.ID], strings.Join(tags, ", "))
	}
	return tw.Flush()
}
