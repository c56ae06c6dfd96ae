package migrate

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

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
	// failed are the notes not written, by file.
	failed map[string]int
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
		at := time.Unix(n.CreatedAt, 0).UTC().Format("2006-01-02 15:04")
		if n.CreatedAt > time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix() {
			at = "now" // not given: the emulator's clock
		}
		out = append(out, fmt.Sprintf("%s | %s | %d | %s | %s", names[fmt.Sprintf("%s/%d", n.EntityType, n.EntityID)], n.NoteType,
			n.CreatedBy, at, strings.ReplaceAll(text, "\n", " / ")))
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
	{
		source: "salesforce",
		files: [][2]string{
			{"Account.csv", "Id,IsDeleted,Name,OwnerId\n001A,false,Acme,005A\n"},
			{"Contact.csv", "Id,IsDeleted,AccountId,FirstName,LastName,Email,OwnerId\n003A,false,001A,Ada,Lovelace,ada@example.com,005A\n"},
			{"Opportunity.csv", "Id,IsDeleted,AccountId,Name,Amount,OwnerId\n006A,false,001A,Acme renewal,1200,005B\n"},
			{"Note.csv", "Id,IsDeleted,ParentId,Title,Body,OwnerId,CreatedDate\n" +
				"002A,false,001A,Visit,Met the CFO,005A,2024-03-15T14:02:00.000Z\n" +
				"002B,false,006A,Pricing,Wants 10% off,005B,2024-03-16T09:30:00.000Z\n" +
				"002C,true,006A,Old,Deleted note,005B,2024-03-16T09:31:00.000Z\n"},
			{"Event.csv", "Id,IsDeleted,WhoId,WhatId,Subject,Description,ActivityDateTime,OwnerId\n" +
				"00UA,false,003A,,Demo,Showed the product,2024-03-17T10:00:00.000Z,005A\n"},
		},
		users: map[string]string{"005A": "Ana Admin", "005B": "chen@example.com"},
		want: []string{
			"company Acme | common | 1001 | 2024-03-15 14:02 | Ana Admin, 2024-03-15 14:02, from Salesforce / Subject: Visit / Met the CFO",
			"contact Ada Lovelace | common | 1001 | 2024-03-17 10:00 | Ana Admin, 2024-03-17 10:00, from Salesforce / Subject: Demo / Showed the product",
			"lead Acme renewal | common | 1003 | 2024-03-16 09:30 | Chen Sales, 2024-03-16 09:30, from Salesforce / Subject: Pricing / Wants 10% off",
		},
	},
	{
		source: "pipedrive",
		files: [][2]string{
			{"organizations.csv", "Organization - ID,Organization - Name\n11,Acme\n"},
			{"people.csv", "Person - ID,Person - Name,Person - Email (Work),Person - Organization ID\n21,Ada Lovelace,ada@example.com,11\n"},
			{"deals.csv", "Deal - ID,Deal - Title,Deal - Value,Deal - Person ID,Deal - Organization ID\n31,Acme renewal,1200,21,11\n"},
			{"notes.csv", "Note - ID,Note - Content,Note - Deal ID,Note - Person ID,Note - Organization ID,Note - User,Note - Add time\n" +
				"41,Asked for the price list,31,21,11,Boris Manager,2024-03-15 14:02:00\n" +
				"42,Prefers e-mail,,21,,Ana Admin,2024-03-16 09:30:00\n" +
				"43,New office,,,11,Ana Admin,2024-03-17 08:00:00\n"},
		},
		want: []string{
			"company Acme | common | 1001 | 2024-03-17 08:00 | Ana Admin, 2024-03-17 08:00, from Pipedrive / New office",
			"contact Ada Lovelace | common | 1001 | 2024-03-16 09:30 | Ana Admin, 2024-03-16 09:30, from Pipedrive / Prefers e-mail",
			"lead Acme renewal | common | 1002 | 2024-03-15 14:02 | Boris Manager, 2024-03-15 14:02, from Pipedrive / Asked for the price list",
		},
	},
	{
		source: "zoho",
		files: [][2]string{
			{"Accounts.csv", "Record Id,Account Name\nzA1,Acme\n"},
			{"Contacts.csv", "Record Id,First Name,Last Name,Email,Account Name.id\nzC1,Ada,Lovelace,ada@example.com,zA1\n"},
			{"Deals.csv", "Record Id,Deal Name,Amount,Contact Name.id,Account Name.id\nzD1,Acme renewal,1200,zC1,zA1\n"},
			{"Notes.csv", "Record Id,Note Title,Note Content,Parent ID,Parent Module,Note Owner,Created Time\n" +
				"zN1,Visit,Met the CFO,zA1,Accounts,Ana Admin,2024-03-15 14:02:00\n" +
				"zN2,,Wants 10% off,zD1,Deals,Boris Manager,2024-03-16 09:30:00\n"},
			{"Calls.csv", "Record Id,Subject,Call Type,Call Start Time,Call Duration,Call Result,Description,Who Id,What Id,Related Module,Call Owner\n" +
				"zK1,Intro,Outbound,2024-03-17 10:00:00,02:05,Interested,Went well,zC1,zD1,Deals,Boris Manager\n" +
				"zK2,Callback,Inbound,2024-03-18 11:00:00,00:30,,,zC1,,,Ana Admin\n"},
		},
		want: []string{
			"company Acme | common | 1001 | 2024-03-15 14:02 | Ana Admin, 2024-03-15 14:02, from Zoho CRM / Subject: Visit / Met the CFO",
			"contact Ada Lovelace | call_in | 1001 | 2024-03-18 11:00 | 30 s, , Zoho CRM: Ana Admin, 2024-03-18 11:00, from Zoho CRM / Subject: Callback",
			"lead Acme renewal | call_out | 1002 | 2024-03-17 10:00 | 125 s, , Zoho CRM: Boris Manager, 2024-03-17 10:00, from Zoho CRM / Subject: Intro / Went well / Interested",
			"lead Acme renewal | common | 1002 | 2024-03-16 09:30 | Boris Manager, 2024-03-16 09:30, from Zoho CRM / Wants 10% off",
		},
	},
	{
		source: "bitrix24",
		files: [][2]string{
			{"company.csv", "ID;Company name\n1;Acme\n"},
			{"contact.csv", "ID;First name;Last name;Company ID\n2;Ada;Lovelace;1\n"},
			{"deal.csv", "ID;Deal name;Amount;Contact ID;Company ID\n3;Acme renewal;1200;2;1\n"},
			{"comments.csv", "ID;CREATED;ENTITY_ID;ENTITY_TYPE;AUTHOR_ID;COMMENT;FILES\n" +
				"51;15.03.2024 14:02:00;3;deal;7;Asked for the price list;price.xlsx\n" +
				"52;16.03.2024 09:30:00;2;contact;8;Prefers e-mail;\n" +
				// A Bitrix24 lead's comment: its ids are not the deals'.
				"53;16.03.2024 10:00:00;3;lead;8;Lead comment;\n"},
			{"activities.csv", "ID;OWNER_TYPE_ID;OWNER_ID;SUBJECT;DESCRIPTION;START_TIME;AUTHOR_ID\n" +
				"61;4;1;Visit;Met the CFO;17.03.2024 10:00:00;7\n"},
		},
		users:       map[string]string{"7": "Ana Admin", "8": "Boris Manager"},
		failed:      map[string]int{"comments.csv": 1},
		attachments: []string{"comments.csv:2 price.xlsx"},
		want: []string{
			// Moscow time, as the preset reads Bitrix24's dates.
			"company Acme | common | 1001 | 2024-03-17 07:00 | Ana Admin, 2024-03-17 07:00, from Bitrix24 / Subject: Visit / Met the CFO",
			"contact Ada Lovelace | common | 1002 | 2024-03-16 06:30 | Boris Manager, 2024-03-16 06:30, from Bitrix24 / Prefers e-mail",
			"lead Acme renewal | common | 1001 | 2024-03-15 11:02 | Ana Admin, 2024-03-15 11:02, from Bitrix24 / Asked for the price list",
		},
	},
	{
		source: "amocrm",
		files: [][2]string{
			{"amocrm_export_leads.csv", "ID;Название сделки;Бюджет;Ответственный;Примечание\n301;Acme renewal;1200;Ana Admin;Звонить после обеда\n302;Beta deal;500;Ana Admin;\n"},
			{"notes.csv", "ID,Entity type,Entity ID,Note type,Created at,Created by,Text,Phone,Duration,Call source,Call link,Call ID,Call result,Call status\n" +
				"901,leads,302,common,2024-03-15T14:02:00+03:00,Boris Manager,Sent the offer,,,,,,,\n" +
				"902,leads,301,call_out,2024-03-16T10:00:00+03:00,Ana Admin,,+74951234567,95,Mango,,c-1,Agreed,4\n"},
		},
		want: []string{
			"lead Acme renewal | call_out | 1001 | 2024-03-16 07:00 | 95 s, +74951234567, Mango: Ana Admin, 2024-03-16 07:00, from amoCRM / Kommo / Agreed",
			// The lead export's note: no author or date of its own.
			"lead Acme renewal | common | 1001 | now | Звонить после обеда",
			"lead Beta deal | common | 1002 | 2024-03-15 11:02 | Boris Manager, 2024-03-15 11:02, from amoCRM / Kommo / Sent the offer",
		},
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
					if f.Notes.Failed != src.failed[f.File] || f.Notes.Existing != 0 {
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

// A migration stopped in the middle of its notes (Ctrl-C, or a crash
// after Kommo wrote a batch whose answer never came) and resumed adds
// every note once: the journal settles what was written, and a batch
// sent without an answer is read back before anything is sent again.
func TestMigrateHistoryResume(t *testing.T) {
	for _, src := range histSources {
		t.Run(src.source, func(t *testing.T) {
			if len(src.want) < 2 {
				t.Fatalf("%s: %d notes, a resume needs two or more", src.source, len(src.want))
			}
			// The stop comes at the stop-th note (one a request): earlier
			// ones are journaled as written, the stop-th is written with
			// its answer lost, later ones are not sent.
			stop := int32(len(src.want)+1) / 2
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var posts atomic.Int32
			e := newWrappedEnv(t, func(emu http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/notes") && posts.Add(1) == stop {
						// Kommo writes the batch; the answer is lost and
						// the run is stopped.
						emu.ServeHTTP(httptest.NewRecorder(), r)
						cancel()
						w.WriteHeader(http.StatusBadGateway)
						return
					}
					emu.ServeHTTP(w, r)
				})
			})
			opts := Options{CreateFields: true, Users: src.users, JobID: "run1", BatchSize: 1}
			_, err := Run(ctx, e.c, fitFiles(t, e.dir, "run1", src.source, src.files), opts)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Run = %v, want context.Canceled", err)
			}
			if n := len(e.emu.Snapshot().Notes); n != int(stop) {
				t.Fatalf("stopped with %d notes, want %d of %d", n, stop, len(src.want))
			}
			opts.Resume = true
			rep, err := Run(t.Context(), e.c, fitFiles(t, e.dir, "run1", src.source, src.files), opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(src.want, noteLines(e.emu.Snapshot())); diff != "" {
				t.Errorf("notes after the resume (-want +got):\n%s", diff)
			}
			resumed, written := 0, 0
			for _, f := range rep.Files {
				if f.Notes != nil {
					resumed += f.Notes.Resumed
					written += f.Notes.Written
				}
			}
			if written != len(src.want) || stop > 1 && resumed == 0 {
				t.Errorf("resumed run: %d notes written (%d settled by the first run), want %d", written, resumed, len(src.want))
			}
		})
	}
}

