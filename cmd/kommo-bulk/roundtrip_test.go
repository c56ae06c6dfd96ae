package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// TestExportEditReimport is the round trip a CRM admin does: export to a
// spreadsheet, edit some cells, import the file back as an update with no
// mapping. Only the edited fields change; phones keep their types.
func TestExportEditReimport(t *testing.T) {
	for _, ext := range []string{".xlsx", ".csv"} {
		t.Run(ext, func(t *testing.T) {
			e := newCLIEnv(t)
			ctx := t.Context()
			c, _ := kommo.NewClient(e.url, kommo.WithToken("cli-token"), kommo.WithRateLimit(rate.Inf, 1))
			res, _, err := c.Contacts.Create(ctx, []kommo.ContactRequest{
				{Name: "Ada Lovelace", CustomFieldsValues: kommo.CustomFieldValues{
					{FieldCode: "PHONE", Values: []kommo.FieldValue{kommo.Multitext("+447911123456", "MOB"), kommo.Multitext("+442079460000", "WORK")}},
					{FieldCode: "EMAIL", Values: []kommo.FieldValue{kommo.Multitext("ada@example.org", "PRIV")}},
					{FieldCode: "POSITION", Values: []kommo.FieldValue{kommo.Text("Analyst")}},
					{FieldID: kt.SeedContactInterests, Values: []kommo.FieldValue{kommo.EnumCode("PRODUCT_A"), kommo.EnumCode("SERVICES")}},
				}},
				{Name: "Bob", CustomFieldsValues: kommo.CustomFieldValues{{FieldCode: "POSITION", Values: []kommo.FieldValue{kommo.Text("=cmd()")}}}},
			})
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(e.dir, "contacts"+ext)
			if code, out, errOut := e.run(t, "export", "contacts", "-o", path, "--rate", "0"); code != exitOK {
				t.Fatalf("export exit %d\n%s\n%s", code, out, errOut)
			}

			// Edit Ada's position and Bob's name.
			switch ext {
			case ".xlsx":
				f, err := excelize.OpenFile(path)
				if err != nil {
					t.Fatal(err)
				}
				sheet := f.GetSheetName(0)
				rows, _ := f.GetRows(sheet)
				col := func(name string) int {
					for i, h := range rows[0] {
						if h == name {
							return i + 1
						}
					}
					t.Fatalf("no column %q in %q", name, rows[0])
					return 0
				}
				cell, _ := excelize.CoordinatesToCellName(col("Position"), 2)
				f.SetCellValue(sheet, cell, "Countess")
				cell, _ = excelize.CoordinatesToCellName(col("Name"), 3)
				f.SetCellValue(sheet, cell, "Bob Jones")
				if err := f.SaveAs(path); err != nil {
					t.Fatal(err)
				}
			case ".csv":
				b, _ := os.ReadFile(path)
				s := strings.Replace(string(b), "Analyst", "Countess", 1)
				s = strings.Replace(s, ",Bob,", ",Bob Jones,", 1)
				os.WriteFile(path, []byte(s), 0o644)
			}

			writesBefore := e.emu.Stats().Writes
			code, out, errOut := e.run(t, "import", "--rate", "0", "--mode", "update", "--json", path)
			if code != exitOK {
				t.Fatalf("import exit %d\n%s\n%s", code, out, errOut)
			}
			if !strings.Contains(out, `"updated": 2`) {
				t.Errorf("summary = %s", out)
			}
			if w := e.emu.Stats().Writes - writesBefore; w != 1 {
				t.Errorf("%d write requests, want 1 batch", w)
			}
			ada, _, _ := c.Contacts.Get(ctx, res[0].ID)
			pos, _ := ada.CustomFieldsValues.Field(0, "POSITION")
			if len(pos.Values) != 1 || pos.Values[0].String() != "Countess" {
				t.Errorf("position = %+v", pos)
			}
			ph, _ := ada.CustomFieldsValues.Field(0, "PHONE")
			if len(ph.Values) != 2 || ph.Values[0].EnumCode != "MOB" || ph.Values[0].String() != "+447911123456" || ph.Values[1].EnumCode != "WORK" {
				t.Errorf("phones after the round trip = %+v", ph.Values)
			}
			em, _ := ada.CustomFieldsValues.Field(0, "EMAIL")
			if len(em.Values) != 1 || em.Values[0].EnumCode != "PRIV" {
				t.Errorf("email after the round trip = %+v", em.Values)
			}
			in, _ := ada.CustomFieldsValues.Field(kt.SeedContactInterests, "")
			if len(in.Values) != 2 {
				t.Errorf("interests after the round trip = %+v", in.Values)
			}
			bob, _, _ := c.Contacts.Get(ctx, res[1].ID)
			bpos, _ := bob.CustomFieldsValues.Field(0, "POSITION")
			if bob.Name != "Bob Jones" || len(bpos.Values) != 1 || bpos.Values[0].String() != "=cmd()" {
				t.Errorf("bob = %q, position %+v (the formula guard must not stick)", bob.Name, bpos.Values)
			}
		})
	}
}

// TestExportReimportUnchanged exports contacts whose name and text field
// start or end with white space, formula triggers or apostrophes, and
// imports the file back unchanged as an update: every value must stay
// exactly as it was in Kommo.
func TestExportReimportUnchanged(t *testing.T) {
	values := []string{"\t=cmd", "  =spaced", "'=quoted", "''=twice", "'tis", "-1+2", "@sum", " trailing ", "a  b",
		"multi\nline", "\r=cr", "+44 20 7946 0958", `=HYPERLINK("http://x")`, "end tab\t", "'", "-"}
	for _, ext := range []string{".xlsx", ".csv"} {
		t.Run(ext, func(t *testing.T) {
			e := newCLIEnv(t)
			ctx := t.Context()
			c, _ := kommo.NewClient(e.url, kommo.WithToken("cli-token"), kommo.WithRateLimit(rate.Inf, 1))
			var reqs []kommo.ContactRequest
			for _, v := range values {
				reqs = append(reqs, kommo.ContactRequest{Name: v, CustomFieldsValues: kommo.CustomFieldValues{
					{FieldCode: "POSITION", Values: []kommo.FieldValue{kommo.Text(v)}}}})
			}
			res, _, err := c.Contacts.Create(ctx, reqs)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(e.dir, "contacts"+ext)
			if code, out, errOut := e.run(t, "export", "contacts", "-o", path, "--rate", "0"); code != exitOK {
				t.Fatalf("export exit %d\n%s\n%s", code, out, errOut)
			}
			if code, out, errOut := e.run(t, "import", "--rate", "0", "--mode", "update", "--json", path); code != exitOK {
				t.Fatalf("import exit %d\n%s\n%s", code, out, errOut)
			}
			for i, v := range values {
				got, _, err := c.Contacts.Get(ctx, res[i].ID)
				if err != nil {
					t.Fatal(err)
				}
				pos, _ := got.CustomFieldsValues.Field(0, "POSITION")
				if got.Name != v || len(pos.Values) != 1 || pos.Values[0].String() != v {
					t.Errorf("after export and re-import: name %q, position %+v; want %q for both", got.Name, pos.Values, v)
				}
			}
		})
	}
}
