package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/time/rate"

	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

const contactsSpec = `entity: contacts
match: email
options:
  region: GB
columns:
  - column: Name
    field: name
  - column: Email
    field: EMAIL
    enum: WORK
    transforms: [email]
  - column: Phone
    field: PHONE
    enum: MOB
    transforms: [phone]
  - column: Company
    entity: companies
    field: name
`

type cliEnv struct {
	emu *kt.Server
	url string
	dir string
	env map[string]string
}

func newCLIEnv(t *testing.T) *cliEnv {
	t.Helper()
	emu, err := kt.NewServer(kt.Options{Tokens: []string{"cli-token"}, Rate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(func() { srv.Close(); emu.Close() })
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "contacts.yaml"), []byte(contactsSpec), 0o644)
	return &cliEnv{emu: emu, url: srv.URL, dir: dir, env: map[string]string{"KOMMO_BASE_URL": srv.URL, "KOMMO_TOKEN": "cli-token"}}
}

func (e *cliEnv) write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func (e *cliEnv) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	m, out, errb := testMain(e.env)
	code := m.Run(t.Context(), args)
	return code, out.String(), errb.String()
}

func readResultCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestImportCommandEndToEnd(t *testing.T) {
	e := newCLIEnv(t)
	// A phone too short to be a number lands as written, with a warning;
	// an e-mail that cannot be the match key, with no phone to stand in,
	// fails its row.
	input := e.write(t, "contacts.csv", "Name,Email,Phone,Company\n"+
		"Ada Lovelace,ADA@example.org,07911 123456,Acme\n"+
		"Bob Jones,bob@example.org,+44 20 7946 0000,Acme\n"+
		"Short Phone,short@example.org,12,Globex\n"+
		"Ada L.,ada@example.org,,\n"+
		"Bad Key,bad@@example.org,,Globex\n")
	spec := filepath.Join(e.dir, "contacts.yaml")

	// A dry run writes nothing and says what would happen.
	code, out, errOut := e.run(t, "import", "--rate", "0", "--mapping", spec, "--mode", "upsert", "--dry-run", input)
	if code != exitRowErrors {
		t.Fatalf("dry run exit %d\n%s\n%s", code, out, errOut)
	}
	if st := e.emu.Snapshot(); len(st.Contacts) != 0 || len(st.Companies) != 0 {
		t.Fatalf("dry run wrote %d contacts", len(st.Contacts))
	}
	for _, want := range []string{"5 rows: 4 would land, 1 with warnings, 1 failed (3 would be created, 1 would be updated, 0 would be skipped;",
		"Phone: 1 row kept as written (too short for a phone number)", "Email: 1 row failed (invalid email: more than one @; it is the match key of contacts"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "5 rows, 4 valid (1 with warnings), 1 with errors") {
		t.Errorf("check pass:\n%s", errOut)
	}

	code, out, errOut = e.run(t, "import", "--rate", "0", "--mapping", spec, "--mode", "upsert", "--job", "first", "--json", input)
	if code != exitRowErrors {
		t.Fatalf("exit %d, want %d (one bad row)\n%s\n%s", code, exitRowErrors, out, errOut)
	}
	var sum importSummary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("--json output %q: %v", out, err)
	}
	if sum.Created != 3 || sum.Updated != 1 || sum.Failed != 1 || sum.Rows != 5 || sum.Landed != 4 || sum.Warned != 1 || len(sum.Warnings) != 1 || len(sum.Failures) != 1 {
		t.Errorf("summary = %+v", sum)
	}
	if !strings.Contains(out, `"code": "phone_kept_as_written"`) || !strings.Contains(out, `"warned": 1`) || !strings.Contains(out, `"region": "GB"`) {
		t.Errorf("--json lacks the warnings, their causes or the region:\n%s", out)
	}
	st := e.emu.Snapshot()
	if len(st.Contacts) != 3 || len(st.Companies) != 2 {
		t.Fatalf("%d contacts, %d companies; want 3 and 2", len(st.Contacts), len(st.Companies))
	}
	for _, c := range st.Contacts {
		switch c.Name {
		case "Ada L.":
			if c.CustomFieldsValues[0].Values[0].Value != "ada@example.org" {
				t.Errorf("ada = %+v", c)
			}
		case "Short Phone":
			// Kommo gets the phone as written.
			var phones []any
			for _, f := range c.CustomFieldsValues {
				if f.FieldCode == "PHONE" {
					for _, v := range f.Values {
						phones = append(phones, v.Value)
					}
				}
			}
			if len(phones) != 1 || phones[0] != "12" {
				t.Errorf("short phone's phones = %v, want [12] as written", phones)
			}
		}
	}

	success := readResultCSV(t, filepath.Join(e.dir, "contacts.success.csv"))
	if len(success) != 5 || success[0][4] != "kommo-bulk row" || success[1][5] != "create" || success[4][5] != "update" ||
		success[0][12] != "kommo-bulk warnings" || success[3][12] != "Phone: phone_kept_as_written: kept as written: invalid phone number: too short for country code +44" || success[1][12] != "" {
		t.Errorf("success file = %q", success)
	}
	errs := readResultCSV(t, filepath.Join(e.dir, "contacts.errors.csv"))
	if len(errs) != 2 || errs[1][0] != "Bad Key" || errs[1][4] != "6" || errs[1][5] != "Email" || !strings.Contains(errs[1][6], "more than one @") {
		t.Fatalf("errors file = %q", errs)
	}

	// Fix the bad row in the error file and feed it back in.
	fixed := strings.Replace(string(mustRead(t, filepath.Join(e.dir, "contacts.errors.csv"))), "bad@@example.org", "bad@example.org", 1)
	again := e.write(t, "fixed.csv", fixed)
	code, out, errOut = e.run(t, "import", "--rate", "0", "--mapping", spec, "--mode", "upsert", again)
	if code != exitOK {
		t.Fatalf("re-import exit %d\n%s\n%s", code, out, errOut)
	}
	if st := e.emu.Snapshot(); len(st.Contacts) != 4 || len(st.Companies) != 2 {
		t.Errorf("after the fix: %d contacts, %d companies; want 4 and 2", len(st.Contacts), len(st.Companies))
	}

	// Starting the same job again is refused: it would write twice.
	code, _, errOut = e.run(t, "import", "--rate", "0", "--mapping", spec, "--mode", "upsert", "--job", "first", input)
	if code != exitFailed || !strings.Contains(errOut, "resume") {
		t.Errorf("restart exit %d: %s", code, errOut)
	}

	// Usage errors.
	for _, args := range [][]string{
		{"import", input},
		{"import", "--mapping", spec, "--mode", "sideways", input},
		{"import", "--mapping", spec},
	} {
		if code, _, _ := e.run(t, args...); code != exitUsage {
			t.Errorf("%q exit %d, want %d", args, code, exitUsage)
		}
	}
	if strings.Contains(out+errOut, "cli-token") {
		t.Error("the token was printed")
	}
}

