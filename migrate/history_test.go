package migrate

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// histSource is one source's exports for a history migration: card files
// and history files (name → CSV text, its first line the header), with the
// notes that must land.
type histSource struct {
	source string
	files  [][2]string
	users  map[string]string
	// want are the notes that land, as noteLines writes them.
	want []string
	// attachments are the files listed as not migrated: "file:line name".
	attachments []string
}

// fitFiles fits a source's preset to each file as the CLI does: the
// kind detected from the file's name and header.
func fitFiles(t *testing.T, dir, job, source string, files [][2]string) []File {
	t.Helper()
	p, err := PresetFor(source)
	if err != nil {
		t.Fatal(err)
	}
	var out []File
	for _, nf := range files {
		name, text := nf[0], nf[1]
		sep := sheet.CSVOptions{Name: name}
		t0, err := sheet.OpenCSV(strings.NewReader(text), sep)
		if err != nil {
			t.Fatal(err)
		}
		header := t0.Header()
		t0.Close()
		ds := Detect([]*Preset{p}, name, header)
		if len(ds) == 0 {
			t.Fatalf("%s: no preset kind", name)
		}
		fit := ds[0].File.Fit(header, DefaultIDField)
		if len(fit.Ignored) > 0 {
			t.Fatalf("%s: %s %s kind ignores %q", name, source, ds[0].Entity, fit.Ignored)
		}
		f := File{Name: name, Spec: fit.Spec, FieldTypes: fit.Types,
			Open: func() (sheet.Table, error) {
				return sheet.OpenCSV(strings.NewReader(text), sheet.CSVOptions{Name: name})
			},
			Journal: filepath.Join(dir, job+"-"+strings.TrimSuffix(name, filepath.Ext(name))+".journal")}
		if fit.History != nil {
			fit.History.Source = p.Name
			f.History = fit.History
		} else if len(fit.Spec.Notes) > 0 {
			f.History = &History{Source: p.Name}
		}
		if len(fit.Skip) > 0 {
			f.Skip = func(h, rec []string) (string, bool) { return fit.Skips(h, rec) }
		}
		out = append(out, f)
	}
	return out
}

// noteLines are the account's notes: "record name | type | author id |
// created_at (UTC) | text", sorted.
func noteLines(st kt.State) []string {
	names := map[string]string{}
	for _, x := range st.Leads {
		names[fmt.Sprintf("leads/%d", x.ID)] = "lead " + x.Name
	}
	for _, x := range st.Contacts {
		names[fmt.Sprintf("contacts/%d", x.ID)] = "contact " + x.Name
	}
	for _, x := range st.Companies {
		names[fmt.Sprintf("companies/%d", x.ID)] = "company " + x.Name
	}
	var out []string
	for _, n := range st.Notes {
		text, _ := n.Params["text"].(string)
		switch n.NoteType {
		case kommo.NoteCallIn, kommo.NoteCallOut:
			text = fmt.Sprintf("%v s, %v, %v: %v", n.Params["duration"], n.Params["phone"], n.Params["source"], n.Params["call_result"])
		}
		out = append(out, fmt.Sprintf("%s | %s | %d | %s | %s", names[fmt.Sprintf("%s/%d", n.EntityType, n.EntityID)], n.NoteType,
			n.CreatedBy, time.Unix(n.CreatedAt, 0).UTC().Format("2006-01-02 15:04"), strings.ReplaceAll(text, "\n", " / ")))
	}
	sort.Strings(out)
	return out
}

