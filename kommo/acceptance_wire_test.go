package kommo_test

// Acceptance tests that look at what goes on the wire: the request bodies
// and URLs the client sends, recorded below the client, and what the
// emulator makes of them.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// wireReq is one request as it left the client.
type wireReq struct {
	method, url string
	body        []byte
}

// wire is a Doer that records every request before sending it.
type wire struct {
	mu   sync.Mutex
	reqs []wireReq
	hc   *http.Client
}

func (w *wire) Do(r *http.Request) (*http.Response, error) {
	var b []byte
	if r.Body != nil {
		var err error
		if b, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	w.mu.Lock()
	w.reqs = append(w.reqs, wireReq{method: r.Method, url: r.URL.String(), body: b})
	w.mu.Unlock()
	return w.hc.Do(r)
}

// sent returns the requests recorded so far and forgets them.
func (w *wire) sent() []wireReq {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.reqs
	w.reqs = nil
	return out
}

// last returns the body of the last request recorded.
func (w *wire) last(t *testing.T) string {
	t.Helper()
	reqs := w.sent()
	if len(reqs) == 0 {
		t.Fatal("no request on the wire")
	}
	return string(reqs[len(reqs)-1].body)
}

// newWireEnv is newEnv with a client whose requests are recorded.
func newWireEnv(t *testing.T, opts kt.Options, copts ...kommo.Option) (*env, *wire) {
	t.Helper()
	w := &wire{hc: &http.Client{}}
	return newEnv(t, opts, append([]kommo.Option{kommo.WithDoer(w)}, copts...)...), w
}

func tagNames(tags []kommo.Tag) []string {
	var out []string
	for _, t := range tags {
		out = append(out, t.Name)
	}
	return out
}

// TestAcceptanceClearTags: Kommo detaches every tag on
// "_embedded":{"tags":null}; an _embedded without a tags key keeps them.
func TestAcceptanceClearTags(t *testing.T) {
	e, w := newWireEnv(t, kt.Options{})
	ctx := t.Context()
	c := e.client
	tagged := kommo.TagRefs{{Name: "vip"}, {Name: "2026"}}

	lead := must[[]*kommo.WriteResult](t)(c.Leads.Create(ctx, []kommo.LeadRequest{{Name: "L", Embedded: &kommo.LeadRequestEmbedded{Tags: tagged}}}))[0].ID
	keep := must[[]*kommo.WriteResult](t)(c.Leads.Create(ctx, []kommo.LeadRequest{{Name: "K", Embedded: &kommo.LeadRequestEmbedded{Tags: tagged}}}))[0].ID
	w.sent()

	must[*kommo.WriteResult](t)(c.Leads.UpdateOne(ctx, lead, kommo.LeadRequest{Embedded: &kommo.LeadRequestEmbedded{Tags: kommo.ClearTags()}}))
	if got, want := w.last(t), `{"_embedded":{"tags":null}}`; got != want {
		t.Errorf("clear tags body = %s, want %s", got, want)
	}
	if l := must[*kommo.Lead](t)(c.Leads.Get(ctx, lead)); len(l.Embedded.Tags) != 0 {
		t.Errorf("tags after clearing = %v", tagNames(l.Embedded.Tags))
	}

	must[[]*kommo.WriteResult](t)(c.Leads.Update(ctx, []kommo.LeadRequest{{ID: keep, Name: "K2", Embedded: &kommo.LeadRequestEmbedded{}}}))
	if got, want := w.last(t), `[{"id":`; !strings.HasPrefix(got, want) || strings.Contains(got, "tags") {
		t.Errorf("rename body = %s, want no tags key", got)
	}
	if l := must[*kommo.Lead](t)(c.Leads.Get(ctx, keep)); l.Name != "K2" || len(l.Embedded.Tags) != 2 {
		t.Errorf("lead without a tags key = %q %v, want K2 with 2 tags", l.Name, tagNames(l.Embedded.Tags))
	}

	// Contacts and companies share the embedded request type.
	ct := must[[]*kommo.WriteResult](t)(c.Contacts.Create(ctx, []kommo.ContactRequest{{Name: "C", Embedded: &kommo.EntityRequestEmbedded{Tags: tagged}}}))[0].ID
	co := must[[]*kommo.WriteResult](t)(c.Companies.Create(ctx, []kommo.CompanyRequest{{Name: "Co", Embedded: &kommo.EntityRequestEmbedded{Tags: tagged}}}))[0].ID
	w.sent()
	must[[]*kommo.WriteResult](t)(c.Contacts.Update(ctx, []kommo.ContactRequest{{ID: ct, Embedded: &kommo.EntityRequestEmbedded{Tags: kommo.ClearTags()}}}))
	if got := w.last(t); !strings.Contains(got, `"_embedded":{"tags":null}`) {
		t.Errorf("contact clear body = %s", got)
	}
	must[[]*kommo.WriteResult](t)(c.Companies.Update(ctx, []kommo.CompanyRequest{{ID: co, Embedded: &kommo.EntityRequestEmbedded{Tags: []kommo.TagRef{}}}}))
	if got := w.last(t); !strings.Contains(got, `"_embedded":{"tags":null}`) {
		t.Errorf("company clear body = %s", got)
	}
	if x := must[*kommo.Contact](t)(c.Contacts.Get(ctx, ct)); len(x.Embedded.Tags) != 0 {
		t.Errorf("contact tags after clearing = %v", tagNames(x.Embedded.Tags))
	}
	if x := must[*kommo.Company](t)(c.Companies.Get(ctx, co)); len(x.Embedded.Tags) != 0 {
		t.Errorf("company tags after clearing = %v", tagNames(x.Embedded.Tags))
	}

	// A request read back from JSON (a journal) still clears.
	var back kommo.LeadRequest
	if err := json.Unmarshal([]byte(`{"id":1,"_embedded":{"tags":null}}`), &back); err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(back); string(b) != `{"id":1,"_embedded":{"tags":null}}` {
		t.Errorf("round trip = %s", b)
	}
}

// fill sets every field reachable from v to a non-zero value, except
// fields of type kommo.Links, which write requests must leave out when
// zero.
func fill(v reflect.Value) {
	linksT := reflect.TypeFor[kommo.Links]()
	if v.Type() == reflect.TypeFor[json.RawMessage]() {
		v.SetBytes([]byte(`"x"`))
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() && v.Type().Field(i).Type != linksT {
				fill(f)
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0))
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k)
		if e.Kind() == reflect.Interface {
			e.Set(reflect.ValueOf("x"))
		} else {
			fill(e)
		}
		v.SetMapIndex(k, e)
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(7)
	case reflect.Float64:
		v.SetFloat(7.5)
	}
}