func TestUndoCommand(t *testing.T) {
	e := newCLIEnv(t)
	input := e.write(t, "contacts.csv", "Name,Email,Phone,Company\nAda,ada@example.org,,\n")
	spec := filepath.Join(e.dir, "contacts.yaml")
	if code, out, errOut := e.run(t, "import", "--rate", "0", "--mapping", spec, "--job", "j1", input); code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut := e.run(t, "undo", "--rate", "0", filepath.Join(e.dir, "j1.journal"))
	if code != exitOK || !strings.Contains(out, "1 contacts") || !strings.Contains(out, "kommo-bulk undo j1") {
		t.Errorf("undo exit %d: %s %s", code, out, errOut)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestKillAndResume runs imports in a child process, kills it with SIGKILL
// at random moments (while the emulator is slow enough for the kill to
// land mid-job, and sometimes drops a connection after applying a write),
// resumes, and checks that every row exists exactly once.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs subprocesses")
	}
	bin := filepath.Join(t.TempDir(), "kommo-bulk")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for round := range 3 {
		t.Run(fmt.Sprint("round", round), func(t *testing.T) {
			e := newCLIEnv(t)
			e.emu.SetLatency(10 * time.Millisecond)
			var b strings.Builder
			b.WriteString("Name,Email,Phone,Company\n")
			const n = 300
			for i := range n {
				fmt.Fprintf(&b, "Person %d,p%d@example.org,,Company %d\n", i, i, i%7)
			}
			input := e.write(t, "contacts.csv", b.String())
			spec := filepath.Join(e.dir, "contacts.yaml")
			env := append(os.Environ(), "KOMMO_BASE_URL="+e.url, "KOMMO_TOKEN=cli-token")
			start := func(args ...string) *exec.Cmd {
				cmd := exec.Command(bin, args...)
				cmd.Env = env
				cmd.Stdout, cmd.Stderr = new(bytes.Buffer), new(bytes.Buffer)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				return cmd
			}
			journal := filepath.Join(e.dir, "killed.journal")
			acks := func() int {
				b, _ := os.ReadFile(journal)
				return bytes.Count(b, []byte(`"op":"ack"`))
			}
			cmd := start("import", "--rate", "0", "--batch-size", "10", "--workers", "2", "--mapping", spec, "--mode", "upsert", "--job", "killed", input)
			kills := 0
			for kills < 4 {
				// Kill after a random number of further acknowledged writes,
				// plus a random few milliseconds: mid-request as often as not.
				target := acks() + 1 + rnd.IntN(6)
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				finished := false
			wait:
				for {
					select {
					case err := <-done:
						if err != nil {
							t.Fatalf("import failed: %v\n%s", err, cmd.Stderr)
						}
						finished = true
						break wait
					case <-time.After(5 * time.Millisecond):
						if acks() >= target {
							time.Sleep(time.Duration(rnd.IntN(30)) * time.Millisecond)
							if round == 1 {
								e.emu.DropNext(1, true) // an answer lost after the write
							}
							cmd.Process.Signal(syscall.SIGKILL)
							<-done
							kills++
							break wait
						}
					}
				}
				if finished {
					break
				}
				cmd = start("import", "--rate", "0", "--resume", journal)
			}
			if kills == 4 {
				if err := cmd.Wait(); err != nil {
					t.Fatalf("final resume: %v\n%s", err, cmd.Stderr)
				}
			}
			if kills == 0 {
				t.Fatal("the job finished before any kill: the test proved nothing")
			}
			st := e.emu.Snapshot()
			seen := map[string]int{}
			for _, c := range st.Contacts {
				seen[c.Name]++
			}
			if len(st.Contacts) != n || len(st.Companies) != 7 {
				t.Errorf("after %d kills: %d contacts, %d companies; want %d and 7", kills, len(st.Contacts), len(st.Companies), n)
			}
			for name, k := range seen {
				if k != 1 {
					t.Errorf("%q exists %d times", name, k)
				}
			}
			links := 0
			for _, l := range st.Links {
				if l.EntityType == "contacts" && l.ToEntityType == "companies" || l.EntityType == "companies" && l.ToEntityType == "contacts" {
					links++
				}
			}
			if links != n {
				t.Errorf("%d contact-company links, want %d", links, n)
			}
			t.Logf("%d kills", kills)
		})
	}
}