var histSources = []histSource{
	{
		source: "hubspot",
		files: [][2]string{
			{"companies.csv", "Record ID,Company name,Company owner\n9001,Acme,Ana Admin\n"},
			{"contacts.csv", "Record ID,First Name,Last Name,Email,Contact owner,Associated Company ID\n101,Ada,Lovelace,ada@example.com,Ana Admin,9001\n"},
			{"deals.csv", "Record ID,Deal Name,Amount,Deal owner,Associated Contact IDs,Associated Company IDs\n5001,Acme renewal,1200,Jane Roe,101,9001\n"},
			{"notes.csv", "Record ID,Note body,Activity date,Activity assigned to,Associated Deal IDs,Associated Contact IDs,Attachments\n" +
				"7001,Asked for the price list,2024-03-15 14:02,Jane Roe,5001,,pricelist.pdf\n" +
				"7002,Prefers e-mail,2024-03-16 09:30,Ana Admin,,101,\n"},
			{"calls.csv", "Record ID,Call title,Call notes,Call direction,Call duration,To number,Activity date,Activity assigned to,Associated Deal IDs\n" +
				"8001,Intro call,Went well,OUTBOUND,125000,+14155550100,2024-03-17 10:00,Jane Roe,5001\n" +
				"8002,Callback,,INBOUND,30000,+14155550101,2024-03-18 11:00,Ana Admin,5001\n"},
		},
		users: map[string]string{"Jane Roe": "boris@example.com"},
		want: []string{
			"contact Ada Lovelace | common | 1001 | 2024-03-16 09:30 | Ana Admin, 2024-03-16 09:30, from HubSpot / Prefers e-mail",
			"lead Acme renewal | call_in | 1001 | 2024-03-18 11:00 | 30 s, +14155550101, HubSpot: Ana Admin, 2024-03-18 11:00, from HubSpot / Subject: Callback",
			"lead Acme renewal | call_out | 1002 | 2024-03-17 10:00 | 125 s, +14155550100, HubSpot: Boris Manager, 2024-03-17 10:00, from HubSpot / Subject: Intro call / Went well",
			"lead Acme renewal | common | 1002 | 2024-03-15 14:02 | Boris Manager, 2024-03-15 14:02, from HubSpot / Asked for the price list",
		},
		attachments: []string{"notes.csv:2 pricelist.pdf"},
	},
}

// A migration with history files lands every note, call and e-mail on
// the record the migration wrote for the source id it names, signed by
// its author through the users table, dated, with author and date in its
// first line; its attachments are listed, not migrated; a second run
// adds none.
func TestMigrateHistory(t *testing.T) {
	for _, src := range histSources {
		t.Run(src.source, func(t *testing.T) {
			e := newTestEnv(t)
			files := fitFiles(t, e.dir, "run1", src.source, src.files)
			rep, err := Run(t.Context(), e.c, files, Options{CreateFields: true, Users: src.users, JobID: "run1"})
			if err != nil {
				t.Fatal(err)
			}
			st := e.emu.Snapshot()
			if diff := cmp.Diff(src.want, noteLines(st)); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
			written := 0
			for _, f := range rep.Files {
				if f.Notes != nil {
					written += f.Notes.Written
					if f.Notes.Failed != 0 || f.Notes.Existing != 0 {
						t.Errorf("%s: notes %+v", f.File, *f.Notes)
					}
				}
			}
			if written != len(src.want) {
				t.Errorf("report counts %d notes written, want %d", written, len(src.want))
			}
			var atts []string
			for _, a := range rep.Attachments {
				atts = append(atts, fmt.Sprintf("%s:%d %s", a.File, a.Line, a.Name))
			}
			if diff := cmp.Diff(src.attachments, atts); diff != "" {
				t.Errorf("attachments not migrated (-want +got):\n%s", diff)
			}
			// A second run (another job: new journals) adds none.
			files = fitFiles(t, e.dir, "run2", src.source, src.files)
			rep, err = Run(t.Context(), e.c, files, Options{CreateFields: true, Users: src.users, JobID: "run2"})
			if err != nil {
				t.Fatal(err)
			}
			if got := noteLines(e.emu.Snapshot()); len(got) != len(src.want) {
				t.Errorf("after a second run, %d notes, want %d:\n%s", len(got), len(src.want), strings.Join(got, "\n"))
			}
			existing := 0
			for _, f := range rep.Files {
				if f.Notes != nil {
					existing += f.Notes.Existing
					if f.Notes.Written != 0 {
						t.Errorf("second run: %s wrote %d notes", f.File, f.Notes.Written)
					}
				}
			}
			if existing != len(src.want) {
				t.Errorf("second run counts %d notes as there, want %d", existing, len(src.want))
			}
		})
	}
}