// An author that matches no user stops the migration before anything is
// written, with the owners that match nothing.
func TestMigrateHistoryUnknownAuthor(t *testing.T) {
	src := histSources[0]
	files := slices.Clone(src.files)
	files[3][1] = strings.Replace(files[3][1], "Prefers e-mail,2024-03-16 09:30,Ana Admin", "Prefers e-mail,2024-03-16 09:30,Zed Unknown", 1)
	e := newWireEnv(t)
	_, err := Run(t.Context(), e.c, fitFiles(t, e.dir, "run1", src.source, files), Options{CreateFields: true, Users: src.users})
	var ue *UnmatchedError
	if !errors.As(err, &ue) {
		t.Fatalf("Run = %v, want *UnmatchedError", err)
	}
	want := []Unmatched{{File: "notes.csv", Column: "Activity assigned to", Kind: "user", Value: "Zed Unknown", Rows: 1}}
	if diff := cmp.Diff(want, ue.Values, cmpopts.IgnoreFields(Unmatched{}, "Closest"), cmpopts.IgnoreUnexported(Unmatched{})); diff != "" {
		t.Errorf("unmatched (-want +got):\n%s", diff)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.bodies) != 0 {
		t.Errorf("requests that write were sent: %v", slices.Collect(maps.Keys(e.bodies)))
	}
}