func TestImportCommandModes(t *testing.T) {
	e := newCLIEnv(t)
	spec := filepath.Join(e.dir, "contacts.yaml")
	first := e.write(t, "first.csv", "Name,Email,Phone,Company\nAda,ada@example.org,,\nBob,bob@example.org,,\n")
	if code, out, errOut := e.run(t, "import", first, "--mapping", spec, "--rate", "0"); code != exitOK {
		t.Fatalf("create exit %d\n%s\n%s", code, out, errOut)
	}
	// skip-existing: Ada is there, Cy is new; Ada keeps her name.
	second := e.write(t, "second.csv", "Name,Email,Phone,Company\nAda Renamed,ada@example.org,,\nCy,cy@example.org,,\n")
	code, out, errOut := e.run(t, "import", second, "--mapping", spec, "--mode", "skip-existing", "--json", "--rate", "0")
	if code != exitOK || !strings.Contains(out, `"skipped": 1`) || !strings.Contains(out, `"created": 1`) {
		t.Fatalf("skip-existing exit %d\n%s\n%s", code, out, errOut)
	}
	st := e.emu.Snapshot()
	if len(st.Contacts) != 3 || st.Contacts[0].Name != "Ada" {
		t.Fatalf("after skip-existing: %+v", st.Contacts)
	}
	// update by Kommo id, with --match id and a spec mapping the id column.
	idSpec := e.write(t, "ids.yaml", "entity: contacts\nmatch: id\ncolumns:\n  - {column: ID, field: id}\n  - {column: Name, field: name}\n")
	third := e.write(t, "third.csv", fmt.Sprintf("ID,Name\n%d,Ada Lovelace\n99999999,Ghost\n", st.Contacts[0].ID))
	code, out, errOut = e.run(t, "import", third, "--mapping", idSpec, "--mode", "update", "--json", "--rate", "0")
	if code != exitRowErrors || !strings.Contains(out, `"updated": 1`) || !strings.Contains(out, `"failed": 1`) {
		t.Fatalf("update exit %d\n%s\n%s", code, out, errOut)
	}
	if st := e.emu.Snapshot(); st.Contacts[0].Name != "Ada Lovelace" || len(st.Contacts) != 3 {
		t.Errorf("after update: %+v", st.Contacts)
	}
	errs := readResultCSV(t, filepath.Join(e.dir, "third.errors.csv"))
	if len(errs) != 2 || errs[1][1] != "Ghost" || !strings.Contains(errs[1][4], "does not exist") {
		t.Errorf("update errors file = %q", errs)
	}
}