// linksKeys returns the paths of every "_links" key in a JSON document.
func linksKeys(doc any, path string) []string {
	var out []string
	switch x := doc.(type) {
	case map[string]any:
		for k, v := range x {
			if k == "_links" {
				out = append(out, path+"._links")
			}
			out = append(out, linksKeys(v, path+"."+k)...)
		}
	case []any:
		for _, v := range x {
			out = append(out, linksKeys(v, path+"[]")...)
		}
	}
	return out
}

// TestWriteBodiesHaveNoLinks marshals every write request type with all
// its fields set: none may carry a "_links" key (an empty "_links":{} is
// noise Kommo does not document for writes).
func TestWriteBodiesHaveNoLinks(t *testing.T) {
	types := []any{
		&kommo.LeadRequest{}, &kommo.ContactRequest{}, &kommo.CompanyRequest{}, &kommo.TaskRequest{},
		&kommo.NoteRequest{}, &kommo.TagRequest{}, &kommo.CustomFieldRequest{}, &kommo.EntityLink{},
		&kommo.ComplexLead{},
	}
	for _, v := range types {
		fill(reflect.ValueOf(v).Elem())
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%T: %v", v, err)
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%T: %v", v, err)
		}
		if keys := linksKeys(doc, reflect.TypeOf(v).Elem().Name()); len(keys) > 0 {
			t.Errorf("%T marshals %v: %s", v, keys, b)
		}
	}
}

// TestAcceptanceWritesSendNoLinks sends writes that embed entity
// references (the ones that used to carry "_links":{}) and checks the
// bodies on the wire.
func TestAcceptanceWritesSendNoLinks(t *testing.T) {
	e, w := newWireEnv(t, kt.Options{})
	ctx := t.Context()
	c := e.client
	co := must[[]*kommo.WriteResult](t)(c.Companies.Create(ctx, []kommo.CompanyRequest{{Name: "Co"}}))[0].ID
	ct := must[[]*kommo.WriteResult](t)(c.Contacts.Create(ctx, []kommo.ContactRequest{{Name: "C", Embedded: &kommo.EntityRequestEmbedded{Companies: []kommo.EntityRef{{ID: co}}}}}))[0].ID
	lead := must[[]*kommo.WriteResult](t)(c.Leads.Create(ctx, []kommo.LeadRequest{{Name: "L", Embedded: &kommo.LeadRequestEmbedded{
		Contacts: []kommo.EntityRef{{ID: ct, IsMain: true}}, Companies: []kommo.EntityRef{{ID: co}}}}}))[0].ID
	must[[]*kommo.EntityLink](t)(c.Links.Link(ctx, kommo.EntityLeads, lead, []kommo.EntityLink{{ToEntityID: ct, ToEntityType: kommo.EntityContacts}}))
	reqs := w.sent()
	if len(reqs) != 4 {
		t.Fatalf("%d requests, want 4", len(reqs))
	}
	for _, r := range reqs {
		var doc any
		if err := json.Unmarshal(r.body, &doc); err != nil {
			t.Fatalf("%s %s: %v", r.method, r.url, err)
		}
		if keys := linksKeys(doc, "body"); len(keys) > 0 {
			t.Errorf("%s %s sends %v: %s", r.method, r.url, keys, r.body)
		}
	}
	l := must[*kommo.Lead](t)(c.Leads.Get(ctx, lead, "contacts"))
	if !slices.ContainsFunc(l.Embedded.Contacts, func(r kommo.EntityRef) bool { return r.ID == ct && r.IsMain }) ||
		len(l.Embedded.Companies) != 1 || l.Embedded.Companies[0].Links.Self == nil {
		t.Errorf("lead links = %+v", l.Embedded)
	}
}