// The history can come after the cards, in a migration of its own: its
// notes land on the records the earlier one wrote, found by their source
// ids in the account.
func TestMigrateHistoryLater(t *testing.T) {
	src := histSources[0]
	e := newTestEnv(t)
	var cards, history [][2]string
	for _, f := range src.files {
		if f[0] == "notes.csv" || f[0] == "calls.csv" {
			history = append(history, f)
		} else {
			cards = append(cards, f)
		}
	}
	if _, err := Run(t.Context(), e.c, fitFiles(t, e.dir, "cards", src.source, cards), Options{CreateFields: true, Users: src.users, JobID: "cards"}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.emu.Snapshot().Notes); n != 0 {
		t.Fatalf("%d notes after the cards", n)
	}
	if _, err := Run(t.Context(), e.c, fitFiles(t, e.dir, "history", src.source, history), Options{Users: src.users, JobID: "history"}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(src.want, noteLines(e.emu.Snapshot())); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
}

// A dry run counts the notes it would write and writes none.
func TestMigrateHistoryDryRun(t *testing.T) {
	src := histSources[0]
	e := newTestEnv(t)
	rep, err := Run(t.Context(), e.c, fitFiles(t, e.dir, "dry", src.source, src.files), Options{CreateFields: true, Users: src.users, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	would := 0
	for _, f := range rep.Files {
		if f.Notes != nil {
			would += f.Notes.Written
		}
	}
	if st := e.emu.Snapshot(); len(st.Notes) != 0 || len(st.Leads) != 0 || would != len(src.want) {
		t.Errorf("dry run: %d notes and %d leads written, %d notes counted; want 0, 0, %d", len(st.Notes), len(st.Leads), would, len(src.want))
	}
}

// A sample writes the notes of its records; the full run afterwards adds
// the rest and none twice.
func TestMigrateHistorySampleThenRest(t *testing.T) {
	src := histSources[0]
	e := newTestEnv(t)
	if _, err := Run(t.Context(), e.c, fitFiles(t, e.dir, "s", src.source, src.files), Options{CreateFields: true, Users: src.users, Sample: 1, JobID: "s"}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.emu.Snapshot().Notes); n == 0 {
		t.Fatal("the sample wrote no notes")
	}
	if _, err := Run(t.Context(), e.c, fitFiles(t, e.dir, "full", src.source, src.files), Options{CreateFields: true, Users: src.users, JobID: "full"}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(src.want, noteLines(e.emu.Snapshot())); diff != "" {
		t.Errorf("notes after the sample and the rest (-want +got):\n%s", diff)
	}
}

// A second migration that brings new notes and is stopped in the middle
// of them, then resumed, adds the new ones once and the first
// migration's none again: on resume too, the notes the records already
// have are left out.
func TestMigrateHistorySecondRunResumed(t *testing.T) {
	src := histSources[0]
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stop atomic.Bool
	var posts atomic.Int32
	e := newWrappedEnv(t, func(emu http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if stop.Load() && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/notes") && posts.Add(1) == 1 {
				emu.ServeHTTP(w, r)
				cancel() // stopped after the first new note
				return
			}
			emu.ServeHTTP(w, r)
		})
	})
	opts := Options{CreateFields: true, Users: src.users, JobID: "first", BatchSize: 1}
	if _, err := Run(t.Context(), e.c, fitFiles(t, e.dir, "first", src.source, src.files), opts); err != nil {
		t.Fatal(err)
	}
	// The export a week later: two notes more.
	files := slices.Clone(src.files)
	files[3][1] += "7003,Sent the contract,2024-03-20 10:00,Ana Admin,5001,,\n7004,Contract signed,2024-03-21 11:00,Ana Admin,5001,,\n"
	stop.Store(true)
	opts.JobID = "second"
	if _, err := Run(ctx, e.c, fitFiles(t, e.dir, "second", src.source, files), opts); !errors.Is(err, context.Canceled) {
		t.Fatalf("second run = %v, want context.Canceled", err)
	}
	opts.Resume = true
	if _, err := Run(t.Context(), e.c, fitFiles(t, e.dir, "second", src.source, files), opts); err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(src.want),
		"lead Acme renewal | common | 1001 | 2024-03-20 10:00 | Ana Admin, 2024-03-20 10:00, from HubSpot / Sent the contract",
		"lead Acme renewal | common | 1001 | 2024-03-21 11:00 | Ana Admin, 2024-03-21 11:00, from HubSpot / Contract signed")
	slices.Sort(want)
	if diff := cmp.Diff(want, noteLines(e.emu.Snapshot())); diff != "" {
		t.Errorf("notes after the second run, stopped and resumed (-want +got):\n%s", diff)
	}
}
