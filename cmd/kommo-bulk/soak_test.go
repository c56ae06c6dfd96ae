//go:build soak

// The soak test: run with make soak (go test -tags soak -run TestSoak -v
// ./cmd/kommo-bulk/). It is not part of make test: it builds the CLI and
// runs some 120 processes against the emulator.

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/migrate"
)

// soakRounds is how many times each scenario runs (SOAK_ROUNDS, default 20).
func soakRounds() int {
	if n, err := strconv.Atoi(os.Getenv("SOAK_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 20
}

// soakProc is a kommo-bulk process of the soak test.
type soakProc struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr bytes.Buffer
	done   chan struct{}
	code   int
}

func startProc(t *testing.T, bin string, env []string, args ...string) *soakProc {
	t.Helper()
	p := &soakProc{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		p.code = p.cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	return p
}

func (p *soakProc) finished() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// acks counts the acknowledged writes in the journals matching glob.
func acks(glob string) int {
	ms, _ := filepath.Glob(glob)
	n := 0
	for _, m := range ms {
		b, _ := os.ReadFile(m)
		n += bytes.Count(b, []byte(`"op":"ack"`))
	}
	return n
}

// killAtRandom waits until the journals matching glob hold target acks
// (0: no wait), then a random few milliseconds, and kills p with SIGKILL.
// It reports whether the kill landed before p ended by itself, and the
// acks the journals held then.
func killAtRandom(p *soakProc, glob string, target int, rnd *rand.Rand) (bool, int) {
	for target > 0 && acks(glob) < target && !p.finished() {
		time.Sleep(2 * time.Millisecond)
	}
	time.Sleep(time.Duration(rnd.IntN(40)) * time.Millisecond)
	if p.finished() {
		return false, acks(glob)
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	return true, acks(glob)
}

// overlappingResumes starts two resumers at once and waits for both: one
// must do the job and the other be refused while it does (or, if it came
// after, resume the finished job). It returns the successful resumers'
// stdout and how many were refused.
func overlappingResumes(t *testing.T, bin string, env []string, args []string) (outs []string, refused int) {
	t.Helper()
	a := startProc(t, bin, env, args...)
	b := startProc(t, bin, env, args...)
	for _, p := range []*soakProc{a, b} {
		<-p.done
		switch {
		case p.code == exitOK:
			outs = append(outs, p.stdout.String())
		case p.code == exitFailed && strings.Contains(p.stderr.String(), "is in use by") && strings.Contains(p.stderr.String(), "pid "):
			refused++
		case p.code == exitFailed && strings.Contains(p.stderr.String(), "journal exists: resume the job"):
			refused++ // a second start of a job, after the first had run it
		default:
			t.Errorf("%v = exit %d\n%s\n%s", args, p.code, p.stdout.String(), p.stderr.String())
		}
	}
	if len(outs) == 0 {
		t.Errorf("no resumer did the job (%d refused)", refused)
	}
	return outs, refused
}

// countNames fails on every name that is not there exactly once, and
// returns how many were lost and how many duplicated.
func countNames(t *testing.T, what string, names []string, want []string) (lost, dup int) {
	t.Helper()
	seen := map[string]int{}
	for _, n := range names {
		seen[n]++
	}
	for _, w := range want {
		switch k := seen[w]; {
		case k == 0:
			lost++
			t.Errorf("%s %q lost", what, w)
		case k > 1:
			dup += k - 1
			t.Errorf("%s %q exists %d times", what, w, k)
		}
		delete(seen, w)
	}
	for n, k := range seen {
		dup += k
		t.Errorf("%s %q exists %d times, and no row has it", what, n, k)
	}
	return lost, dup
}

func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kommo-bulk")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// TestSoak kills an import, and a migration, with SIGKILL at a random
// moment, SOAK_ROUNDS times each, then starts two resumers at once, and
// checks that every record exists exactly once, that one resumer was
// refused while the other ran, and that the resumer's counts say every
// row was created (the account was empty).
func TestSoak(t *testing.T) {
	bin := buildCLI(t)
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("SOAK_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("SOAK_SEED=%d SOAK_ROUNDS=%d", seed, soakRounds())
	rnd := rand.New(rand.NewPCG(seed, 1))
	t.Run("import", func(t *testing.T) { soakImport(t, bin, rnd) })
	t.Run("migrate", func(t *testing.T) { soakMigrate(t, bin, rnd) })
}

func soakImport(t *testing.T, bin string, rnd *rand.Rand) {
	const n, companies = 300, 7
	var kills, refused, lost, dup int
	for round := range soakRounds() {
		e := newCLIEnv(t)
		e.emu.SetLatency(5 * time.Millisecond)
		var b strings.Builder
		b.WriteString("Name,Email,Phone,Company\n")
		var want, wantCo []string
		for i := range n {
			fmt.Fprintf(&b, "Person %d,p%d@example.org,,Company %d\n", i, i, i%companies)
			want = append(want, fmt.Sprintf("Person %d", i))
		}
		for i := range companies {
			wantCo = append(wantCo, fmt.Sprintf("Company %d", i))
		}
		input := e.write(t, "contacts.csv", b.String())
		env := append(os.Environ(), "KOMMO_BASE_URL="+e.url, "KOMMO_TOKEN=cli-token")
		journal := filepath.Join(e.dir, "soak.journal")
		start := []string{"import", "--rate", "0", "--batch-size", "10", "--workers", "2",
			"--mapping", filepath.Join(e.dir, "contacts.yaml"), "--mode", "upsert", "--job", "soak", input}
		p := startProc(t, bin, env, start...)
		target := rnd.IntN(32) // of some 37 acks; 0: at any moment
		killed, at := killAtRandom(p, journal, target, rnd)
		if killed {
			kills++
		}
		if round%2 == 1 {
			e.emu.DropNext(1, true) // and an answer lost after its write
		}
		resume := []string{"import", "--rate", "0", "--resume", journal, "--json"}
		if _, err := os.Stat(journal); os.IsNotExist(err) {
			resume = append(start, "--json") // killed before it wrote anything: started again
		}
		outs, r := overlappingResumes(t, bin, env, resume)
		refused += r
		for _, out := range outs {
			var s importSummary
			if err := json.Unmarshal([]byte(out), &s); err != nil {
				t.Errorf("round %d: summary %q: %v", round, out, err)
				continue
			}
			if s.Created != n || s.Updated != 0 || s.Skipped != 0 || s.Failed != 0 {
				t.Errorf("round %d: resumer's counts: %d created, %d updated, %d skipped, %d failed; want %d created",
					round, s.Created, s.Updated, s.Skipped, s.Failed, n)
			}
		}
		if _, ended, err := bulk.JobStatus(journal); err != nil || !ended {
			t.Errorf("round %d: journal: ended %v, %v", round, ended, err)
		}
		st := e.emu.Snapshot()
		var names, cos []string
		for _, c := range st.Contacts {
			names = append(names, c.Name)
		}
		for _, c := range st.Companies {
			cos = append(cos, c.Name)
		}
		l1, d1 := countNames(t, "contact", names, want)
		l2, d2 := countNames(t, "company", cos, wantCo)
		lost, dup = lost+l1+l2, dup+d1+d2
		t.Logf("import round %2d: killed %-5v at %2d acks; resumers: %d ran, %d refused; %d contacts, %d companies",
			round, killed, at, len(outs), r, len(st.Contacts), len(st.Companies))
	}
	t.Logf("import: %d rounds, %d kills, %d second resumers refused; %d lost, %d duplicated", soakRounds(), kills, refused, lost, dup)
}

// soakFiles writes a HubSpot export of nc companies, n contacts, n deals
// (each with its contact and a company) and n/2 tasks on the deals.
func soakFiles(t *testing.T, e *cliEnv, nc, n int) (files []string, want map[string][]string) {
	t.Helper()
	want = map[string][]string{}
	var co, ct, de, ta strings.Builder
	co.WriteString("Record ID,Company name,Company Domain Name,Phone Number,Company owner,Industry,City,Country/Region,Create Date\n")
	for i := range nc {
		fmt.Fprintf(&co, "%d,Soak Company %03d,soak%d.example,,Boris Manager,Software,Berlin,Germany,2024-01-10 09:00\n", 9000+i, i, i)
		want["companies"] = append(want["companies"], fmt.Sprintf("Soak Company %03d", i))
	}
	ct.WriteString("Record ID,First Name,Last Name,Email,Phone Number,Mobile Phone Number,Job Title,Contact owner,Lifecycle Stage,Lead Status,Create Date,Associated Company ID\n")
	de.WriteString("Record ID,Deal Name,Amount,Pipeline,Deal Stage,Close Date,Deal owner,Create Date,Associated Contact IDs,Associated Company IDs\n")
	ta.WriteString("Record ID,Task Title,Due Date,Task Type,Assigned to,Task Status,Associated Deal IDs\n")
	for i := range n {
		fmt.Fprintf(&ct, "%d,Soak,Person %03d,soak%03d@example.org,,,Engineer,Boris Manager,lead,New,2024-01-12 11:00,%d\n", 100000+i, i, i, 9000+i%nc)
		want["contacts"] = append(want["contacts"], fmt.Sprintf("Soak Person %03d", i))
		fmt.Fprintf(&de, "%d,Soak deal %03d,1000,Sales Pipeline,Appointment scheduled,2024-04-30 00:00,Boris Manager,2024-02-10 10:00,%d,%d\n", 500000+i, i, 100000+i, 9000+i%nc)
		want["leads"] = append(want["leads"], fmt.Sprintf("Soak deal %03d", i))
		if i%2 == 0 {
			fmt.Fprintf(&ta, "%d,Soak task %03d,2024-04-01 10:00,CALL,Boris Manager,NOT_STARTED,%d\n", 700000+i, i, 500000+i)
			want["tasks"] = append(want["tasks"], fmt.Sprintf("Soak task %03d", i))
		}
	}
	for name, b := range map[string]*strings.Builder{"companies": &co, "contacts": &ct, "deals": &de, "tasks": &ta} {
		files = append(files, e.write(t, "hubspot-crm-exports-all-"+name+"-2024-03-15.csv", b.String()))
	}
	return files, want
}

func soakMigrate(t *testing.T, bin string, rnd *rand.Rand) {
	const nc, n = 20, 120
	tables, err := filepath.Abs(fixtureFiles(t, "hubspot", "tables.yaml")[0])
	if err != nil {
		t.Fatal(err)
	}
	var kills, refused, lost, dup int
	for round := range soakRounds() {
		e := newCLIEnv(t)
		e.emu.SetLatency(5 * time.Millisecond)
		files, want := soakFiles(t, e, nc, n)
		env := append(os.Environ(), "KOMMO_BASE_URL="+e.url, "KOMMO_TOKEN=cli-token")
		args := append([]string{"migrate", "--from", "hubspot", "--create-fields", "--tables", tables, "--results", e.dir,
			"--rate", "0", "--batch", "10", "--workers", "2"}, files...)
		journals := filepath.Join(e.dir, "soakm-*.journal")
		p := startProc(t, bin, env, append(args, "--job", "soakm")...)
		target := rnd.IntN(28) // of some 32 acks; 0: at any moment, fields and lookups included
		killed, at := killAtRandom(p, journals, target, rnd)
		if killed {
			kills++
		}
		if round%2 == 1 {
			e.emu.DropNext(1, true)
		}
		outs, r := overlappingResumes(t, bin, env, append(args, "--resume", "soakm", "--json"))
		refused += r
		for _, out := range outs {
			var rep migrate.Report
			if err := json.NewDecoder(strings.NewReader(out)).Decode(&rep); err != nil {
				t.Errorf("round %d: report %q: %v", round, out, err)
				continue
			}
			for _, f := range rep.Files {
				if w := len(want[string(f.Entity)]); f.Created != w || f.Updated != 0 || f.Skipped != 0 || f.Failed != 0 {
					t.Errorf("round %d: %s: %d created, %d updated, %d skipped, %d failed; want %d created",
						round, f.File, f.Created, f.Updated, f.Skipped, f.Failed, w)
				}
			}
		}
		st := e.emu.Snapshot()
		got := map[string][]string{}
		for _, c := range st.Companies {
			got["companies"] = append(got["companies"], c.Name)
		}
		for _, c := range st.Contacts {
			got["contacts"] = append(got["contacts"], c.Name)
		}
		for _, l := range st.Leads {
			got["leads"] = append(got["leads"], l.Name)
		}
		for _, x := range st.Tasks {
			got["tasks"] = append(got["tasks"], x.Text)
		}
		for _, e := range []string{"companies", "contacts", "leads", "tasks"} {
			l, d := countNames(t, fmt.Sprintf("round %d: %s", round, e), got[e], want[e])
			lost, dup = lost+l, dup+d
		}
		for e, fields := range st.CustomFields {
			seen := map[string]bool{}
			for _, f := range fields {
				if seen[f.Name] {
					t.Errorf("round %d: %s field %q created twice", round, e, f.Name)
					dup++
				}
				seen[f.Name] = true
			}
		}
		linked := map[string]bool{}
		for _, l := range st.Links {
			if l.EntityType == "leads" || l.ToEntityType == "leads" {
				linked[fmt.Sprint(l.EntityType, l.EntityID, l.ToEntityType, l.ToEntityID)] = true
			}
		}
		t.Logf("migrate round %2d: killed %-5v at %2d acks; resumers: %d ran, %d refused; %d/%d/%d/%d companies/contacts/leads/tasks, %d lead links",
			round, killed, at, len(outs), r, len(st.Companies), len(st.Contacts), len(st.Leads), len(st.Tasks), len(linked))
		if len(linked) < 2*n {
			t.Errorf("round %d: %d links of leads, want %d (each deal to its contact and company)", round, len(linked), 2*n)
		}
	}
	t.Logf("migrate: %d rounds, %d kills, %d second resumers refused; %d lost, %d duplicated", soakRounds(), kills, refused, lost, dup)
}
