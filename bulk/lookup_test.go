package bulk

import (
	"fmt"
	"sync"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// TestFinderScanConcurrent has 8 workers find keys in a scan index while
// they add the records they "create" to it, as an import's workers do.
// Under -race it catches unguarded access to the index.
func TestFinderScanConcurrent(t *testing.T) {
	e := newTestEnv(t)
	ctx := t.Context()
	pre, _, err := e.c.Contacts.Create(ctx, []kommo.ContactRequest{{Name: "Ada", CustomFieldsValues: kommo.CustomFieldValues{
		{FieldCode: "EMAIL", Values: []kommo.FieldValue{kommo.Multitext("Ada@x.org", "WORK")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	f := newFinder(e.c, LookupScan, 0, "", nil)
	// The scan comes first: a record created before it is found by it.
	if _, err := f.find(ctx, kommo.EntityContacts, []mapping.MatchKey{emailKey("nobody@x.org")}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 200 {
				k := emailKey(fmt.Sprintf("w%d-%d@x.org", w, i))
				id := 1000*(w+1) + i
				f.learn(kommo.EntityContacts, k, id)
				got, err := f.find(ctx, kommo.EntityContacts, []mapping.MatchKey{k, emailKey("ada@x.org"), emailKey("nobody@x.org")})
				if err != nil {
					t.Error(err)
					return
				}
				if want := []int{id, pre[0].ID, 0}; fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("find(%s) = %v, want %v", k.Values[0], got, want)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := e.emu.Stats().ByEndpoint["GET /api/v4/contacts"]; n != 1 {
		t.Errorf("%d reads of the contacts list, want 1 (one scan)", n)
	}
}

func TestQueryTextOfNames(t *testing.T) {
	tests := []struct {
		kind mapping.MatchKind
		in   string
		want string
	}{
		{mapping.MatchName, value.Normalize(`ООО "Вектор"`), "вектор"},
		{mapping.MatchName, "acme gmbh", "acme"},
		{mapping.MatchEmail, "a@b.c", "a@b.c"},
		{mapping.MatchPhone, "+74951234567", "4951234567"},
	}
	for _, tt := range tests {
		if got := queryText(tt.kind, tt.in); got != tt.want {
			t.Errorf("queryText(%s, %q) = %q, want %q", tt.kind, tt.in, got, tt.want)
		}
	}
}