// TestAcceptancePriceWithCents: the client sends a decimal price as a JSON
// number (as the official SDK does since Kommo added minor units); Kommo
// keeps the integer price and serves price_with_minor_units, which the
// client reads in preference.
func TestAcceptancePriceWithCents(t *testing.T) {
	e, w := newWireEnv(t, kt.Options{})
	ctx := t.Context()
	c := e.client
	p := 1234.56
	id := must[[]*kommo.WriteResult](t)(c.Leads.Create(ctx, []kommo.LeadRequest{{Name: "Cents", Price: &p}}))[0].ID
	if got := w.last(t); !strings.Contains(got, `"price":1234.56`) {
		t.Errorf("create body = %s, want \"price\":1234.56", got)
	}
	if st := e.emu.Snapshot(); len(st.Leads) != 1 || st.Leads[0].Price != 1234.56 {
		t.Errorf("stored leads = %+v, want price 1234.56", st.Leads)
	}
	l := must[*kommo.Lead](t)(c.Leads.Get(ctx, id))
	if l.Price != 1234.56 {
		t.Errorf("read price = %v, want 1234.56", l.Price)
	}
	// What the emulator sends: the whole price and the one with cents.
	hreq, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.url+"/api/v4/leads/"+strconv.Itoa(id), nil)
	hreq.Header.Set("Authorization", "Bearer "+token)
	hr, err := http.DefaultClient.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	defer hr.Body.Close()
	var raw map[string]any
	if err := json.NewDecoder(hr.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	if raw["price"] != 1234.0 || raw["price_with_minor_units"] != 1234.56 {
		t.Errorf("served price = %v, price_with_minor_units = %v", raw["price"], raw["price_with_minor_units"])
	}

	p2 := 99.9
	must[*kommo.WriteResult](t)(c.Leads.UpdateOne(ctx, id, kommo.LeadRequest{Price: &p2}))
	if got := w.last(t); got != `{"price":99.9}` {
		t.Errorf("update body = %s", got)
	}
	in := must[[]*kommo.Lead](t)(c.Leads.List(ctx, &kommo.LeadListOptions{Price: &kommo.Range{From: 99, To: 100}}))
	if len(in) != 1 || in[0].Price != 99.9 {
		t.Errorf("price 99..100 = %+v, want the 99.9 lead", in)
	}
}

// TestLeadPriceDecoding: price_with_minor_units wins over price; without
// it, price is read.
func TestLeadPriceDecoding(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want float64
	}{
		{`{"id":1,"price":1234,"price_with_minor_units":1234.56}`, 1234.56},
		{`{"id":1,"price_with_minor_units":0.5,"price":0}`, 0.5},
		{`{"id":1,"price":1500}`, 1500},
		{`{"id":1,"price":null,"price_with_minor_units":null}`, 0},
	} {
		var l kommo.Lead
		if err := json.Unmarshal([]byte(tt.in), &l); err != nil || l.Price != tt.want || l.ID != 1 {
			t.Errorf("decode %s = price %v id %d (%v), want %v", tt.in, l.Price, l.ID, err, tt.want)
		}
	}
}

// TestAcceptanceAccountWith: the account takes Kommo's with values and
// ignores others (amoCRM's invoices_settings and is_api_filter_enabled,
// typos) rather than refusing the request.
func TestAcceptanceAccountWith(t *testing.T) {
	e, _ := newWireEnv(t, kt.Options{})
	ctx := t.Context()
	get := func(with string) map[string]any {
		t.Helper()
		req, err := e.client.NewRequest(ctx, http.MethodGet, "api/v4/account?with="+with, nil)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		if _, err := e.client.Do(req, &out); err != nil {
			t.Fatalf("with=%s: %v", with, err)
		}
		return out
	}
	acct := get("amojo_id,amojo_rights,users_groups,task_types,version,entity_names,datetime_settings,drive_url")
	emb, _ := acct["_embedded"].(map[string]any)
	for _, k := range []string{"amojo_id", "amojo_rights", "version", "drive_url"} {
		if _, ok := acct[k]; !ok {
			t.Errorf("with=%s: no %s in the account", k, k)
		}
	}
	for _, k := range []string{"users_groups", "task_types", "entity_names", "datetime_settings"} {
		if _, ok := emb[k]; !ok {
			t.Errorf("with=%s: no _embedded.%s in the account", k, k)
		}
	}
	plain := get("")
	other := get("is_api_filter_enabled,invoices_settings,bogus")
	if len(other) != len(plain) || other["_embedded"] != nil {
		t.Errorf("with values outside Kommo's list changed the account: %v", other)
	}
	if _, ok := other["is_api_filter_enabled"]; ok {
		t.Error("is_api_filter_enabled (amoCRM) served")
	}
}
