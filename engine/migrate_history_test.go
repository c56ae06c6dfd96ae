package engine

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/migrate"
)

// The page's migration takes history files like the others: detected as
// notes (a HubSpot notes export and a calls export, both), migrated with
// the cards, each note on its record; the report counts them.
func TestMigrationHistoryFiles(t *testing.T) {
	e, emu := setup(t)
	ids := openHubSpot(t, e)
	for _, n := range []string{"hubspot-crm-exports-all-notes-2024-03-15.csv", "hubspot-crm-exports-all-calls-2024-03-15.csv"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "migrate", "hubspot", n))
		if err != nil {
			t.Fatal(err)
		}
		fi, err := e.OpenFile(b, n, OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, fi.ID)
	}
	p := hubspotParams(t, e, ids)
	kinds := map[string]int{}
	for _, f := range p.Files {
		kinds[f.Entity]++
	}
	if kinds["notes"] != 2 {
		t.Fatalf("detected kinds %v, want two notes files", kinds)
	}
	det, err := e.DetectMigration(ids, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range det.Sources {
		seen := map[string]bool{}
		for _, k := range s.Entities {
			if seen[k] {
				t.Errorf("%s lists the kind %s twice: %v", s.Source, k, s.Entities)
			}
			seen[k] = true
		}
	}
	j, err := e.StartMigration(t.Context(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := j.Wait()
	if res.Status != "done" {
		t.Fatalf("migration: %s (%s)", res.Status, res.Error)
	}
	st := emu.Snapshot()
	calls := 0
	for _, n := range st.Notes {
		if n.NoteType == "call_in" || n.NoteType == "call_out" {
			calls++
		}
	}
	if len(st.Notes) != 5 || calls != 2 {
		t.Errorf("account has %d notes (%d calls), want 5 (2)", len(st.Notes), calls)
	}
	written := 0
	for _, f := range res.Report.Files {
		if f.Entity == migrate.EntityNotes && f.Notes != nil {
			written += f.Notes.Written
		}
	}
	if written != 5 || len(res.Report.Attachments) != 1 {
		t.Errorf("report: %d notes written, %d attachments; want 5 and 1", written, len(res.Report.Attachments))
	}
}

// The page chooses what becomes of overdue open tasks: the HubSpot task
// due 2024-04-01, not started, is left out with skip, and lands done
// with done; a policy the engine does not know is refused.
func TestMigrationOverdueTasks(t *testing.T) {
	for _, tc := range []struct {
		policy    string
		tasks     int
		completed int
	}{{"skip", 1, 1}, {"done", 2, 2}, {"", 2, 1}} {
		t.Run(tc.policy+"_", func(t *testing.T) {
			e, emu := setup(t)
			p := hubspotParams(t, e, openHubSpot(t, e))
			p.OverdueTasks = tc.policy
			j, err := e.StartMigration(t.Context(), p, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res := j.Wait(); res.Status != "done" {
				t.Fatalf("migration: %s (%s)", res.Status, res.Error)
			}
			st := emu.Snapshot()
			done := 0
			for _, tk := range st.Tasks {
				if tk.IsCompleted {
					done++
				}
			}
			if len(st.Tasks) != tc.tasks || done != tc.completed {
				t.Errorf("%d tasks, %d done; want %d, %d", len(st.Tasks), done, tc.tasks, tc.completed)
			}
		})
	}
	e, _ := setup(t)
	p := hubspotParams(t, e, openHubSpot(t, e))
	p.OverdueTasks = "later"
	if _, err := e.StartMigration(t.Context(), p, nil); err == nil {
		t.Error("StartMigration with overdueTasks later = nil error")
	}
}
