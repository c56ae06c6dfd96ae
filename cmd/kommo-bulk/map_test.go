package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/mapping"
)

func TestMapThenImport(t *testing.T) {
	e := newCLIEnv(t)
	input := e.write(t, "hubspot-contacts.csv", "Record ID,First Name,Last Name,Email,Phone Number,Job Title,Favourite colour\n"+
		"101,Ada,Lovelace,ada@example.org,+447911123456,Countess,blue\n"+
		"102,Grace,Hopper,grace@example.org,+12025550143,Admiral,green\n")
	code, out, errOut := e.run(t, "map", input, "--entity", "contacts", "--rate", "0")
	if code != exitOK {
		t.Fatalf("map exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{`"Email"`, "EMAIL", `Not mapped: "Favourite colour"`, "entity: contacts"} {
		if !strings.Contains(out, want) {
			t.Errorf("map output lacks %q:\n%s", want, out)
		}
	}
	spec, err := mapping.ParseSpec([]byte(out))
	if err != nil {
		t.Fatalf("the proposal does not parse back: %v\n%s", err, out)
	}
	if spec.Key != "Record ID" {
		t.Errorf("key = %q, want the source id column", spec.Key)
	}
	specPath := e.write(t, "proposed.yaml", out)
	code, out, errOut = e.run(t, "import", input, "--mapping", specPath, "--mode", "upsert", "--rate", "0")
	if code != exitOK {
		t.Fatalf("import exit %d\n%s\n%s", code, out, errOut)
	}
	st := e.emu.Snapshot()
	if len(st.Contacts) != 2 || st.Contacts[0].Name == "" {
		t.Fatalf("contacts = %+v", st.Contacts)
	}

	// Without --mapping, the confident proposal is used as is.
	other := e.write(t, "more.csv", "First Name,Last Name,Email\nAlan,Turing,alan@example.org\n")
	if code, out, errOut := e.run(t, "import", other, "--entity", "contacts", "--rate", "0"); code != exitOK {
		t.Fatalf("import with the proposal exit %d\n%s\n%s", code, out, errOut)
	}
	if n := len(e.emu.Snapshot().Contacts); n != 3 {
		t.Errorf("%d contacts, want 3", n)
	}
	// A doubtful column stops it, naming the column.
	doubt := e.write(t, "doubt.csv", "First Name,Emial adress\nAlan,alan@example.org\n")
	code, _, errOut = e.run(t, "import", doubt, "--entity", "contacts", "--rate", "0")
	if code != exitUsage || !strings.Contains(errOut, "Emial adress") {
		t.Errorf("doubtful proposal: exit %d: %s", code, errOut)
	}
	if code, _, _ := e.run(t, "map", input, "--entity", "deals"); code != exitUsage {
		t.Errorf("bad entity exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "doubt.success.csv")); err == nil {
		t.Error("a stopped import wrote result files")
	}
}

// map needs no account: it proposes the standard fields and the fields
// every account has, says that the rest was not checked, and the spec
// imports into an account.
func TestMapWithoutAccount(t *testing.T) {
	e := newCLIEnv(t)
	input := e.write(t, "people.csv", "Full name,E-mail,Mobile phone,Job title,Favourite colour\nAda Lovelace,ada@example.org,+447911123456,Countess,blue\n")
	m, out, errb := testMain(map[string]string{}) // no KOMMO_* variables
	if code := m.Run(t.Context(), []string{"map", input, "--entity", "contacts"}); code != exitOK {
		t.Fatalf("map without an account = %d\n%s\n%s", code, out, errb)
	}
	for _, want := range []string{"field: EMAIL", "field: PHONE", "field: POSITION", "custom fields, stages and owners were not checked"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("map output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errb.String(), "no account given") {
		t.Errorf("stderr does not say the account's fields were not checked:\n%s", errb)
	}
	spec := e.write(t, "people.yaml", out.String())
	if code, out, errOut := e.run(t, "import", input, "--mapping", spec, "--rate", "0"); code != exitOK {
		t.Fatalf("import with the offline proposal = %d\n%s\n%s", code, out, errOut)
	}
	if st := e.emu.Snapshot(); len(st.Contacts) != 1 || st.Contacts[0].Name != "Ada Lovelace" || len(st.Contacts[0].CustomFieldsValues) != 3 {
		t.Errorf("contacts = %+v", st.Contacts)
	}
}