// Owners, stages and options that match nothing stop an import before it
// writes anything, as a migration: each value once with its rows and the
// closest names, and a tables skeleton; --stage, --user and --tables
// resolve them.
func TestImportStopsOnUnmatchedNames(t *testing.T) {
	e := newCLIEnv(t)
	spec := e.write(t, "leads.yaml", `entity: leads
columns:
  - {column: Deal, field: name}
  - {column: Stage, field: status}
  - {column: Owner, field: responsible_user}
  - {column: Source, field: Lead source}
constants:
  - {field: pipeline, value: Partners}
`)
	input := e.write(t, "leads.csv", "Deal,Stage,Owner,Source\n"+
		"A,Negotation,Jane Roe,Website\n"+
		"B,Negotation,Boris Manager,Billboard\n"+
		"C,Contacted,Jane Roe,Referral\n"+
		"D,Negotation,Chen Sales,Billboard\n"+
		"E,Incoming leads,Chen Sales,\n") // a stage of both pipelines: the spec's

	code, out, errOut := e.run(t, "import", "--rate", "0", "--mapping", spec, "--json", input)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitFailed, out, errOut)
	}
	for _, want := range []string{
		`leads.csv, column "Owner": user "Jane Roe" (2 rows)`,
		`leads.csv, column "Stage": stage "Negotation" (3 rows); closest: Negotiation`,
		`leads.csv, column "Source": option "Billboard" (2 rows)`,
		"a tables file to start from (--tables FILE):\nusers:\n  \"Jane Roe\": \"",
		"stages:\n  \"Negotation\": \"Negotiation\"",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	var got struct {
		Unmatched []struct {
			Column, Kind, Value string
			Rows                int
		} `json:"unmatched"`
		Error struct{ Message string } `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got.Unmatched) != 3 || !strings.Contains(got.Error.Message, "stopped before writing") {
		t.Errorf("--json = %s (%v), want the 3 unmatched values and the error", out, err)
	}
	if st := e.emu.Stats(); st.Writes != 0 {
		t.Fatalf("%d writes before the names were matched", st.Writes)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "leads.errors.csv")); err == nil {
		t.Error("an errors file was written: no row was tried")
	}

	// The tables resolve the owner and the stage (in the spec's pipeline);
	// the option is the spec's to fix.
	tables := e.write(t, "tables.yaml", "users: {Jane Roe: ana@example.com}\n")
	fixed := e.write(t, "fixed.yaml", strings.Replace(string(mustRead(t, spec)), "field: Lead source}", "field: Lead source, map: {Billboard: Website}}", 1))
	code, out, errOut = e.run(t, "import", "--rate", "0", "--mapping", fixed, "--tables", tables, "--stage", "Negotation=Negotiation", input)
	if code != exitOK {
		t.Fatalf("with the tables: exit %d\n%s\n%s", code, out, errOut)
	}
	got2 := map[string]string{}
	for _, l := range e.emu.Snapshot().Leads {
		got2[l.Name] = fmt.Sprintf("%d/%d/%d", l.PipelineID, l.StatusID, l.ResponsibleUserID)
	}
	partners, negotiation, contacted := kt.SeedPipelinePartners, 0, 0
	for _, p := range e.emu.Snapshot().Pipelines {
		for _, s := range p.Statuses {
			if p.ID == partners && s.Name == "Negotiation" {
				negotiation = s.ID
			}
			if p.ID == partners && s.Name == "Contacted" {
				contacted = s.ID
			}
		}
	}
	want := map[string]string{
		"A": fmt.Sprintf("%d/%d/%d", partners, negotiation, kt.SeedUserAna), "B": fmt.Sprintf("%d/%d/%d", partners, negotiation, kt.SeedUserBoris),
		"C": fmt.Sprintf("%d/%d/%d", partners, contacted, kt.SeedUserAna), "D": fmt.Sprintf("%d/%d/%d", partners, negotiation, kt.SeedUserChen),
		"E": fmt.Sprintf("%d/%d/%d", partners, kt.SeedStatusPartnersIncoming, kt.SeedUserChen),
	}
	if fmt.Sprint(got2) != fmt.Sprint(want) {
		t.Errorf("leads (pipeline/stage/owner) = %v, want %v", got2, want)
	}
}

// --results names a directory that need not exist: the import makes it.
func TestImportMakesResultsDir(t *testing.T) {
	e := newCLIEnv(t)
	input := e.write(t, "contacts.csv", "Name,Email,Phone,Company\nAda,ada@example.org,,\n")
	results := filepath.Join(e.dir, "out", "nightly")
	code, out, errOut := e.run(t, "import", "--rate", "0", "--mapping", filepath.Join(e.dir, "contacts.yaml"), "--results", results, "--job", "j", input)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, f := range []string{"contacts.success.csv", "j.journal"} {
		if _, err := os.Stat(filepath.Join(results, f)); err != nil {
			t.Errorf("no %s in the new results directory: %v", f, err)
		}
	}
}

// TestResumeTakesTheJournalsSpec resumes a journal the page wrote: it
// names no mapping file but holds the spec's text, which the resume uses
// (the file's columns are not ones a proposal maps on its own).
func TestResumeTakesTheJournalsSpec(t *testing.T) {
	e := newCLIEnv(t)
	input := e.write(t, "people.csv", "Who,Reach me at\nAda Lovelace,ada@example.org\nBob Page,bob@example.org\n")
	sum := sha256.Sum256(mustRead(t, input))
	spec := "entity: contacts\ncolumns:\n  - column: Who\n    field: name\n  - column: Reach me at\n    field: EMAIL\n"
	header, _ := json.Marshal(map[string]any{"op": "start", "job": map[string]any{"id": "people-page", "entity": "contacts", "mode": "create",
		"input": "people.csv", "input_hash": hex.EncodeToString(sum[:]), "input_size": len(mustRead(t, input)), "spec": spec, "started": time.Now().Unix()}})
	journal := e.write(t, "people-page.journal", string(header)+"\n")
	code, out, errOut := e.run(t, "import", "--rate", "0", "--resume", journal, input)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	var names []string
	for _, c := range e.emu.Snapshot().Contacts {
		names = append(names, c.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"Ada Lovelace", "Bob Page"}) {
		t.Errorf("contacts = %q, want Ada Lovelace and Bob Page", names)
	}
}
