package kommo_test

// The acceptance suite: the real client against the emulator, over real
// HTTP, for every operation the client offers. Both sides are built from
// ../shared/kommo-api.md, so a disagreement between them is a bug in one.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

const token = "acceptance-token"

// fakeClock advances one second per reading, so timestamps are distinct and
// reproducible and the emulator's limiter never runs dry.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

type env struct {
	emu    *kt.Server
	client *kommo.Client
	url    string
	sleeps *atomic.Int64
}

// newEnv starts an emulator (with opts; the token, fake clock and default
// seed are filled in) and a client on it that retries without sleeping.
func newEnv(t *testing.T, opts kt.Options, copts ...kommo.Option) *env {
	t.Helper()
	if opts.Tokens == nil {
		opts.Tokens = []string{token}
	}
	if opts.Now == nil {
		clk := &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
		opts.Now = clk.Now
	}
	emu, err := kt.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(func() { srv.Close(); emu.Close() })
	e := &env{emu: emu, url: srv.URL, sleeps: new(atomic.Int64)}
	base := []kommo.Option{
		kommo.WithToken(token),
		kommo.WithRateLimit(rate.Inf, 1),
		kommo.WithSleep(func(ctx context.Context, d time.Duration) error { e.sleeps.Add(1); return ctx.Err() }),
	}
	e.client, err = kommo.NewClient(srv.URL, append(base, copts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func must[T any](t *testing.T) func(v T, _ *kommo.Response, err error) T {
	return func(v T, _ *kommo.Response, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func resultIDs(rs []*kommo.WriteResult) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func TestAcceptanceSchema(t *testing.T) {
	e := newEnv(t, kt.Options{})
	ctx := t.Context()
	c := e.client

	acct := must[*kommo.Account](t)(c.Account.Get(ctx, "task_types"))
	if acct.ID != kt.SeedAccountID || acct.Subdomain != "example" || acct.CurrentUserID != kt.SeedUserAna {
		t.Errorf("account = %+v", acct)
	}
	var types []int
	for _, tt := range acct.Embedded.TaskTypes {
		types = append(types, tt.ID)
	}
	if !slices.Contains(types, kommo.TaskTypeFollowUp) || !slices.Contains(types, kommo.TaskTypeMeeting) || !slices.Contains(types, kt.SeedTaskTypeQuote) {
		t.Errorf("task types = %v", types)
	}

	users := must[[]*kommo.User](t)(c.Users.List(ctx, nil))
	if len(users) != 3 || users[0].ID != kt.SeedUserAna || users[0].Email == "" {
		t.Errorf("users = %+v", users)
	}
	u := must[*kommo.User](t)(c.Users.Get(ctx, kt.SeedUserChen))
	if u.Name != "Chen Sales" {
		t.Errorf("user = %+v", u)
	}
	var n int
	for u, err := range c.Users.ListIter(ctx, &kommo.UserListOptions{ListOptions: kommo.ListOptions{Limit: 2}}) {
		if err != nil {
			t.Fatal(err)
		}
		_ = u
		n++
	}
	if n != 3 {
		t.Errorf("ListIter over 2-user pages gave %d users, want 3", n)
	}

	pipes := must[[]*kommo.Pipeline](t)(c.Pipelines.List(ctx))
	if len(pipes) != 2 {
		t.Fatalf("%d pipelines, want 2", len(pipes))
	}
	for _, p := range pipes {
		var ids []int
		for _, s := range p.Statuses() {
			ids = append(ids, s.ID)
			if s.PipelineID != p.ID {
				t.Errorf("status %d says pipeline %d, in %d", s.ID, s.PipelineID, p.ID)
			}
		}
		if !slices.Contains(ids, kommo.StatusWon) || !slices.Contains(ids, kommo.StatusLost) {
			t.Errorf("pipeline %q statuses %v lack 142/143", p.Name, ids)
		}
	}
	p := must[*kommo.Pipeline](t)(c.Pipelines.Get(ctx, kt.SeedPipelineSales))
	if !p.IsMain || p.Name != "Sales" {
		t.Errorf("pipeline = %+v", p)
	}
	sts := must[[]*kommo.Status](t)(c.Pipelines.ListStatuses(ctx, kt.SeedPipelinePartners))
	if len(sts) == 0 || sts[0].Type != 1 || sts[0].Description == "" {
		t.Errorf("partner statuses = %+v", sts)
	}
	st := must[*kommo.Status](t)(c.Pipelines.GetStatus(ctx, kt.SeedPipelineSales, kommo.StatusWon))
	if st.IsEditable || st.PipelineID != kt.SeedPipelineSales {
		t.Errorf("won status = %+v", st)
	}

	for _, ent := range []kommo.EntityType{kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies} {
		all, err := c.CustomFields.All(ctx, ent)
		if err != nil || len(all) == 0 {
			t.Fatalf("%s fields: %d, %v", ent, len(all), err)
		}
		page, resp, err := c.CustomFields.List(ctx, ent, &kommo.CustomFieldListOptions{ListOptions: kommo.ListOptions{Limit: 2}})
		if err != nil || len(page) != 2 || resp.NextURL == "" {
			t.Errorf("%s first page: %d fields, next %q, %v", ent, len(page), resp.NextURL, err)
		}
	}
	phone := must[*kommo.CustomField](t)(c.CustomFields.Get(ctx, kommo.EntityContacts, kt.SeedContactPhone))
	if phone.Type != kommo.FieldMultitext || phone.Code != "PHONE" || len(phone.Enums) != 6 {
		t.Errorf("phone field = %+v", phone)
	}
	selects := must[[]*kommo.CustomField](t)(c.CustomFields.List(ctx, kommo.EntityLeads, &kommo.CustomFieldListOptions{Types: []kommo.FieldType{kommo.FieldSelect}}))
	if len(selects) != 1 || selects[0].ID != kt.SeedLeadSource {
		t.Errorf("select fields = %+v", selects)
	}
	created := must[[]*kommo.CustomField](t)(c.CustomFields.Create(ctx, kommo.EntityLeads, []kommo.CustomFieldRequest{
		{Name: "Region", Type: kommo.FieldSelect, Enums: []kommo.Enum{{Value: "North", Sort: 1}, {Value: "South", Sort: 2}}},
	}))
	if len(created) != 1 || created[0].ID == 0 {
		t.Fatalf("created field = %+v", created)
	}
	region := must[*kommo.CustomField](t)(c.CustomFields.Get(ctx, kommo.EntityLeads, created[0].ID))
	if region.Name != "Region" || len(region.Enums) != 2 || region.Enums[0].ID == 0 {
		t.Errorf("region field = %+v", region)
	}

	evTypes := must[[]*kommo.EventTypeInfo](t)(c.Events.Types(ctx, "en"))
	if len(evTypes) == 0 {
		t.Error("no event types")
	}
}

func TestAcceptanceCompaniesContactsLinks(t *testing.T) {
	e := newEnv(t, kt.Options{})
	ctx := t.Context()
	c := e.client

	comps := must[[]*kommo.WriteResult](t)(c.Companies.Create(ctx, []kommo.CompanyRequest{
		{Name: "Acme", RequestID: "c1", ResponsibleUserID: kt.SeedUserBoris, CustomFieldsValues: kommo.CustomFieldValues{
			{FieldCode: "WEB", Values: []kommo.FieldValue{kommo.Text("https://acme.example")}},
			{FieldID: kt.SeedCompanySmartAddr, Values: []kommo.FieldValue{kommo.AddressPart(kommo.AddressCity, "Berlin"), kommo.AddressPart(kommo.AddressZip, "10115")}},
			{FieldID: kt.SeedCompanyLegal, Values: []kommo.FieldValue{kommo.LegalEntityValue(kommo.LegalEntity{Name: "Acme GmbH", EntityType: 2, VATID: "DE123"})}},
			{FieldID: kt.SeedCompanyEmployees, Values: []kommo.FieldValue{kommo.Number(42)}},
		}, Embedded: &kommo.EntityRequestEmbedded{Tags: []kommo.TagRef{{Name: "vip"}}}},
		{Name: "Globex"}, // no request_id: Kommo echoes the index
	}))
	if len(comps) != 2 || comps[0].RequestID != "c1" || comps[1].RequestID != "1" || comps[0].ID == 0 {
		t.Fatalf("company results = %+v %+v", comps[0], comps[1])
	}
	acme := must[*kommo.Company](t)(c.Companies.Get(ctx, comps[0].ID))
	if acme.ResponsibleUserID != kt.SeedUserBoris || len(acme.Embedded.Tags) != 1 || acme.Embedded.Tags[0].Name != "vip" {
		t.Errorf("acme = %+v", acme)
	}
	addr, _ := acme.CustomFieldsValues.Field(kt.SeedCompanySmartAddr, "")
	if diff := cmp.Diff([]string{"Berlin", "10115"}, addr.Strings()); diff != "" {
		t.Errorf("address (-want +got):\n%s", diff)
	}
	legal, _ := acme.CustomFieldsValues.Field(kt.SeedCompanyLegal, "")
	if le, ok := legal.Values[0].LegalEntity(); !ok || le.VATID != "DE123" {
		t.Errorf("legal entity = %+v", legal)
	}
	emp, _ := acme.CustomFieldsValues.Field(kt.SeedCompanyEmployees, "")
	if f, ok := emp.Values[0].Float(); !ok || f != 42 {
		t.Errorf("employees = %+v", emp)
	}

	cts := must[[]*kommo.WriteResult](t)(c.Contacts.Create(ctx, []kommo.ContactRequest{
		{FirstName: "Ada", LastName: "Lovelace", RequestID: "row-2", CustomFieldsValues: kommo.CustomFieldValues{
			{FieldCode: "PHONE", Values: []kommo.FieldValue{kommo.Multitext("+44 7700 900001", kommo.PhoneMobile), kommo.Multitext("+44 20 7946 0000", kommo.PhoneWork)}},
			{FieldCode: "EMAIL", Values: []kommo.FieldValue{kommo.Multitext("ada@acme.example", kommo.EmailWork)}},
			{FieldID: kt.SeedContactSource, Values: []kommo.FieldValue{kommo.EnumCode("REFERRAL")}},
			{FieldID: kt.SeedContactInterests, Values: []kommo.FieldValue{kommo.OptionText("Product A"), kommo.EnumCode("SERVICES")}},
			{FieldID: kt.SeedContactBirthday, Values: []kommo.FieldValue{kommo.Date(time.Date(1815, 12, 10, 0, 0, 0, 0, time.UTC))}},
			{FieldID: kt.SeedContactNewsletter, Values: []kommo.FieldValue{kommo.Checkbox(true)}},
			{FieldID: kt.SeedContactExternalID, Values: []kommo.FieldValue{kommo.Text("HS-1")}},
		}, Embedded: &kommo.EntityRequestEmbedded{Companies: []kommo.EntityRef{{ID: comps[0].ID}}}},
		{Name: "Grace Hopper", RequestID: "row-3", CustomFieldsValues: kommo.CustomFieldValues{
			{FieldCode: "EMAIL", Values: []kommo.FieldValue{kommo.Multitext("grace@globex.example", kommo.EmailPriv)}},
		}},
	}))
	if cts[0].RequestID != "row-2" || cts[1].RequestID != "row-3" {
		t.Fatalf("contact results = %+v", cts)
	}
	ada := must[*kommo.Contact](t)(c.Contacts.Get(ctx, cts[0].ID))
	if ada.Name != "Ada Lovelace" || len(ada.Embedded.Companies) != 1 || ada.Embedded.Companies[0].ID != comps[0].ID {
		t.Errorf("ada = %+v", ada)
	}
	ph, _ := ada.CustomFieldsValues.Field(0, "PHONE")
	if len(ph.Values) != 2 || ph.Values[0].EnumCode != "MOB" || ph.Values[0].EnumID == 0 || ph.FieldName == "" {
		t.Errorf("phones = %+v", ph)
	}
	src, _ := ada.CustomFieldsValues.Field(kt.SeedContactSource, "")
	if len(src.Values) != 1 || src.Values[0].String() != "Referral" || src.Values[0].EnumCode != "REFERRAL" {
		t.Errorf("source = %+v", src)
	}
	ints, _ := ada.CustomFieldsValues.Field(kt.SeedContactInterests, "")
	if diff := cmp.Diff([]string{"Product A", "Services"}, ints.Strings()); diff != "" {
		t.Errorf("interests (-want +got):\n%s", diff)
	}
	bd, _ := ada.CustomFieldsValues.Field(kt.SeedContactBirthday, "")
	if tm, ok := bd.Values[0].Time(); !ok || tm.Year() != 1815 {
		t.Errorf("birthday = %+v", bd)
	}

	// query is fuzzy: it finds by phone digits and email; the caller
	// post-filters.
	for _, q := range []string{"7700900001", "ada@acme", "lovelace"} {
		got := must[[]*kommo.Contact](t)(c.Contacts.List(ctx, &kommo.ContactListOptions{EntityFilters: kommo.EntityFilters{Query: q}}))
		if len(got) != 1 || got[0].ID == 0 || got[0].ID != cts[0].ID {
			t.Errorf("query %q found %d contacts", q, len(got))
		}
	}
	byName := must[[]*kommo.Company](t)(c.Companies.List(ctx, &kommo.CompanyListOptions{EntityFilters: kommo.EntityFilters{Names: []string{"Globex"}}}))
	if len(byName) != 1 || byName[0].ID != comps[1].ID {
		t.Errorf("filter[name] = %+v", byName)
	}
	byResp := must[[]*kommo.Company](t)(c.Companies.List(ctx, &kommo.CompanyListOptions{EntityFilters: kommo.EntityFilters{ResponsibleUserID: []int{kt.SeedUserBoris}}}))
	if len(byResp) != 1 || byResp[0].ID != comps[0].ID {
		t.Errorf("filter[responsible_user_id] = %d companies", len(byResp))
	}
	withCts := must[*kommo.Company](t)(c.Companies.Get(ctx, comps[0].ID, "contacts"))
	if len(withCts.Embedded.Contacts) != 1 || withCts.Embedded.Contacts[0].ID != cts[0].ID {
		t.Errorf("company with=contacts = %+v", withCts.Embedded)
	}

	// Updates: batch, single, field clearing, tags.
	upd := must[[]*kommo.WriteResult](t)(c.Contacts.Update(ctx, []kommo.ContactRequest{
		{ID: cts[0].ID, RequestID: "u1", CustomFieldsValues: kommo.CustomFieldValues{
			kommo.ClearField(kt.SeedContactNewsletter),
			{FieldCode: "POSITION", Values: []kommo.FieldValue{kommo.Text("Countess")}},
		}, TagsToAdd: []kommo.TagRef{{Name: "imported"}}},
	}))
	if upd[0].ID != cts[0].ID || upd[0].UpdatedAt == 0 {
		t.Errorf("update result = %+v", upd[0])
	}
	must[*kommo.WriteResult](t)(c.Contacts.UpdateOne(ctx, cts[1].ID, kommo.ContactRequest{ResponsibleUserID: kt.SeedUserChen}))
	ada = must[*kommo.Contact](t)(c.Contacts.Get(ctx, cts[0].ID))
	if _, ok := ada.CustomFieldsValues.Field(kt.SeedContactNewsletter, ""); ok {
		t.Error("newsletter not cleared")
	}
	if pos, _ := ada.CustomFieldsValues.Field(0, "POSITION"); len(pos.Values) != 1 || pos.Values[0].String() != "Countess" {
		t.Errorf("position = %+v", pos)
	}
	if ph, _ := ada.CustomFieldsValues.Field(0, "PHONE"); len(ph.Values) != 2 {
		t.Errorf("untouched phones changed: %+v", ph)
	}
	if len(ada.Embedded.Tags) != 1 || ada.Embedded.Tags[0].Name != "imported" {
		t.Errorf("tags = %+v", ada.Embedded.Tags)
	}
	grace := must[*kommo.Contact](t)(c.Contacts.Get(ctx, cts[1].ID))
	if grace.ResponsibleUserID != kt.SeedUserChen {
		t.Errorf("grace responsible = %d", grace.ResponsibleUserID)
	}

	// Tags service.
	tags := must[[]*kommo.Tag](t)(c.Tags.Create(ctx, kommo.EntityContacts, []kommo.TagRequest{{Name: "newsletter"}}))
	if len(tags) != 1 || tags[0].ID == 0 {
		t.Fatalf("created tags = %+v", tags)
	}
	found := must[[]*kommo.Tag](t)(c.Tags.List(ctx, kommo.EntityContacts, &kommo.TagListOptions{Name: "imported"}))
	if len(found) != 1 || found[0].Name != "imported" {
		t.Errorf("tag filter[name] = %+v", found)
	}
	var all []string
	for tg, err := range c.Tags.ListIter(ctx, kommo.EntityContacts, nil) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, tg.Name)
	}
	slices.Sort(all)
	if diff := cmp.Diff([]string{"imported", "newsletter"}, all); diff != "" {
		t.Errorf("contact tags (-want +got):\n%s", diff)
	}

	// Links: single, list, unlink, mass.
	must[[]*kommo.EntityLink](t)(c.Links.Link(ctx, kommo.EntityContacts, cts[1].ID, []kommo.EntityLink{{ToEntityID: comps[1].ID, ToEntityType: kommo.EntityCompanies}}))
	links := must[[]*kommo.EntityLink](t)(c.Links.List(ctx, kommo.EntityContacts, cts[1].ID, &kommo.LinkListOptions{ToEntityType: kommo.EntityCompanies}))
	if len(links) != 1 || links[0].ToEntityID != comps[1].ID {
		t.Errorf("links = %+v", links)
	}
	if _, err := c.Links.Unlink(ctx, kommo.EntityContacts, cts[1].ID, []kommo.EntityLink{{ToEntityID: comps[1].ID, ToEntityType: kommo.EntityCompanies}}); err != nil {
		t.Fatal(err)
	}
	if got, _, err := c.Links.List(ctx, kommo.EntityContacts, cts[1].ID, nil); err != nil || len(got) != 0 {
		t.Errorf("links after unlink = %+v, %v", got, err)
	}
	must[[]*kommo.EntityLink](t)(c.Links.LinkMany(ctx, kommo.EntityCompanies, []kommo.EntityLink{
		{EntityID: comps[1].ID, ToEntityID: cts[1].ID, ToEntityType: kommo.EntityContacts},
	}))
	globex := must[*kommo.Company](t)(c.Companies.Get(ctx, comps[1].ID, "contacts"))
	if len(globex.Embedded.Contacts) != 1 || globex.Embedded.Contacts[0].ID != cts[1].ID {
		t.Errorf("globex contacts after mass link = %+v", globex.Embedded.Contacts)
	}
	if _, err := c.Links.UnlinkMany(ctx, kommo.EntityCompanies, []kommo.EntityLink{
		{EntityID: comps[1].ID, ToEntityID: cts[1].ID, ToEntityType: kommo.EntityContacts},
	}); err != nil {
		t.Fatal(err)
	}

	// Notes.
	notes := must[[]*kommo.WriteResult](t)(c.Notes.Create(ctx, kommo.EntityContacts, []kommo.NoteRequest{kommo.CommonNote(cts[0].ID, "Met at the conference")}))
	listed := must[[]*kommo.Note](t)(c.Notes.ListFor(ctx, kommo.EntityContacts, cts[0].ID, nil))
	if len(listed) != 1 || listed[0].ID != notes[0].ID || listed[0].Text() != "Met at the conference" {
		t.Errorf("notes = %+v", listed)
	}
	must[[]*kommo.WriteResult](t)(c.Notes.Update(ctx, kommo.EntityContacts, []kommo.NoteRequest{{ID: notes[0].ID, NoteType: kommo.NoteCommon, Params: map[string]any{"text": "Met at the conference (2026)"}}}))
	allNotes := must[[]*kommo.Note](t)(c.Notes.List(ctx, kommo.EntityContacts, &kommo.NoteListOptions{NoteTypes: []string{kommo.NoteCommon}}))
	if len(allNotes) != 1 || allNotes[0].Text() != "Met at the conference (2026)" {
		t.Errorf("updated notes = %+v", allNotes)
	}
}

func TestAcceptanceLeads(t *testing.T) {
	e := newEnv(t, kt.Options{})
	ctx := t.Context()
	c := e.client

	ct := must[[]*kommo.WriteResult](t)(c.Contacts.Create(ctx, []kommo.ContactRequest{{Name: "Ann"}}))[0].ID
	co := must[[]*kommo.WriteResult](t)(c.Companies.Create(ctx, []kommo.CompanyRequest{{Name: "Acme"}}))[0].ID

	price := func(v float64) *float64 { return &v }
	res := must[[]*kommo.WriteResult](t)(c.Leads.Create(ctx, []kommo.LeadRequest{
		{Name: "Default stage", RequestID: "a"},
		{Name: "Qualified", Price: price(500), PipelineID: kt.SeedPipelineSales, StatusID: kt.SeedStatusSalesQualified, RequestID: "b",
			ResponsibleUserID: kt.SeedUserChen,
			CustomFieldsValues: kommo.CustomFieldValues{
				{FieldID: kt.SeedLeadSource, Values: []kommo.FieldValue{kommo.EnumID(620002)}},
				{FieldID: kt.SeedLeadProducts, Values: []kommo.FieldValue{kommo.EnumCode("PRODUCT_A"), kommo.EnumCode("PRODUCT_B")}},
				{FieldID: kt.SeedLeadCloseDate, Values: []kommo.FieldValue{{Value: []byte(`"2026-06-30T00:00:00+00:00"`)}}},
				{FieldID: kt.SeedLeadBudget, Values: []kommo.FieldValue{kommo.Text("1500.5")}},
				{FieldID: kt.SeedLeadPriority, Values: []kommo.FieldValue{kommo.Checkbox(true)}},
				{FieldID: kt.SeedLeadChannel, Values: []kommo.FieldValue{kommo.OptionText("Chat")}},
			},
			Embedded: &kommo.LeadRequestEmbedded{Tags: []kommo.TagRef{{Name: "import"}, {Name: "q2"}},
				Contacts: []kommo.EntityRef{{ID: ct, IsMain: true}}, Companies: []kommo.EntityRef{{ID: co}}}},
		{Name: "Partner deal", Price: price(900), PipelineID: kt.SeedPipelinePartners, RequestID: "c"},
	}))
	a, b, p := res[0].ID, res[1].ID, res[2].ID

	la := must[*kommo.Lead](t)(c.Leads.Get(ctx, a))
	if la.PipelineID != kt.SeedPipelineSales || la.StatusID != kt.SeedStatusSalesNew || la.ResponsibleUserID != kt.SeedUserAna || la.IsDeleted {
		t.Errorf("default lead = %+v", la)
	}
	if la.Embedded.Tags == nil || la.Embedded.Companies == nil {
		t.Errorf("_embedded.tags/companies must always be present: %+v", la.Embedded)
	}
	lp := must[*kommo.Lead](t)(c.Leads.Get(ctx, p))
	if lp.StatusID != kt.SeedStatusPartnersContacted {
		t.Errorf("partner lead status = %d, want first stage %d", lp.StatusID, kt.SeedStatusPartnersContacted)
	}
	lb := must[*kommo.Lead](t)(c.Leads.Get(ctx, b, "contacts"))
	if lb.Price != 500 || len(lb.Embedded.Tags) != 2 || len(lb.Embedded.Contacts) != 1 || !lb.Embedded.Contacts[0].IsMain ||
		len(lb.Embedded.Companies) != 1 || lb.Embedded.Companies[0].ID != co {
		t.Errorf("lead b = %+v", lb)
	}
	cd, _ := lb.CustomFieldsValues.Field(kt.SeedLeadCloseDate, "")
	if tm, ok := cd.Values[0].Time(); !ok || !tm.Equal(time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("close date = %+v", cd)
	}
	ch, _ := lb.CustomFieldsValues.Field(kt.SeedLeadChannel, "")
	if ch.Values[0].EnumCode != "CHAT" {
		t.Errorf("channel = %+v", ch)
	}
	if bud, _ := lb.CustomFieldsValues.Field(kt.SeedLeadBudget, ""); len(bud.Values) != 1 {
		t.Errorf("budget = %+v", bud)
	} else if f, ok := bud.Values[0].Float(); !ok || f != 1500.5 {
		t.Errorf("budget = %v", f)
	}

	// Close a: won sets closed_at; filters by status, pipeline, price, dates.
	must[*kommo.WriteResult](t)(c.Leads.UpdateOne(ctx, a, kommo.LeadRequest{StatusID: kommo.StatusWon}))
	must[[]*kommo.WriteResult](t)(c.Leads.Update(ctx, []kommo.LeadRequest{{ID: p, Name: "Partner deal (renamed)", Price: price(0)}}))
	la = must[*kommo.Lead](t)(c.Leads.Get(ctx, a))
	if la.StatusID != kommo.StatusWon || la.ClosedAt == 0 {
		t.Errorf("won lead = %+v", la)
	}
	lp = must[*kommo.Lead](t)(c.Leads.Get(ctx, p))
	if lp.Name != "Partner deal (renamed)" || lp.Price != 0 {
		t.Errorf("renamed lead = %+v", lp)
	}

	list := func(o *kommo.LeadListOptions) []int {
		t.Helper()
		ls, _, err := c.Leads.List(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int
		for _, l := range ls {
			ids = append(ids, l.ID)
		}
		return ids
	}
	tests := []struct {
		name string
		opts *kommo.LeadListOptions
		want []int
	}{
		{"all", nil, []int{a, b, p}},
		{"won in sales", &kommo.LeadListOptions{Statuses: []kommo.StatusFilter{{PipelineID: kt.SeedPipelineSales, StatusID: kommo.StatusWon}}}, []int{a}},
		{"pipeline", &kommo.LeadListOptions{PipelineIDs: []int{kt.SeedPipelinePartners}}, []int{p}},
		{"price range", &kommo.LeadListOptions{Price: &kommo.Range{From: 100, To: 600}}, []int{b}},
		{"exact price", &kommo.LeadListOptions{Price: &kommo.Range{From: 500, To: 500}}, []int{b}},
		{"closed_at", &kommo.LeadListOptions{ClosedAt: &kommo.Range{From: 1}}, []int{a}},
		{"ids", &kommo.LeadListOptions{EntityFilters: kommo.EntityFilters{IDs: []int{p, b}}}, []int{b, p}},
		{"responsible", &kommo.LeadListOptions{EntityFilters: kommo.EntityFilters{ResponsibleUserID: []int{kt.SeedUserChen}}}, []int{b}},
		{"created_by", &kommo.LeadListOptions{EntityFilters: kommo.EntityFilters{CreatedBy: []int{kt.SeedUserAna}}}, []int{a, b, p}},
		{"updated_by", &kommo.LeadListOptions{EntityFilters: kommo.EntityFilters{UpdatedBy: []int{kt.SeedUserBoris}}}, nil},
		{"order id desc", &kommo.LeadListOptions{EntityFilters: kommo.EntityFilters{Order: &kommo.Order{Field: "id", Desc: true}}}, []int{p, b, a}},
		{"query", &kommo.LeadListOptions{EntityFilters: kommo.EntityFilters{Query: "renamed"}}, []int{p}},
		{"created_at range none", &kommo.LeadListOptions{EntityFilters: kommo.EntityFilters{CreatedAt: &kommo.Range{To: 1000}}}, nil},
		{"updated_at since", &kommo.LeadListOptions{EntityFilters: kommo.EntityFilters{UpdatedAt: &kommo.Range{From: la.UpdatedAt.Time().Unix()}}}, []int{a, p}},
		{"closest_task_at none", &kommo.LeadListOptions{EntityFilters: kommo.EntityFilters{ClosestTaskAt: &kommo.Range{From: 1}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := list(tt.opts)
			if tt.name != "order id desc" {
				slices.Sort(got)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}

	// Complex: lead + new contact + company; a second one with the same
	// email merges into the stored contact.
	cres := must[[]*kommo.ComplexResult](t)(c.Leads.AddComplex(ctx, []kommo.ComplexLead{{
		LeadRequest: kommo.LeadRequest{Name: "Web form", RequestID: "f1"},
		Contact: &kommo.ContactRequest{Name: "Bob", CustomFieldsValues: kommo.CustomFieldValues{
			{FieldCode: "EMAIL", Values: []kommo.FieldValue{kommo.Multitext("bob@example.org", kommo.EmailWork)}}}},
		Company: &kommo.CompanyRequest{Name: "Bob's Burgers"},
	}}))
	if len(cres) != 1 || cres[0].ID == 0 || cres[0].ContactID == 0 || cres[0].CompanyID == 0 || cres[0].Merged ||
		!slices.Equal(cres[0].RequestIDs, []string{"f1"}) {
		t.Fatalf("complex = %+v", cres)
	}
	bob := must[*kommo.Contact](t)(c.Contacts.Get(ctx, cres[0].ContactID))
	if len(bob.Embedded.Companies) != 1 || bob.Embedded.Companies[0].ID != cres[0].CompanyID {
		t.Errorf("complex contact not linked to its company: %+v", bob.Embedded)
	}
	again := must[[]*kommo.ComplexResult](t)(c.Leads.AddComplex(ctx, []kommo.ComplexLead{{
		LeadRequest: kommo.LeadRequest{Name: "Web form again", RequestID: "f2"},
		Contact: &kommo.ContactRequest{Name: "Bob B.", CustomFieldsValues: kommo.CustomFieldValues{
			{FieldCode: "EMAIL", Values: []kommo.FieldValue{kommo.Multitext("bob@example.org", kommo.EmailWork)}}}},
	}}))
	if !again[0].Merged || again[0].ContactID != cres[0].ContactID {
		t.Errorf("second complex = %+v, want merged into contact %d", again[0], cres[0].ContactID)
	}
}

func TestAcceptanceTasks(t *testing.T) {
	e := newEnv(t, kt.Options{})
	ctx := t.Context()
	c := e.client
	lead := must[[]*kommo.WriteResult](t)(c.Leads.Create(ctx, []kommo.LeadRequest{{Name: "L"}}))[0].ID
	ct := must[[]*kommo.WriteResult](t)(c.Contacts.Create(ctx, []kommo.ContactRequest{{Name: "C"}}))[0].ID
	due := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC).Unix()
	res := must[[]*kommo.WriteResult](t)(c.Tasks.Create(ctx, []kommo.TaskRequest{
		{Text: "Call", CompleteTill: due + 100, EntityType: kommo.EntityLeads, EntityID: lead, RequestID: "t1"},
		{Text: "Meet", CompleteTill: due, TaskTypeID: kommo.TaskTypeMeeting, EntityType: kommo.EntityContacts, EntityID: ct, ResponsibleUserID: kt.SeedUserBoris},
		{Text: "Quote", CompleteTill: due + 50, TaskTypeID: kt.SeedTaskTypeQuote},
	}))
	if res[0].RequestID != "t1" || res[1].RequestID != "1" {
		t.Errorf("task results = %+v", res)
	}
	t0 := must[*kommo.Task](t)(c.Tasks.Get(ctx, res[0].ID))
	if t0.TaskTypeID != kommo.TaskTypeFollowUp || t0.IsCompleted || t0.Result == nil || t0.Result.Text != "" || t0.ResponsibleUserID != kt.SeedUserAna {
		t.Errorf("task = %+v", t0)
	}
	must[*kommo.WriteResult](t)(c.Tasks.Complete(ctx, res[0].ID, "Reached them"))
	must[[]*kommo.WriteResult](t)(c.Tasks.Update(ctx, []kommo.TaskRequest{{ID: res[2].ID, Text: "Send quote v2"}}))
	must[*kommo.WriteResult](t)(c.Tasks.UpdateOne(ctx, res[1].ID, kommo.TaskRequest{CompleteTill: due + 10}))
	t0 = must[*kommo.Task](t)(c.Tasks.Get(ctx, res[0].ID))
	if !t0.IsCompleted || t0.Result.Text != "Reached them" {
		t.Errorf("completed task = %+v", t0)
	}
	// The lead's closest_task_at follows its open tasks (UNCONFIRMED in
	// detail; the emulator keeps it set while a task is open).
	yes, no := true, false
	ids := func(o *kommo.TaskListOptions) []int {
		t.Helper()
		ts := must[[]*kommo.Task](t)(c.Tasks.List(ctx, o))
		var out []int
		for _, x := range ts {
			out = append(out, x.ID)
		}
		return out
	}
	tests := []struct {
		name string
		opts *kommo.TaskListOptions
		want []int
	}{
		{"completed", &kommo.TaskListOptions{IsCompleted: &yes}, []int{res[0].ID}},
		{"open by deadline", &kommo.TaskListOptions{IsCompleted: &no, Order: &kommo.Order{Field: "complete_till"}}, []int{res[1].ID, res[2].ID}},
		{"by type", &kommo.TaskListOptions{TaskTypes: []int{kommo.TaskTypeMeeting}}, []int{res[1].ID}},
		{"by entity", &kommo.TaskListOptions{EntityType: kommo.EntityLeads, EntityIDs: []int{lead}}, []int{res[0].ID}},
		{"by entity type", &kommo.TaskListOptions{EntityType: kommo.EntityContacts}, []int{res[1].ID}},
		{"by responsible", &kommo.TaskListOptions{ResponsibleUserID: []int{kt.SeedUserBoris}}, []int{res[1].ID}},
		{"by ids desc", &kommo.TaskListOptions{IDs: []int{res[0].ID, res[2].ID}, Order: &kommo.Order{Field: "id", Desc: true}}, []int{res[2].ID, res[0].ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ids(tt.opts)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
	if _, _, err := c.Tasks.Create(ctx, []kommo.TaskRequest{{Text: "x", CompleteTill: due, EntityType: kommo.EntityLeads, EntityID: 999999}}); err == nil {
		t.Error("task on a missing lead was accepted")
	}
}

func TestAcceptanceEvents(t *testing.T) {
	e := newEnv(t, kt.Options{})
	ctx := t.Context()
	c := e.client
	lead := must[[]*kommo.WriteResult](t)(c.Leads.Create(ctx, []kommo.LeadRequest{{Name: "L"}}))[0].ID
	other := must[[]*kommo.WriteResult](t)(c.Leads.Create(ctx, []kommo.LeadRequest{{Name: "M"}}))[0].ID
	must[*kommo.WriteResult](t)(c.Leads.UpdateOne(ctx, lead, kommo.LeadRequest{StatusID: kt.SeedStatusSalesProposal, ResponsibleUserID: kt.SeedUserChen,
		CustomFieldsValues: kommo.CustomFieldValues{{FieldID: kt.SeedLeadSource, Values: []kommo.FieldValue{kommo.EnumCode("WEBSITE")}}}}))
	ct := must[[]*kommo.WriteResult](t)(c.Contacts.Create(ctx, []kommo.ContactRequest{{Name: "C"}}))[0].ID

	collect := func(o *kommo.EventListOptions) []*kommo.Event {
		t.Helper()
		var out []*kommo.Event
		for ev, err := range c.Events.ListIter(ctx, o) {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, ev)
		}
		return out
	}
	all := collect(&kommo.EventListOptions{ListOptions: kommo.ListOptions{Limit: 2}})
	if len(all) < 5 {
		t.Fatalf("%d events", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].CreatedAt > all[i-1].CreatedAt {
			t.Errorf("events not newest first at %d", i)
		}
	}
	if all[0].Type != kommo.EventContactAdded || all[0].EntityType != "contact" || all[0].EntityID != ct || all[0].ID == "" {
		t.Errorf("newest event = %+v", all[0])
	}
	st := collect(&kommo.EventListOptions{Types: []string{kommo.EventLeadStatusChanged}})
	if len(st) != 1 {
		t.Fatalf("status events = %d", len(st))
	}
	after, err := st[0].After()
	if err != nil || len(after) != 1 || after[0].LeadStatus == nil || after[0].LeadStatus.ID != kt.SeedStatusSalesProposal || after[0].LeadStatus.PipelineID != kt.SeedPipelineSales {
		t.Errorf("status value_after = %s (%v)", st[0].ValueAfter, err)
	}
	before, _ := st[0].Before()
	if len(before) != 1 || before[0].LeadStatus.ID != kt.SeedStatusSalesNew {
		t.Errorf("status value_before = %s", st[0].ValueBefore)
	}
	cf := collect(&kommo.EventListOptions{Types: []string{kommo.CustomFieldValueChanged(kt.SeedLeadSource)}})
	if len(cf) != 1 || cf[0].EntityID != lead {
		t.Fatalf("custom field events = %+v", cf)
	}
	cfAfter, _ := cf[0].After()
	if len(cfAfter) != 1 || cfAfter[0].CustomFieldValue == nil || cfAfter[0].CustomFieldValue.FieldID != kt.SeedLeadSource {
		t.Errorf("cf value_after = %s", cf[0].ValueAfter)
	}
	generic := collect(&kommo.EventListOptions{Types: []string{kommo.EventCustomFieldValueChanged}})
	if len(generic) != 1 {
		t.Errorf("custom_field_value_changed matched %d events, want 1", len(generic))
	}
	resp := collect(&kommo.EventListOptions{Types: []string{kommo.EventEntityResponsibleChanged}})
	if ra, _ := resp[0].After(); len(resp) != 1 || ra[0].ResponsibleUser == nil || ra[0].ResponsibleUser.ID != kt.SeedUserChen {
		t.Errorf("responsible events = %+v", resp)
	}
	byEntity := collect(&kommo.EventListOptions{Entities: []string{"lead"}, EntityIDs: []int{other}})
	if len(byEntity) != 1 || byEntity[0].Type != kommo.EventLeadAdded {
		t.Errorf("events of lead %d = %+v", other, byEntity)
	}
	leadsOnly := collect(&kommo.EventListOptions{Entities: []string{"contact"}})
	if len(leadsOnly) != 1 {
		t.Errorf("contact events = %d", len(leadsOnly))
	}
	window := collect(&kommo.EventListOptions{CreatedAt: &kommo.Range{From: int64(all[0].CreatedAt), To: int64(all[0].CreatedAt)}})
	if len(window) != 1 || window[0].ID != all[0].ID {
		t.Errorf("created_at window = %d events", len(window))
	}
	got := must[*kommo.Event](t)(c.Events.Get(ctx, all[0].ID))
	if got.ID != all[0].ID {
		t.Errorf("Get(%q) = %+v", all[0].ID, got)
	}
	if _, _, err := c.Events.List(ctx, &kommo.EventListOptions{ListOptions: kommo.ListOptions{Limit: 251}}); err == nil {
		t.Error("events limit 251 accepted by the client")
	}
}

func TestAcceptancePagination(t *testing.T) {
	e := newEnv(t, kt.Options{})
	ctx := t.Context()
	c := e.client
	var reqs []kommo.CompanyRequest
	for i := range 7 {
		reqs = append(reqs, kommo.CompanyRequest{Name: fmt.Sprintf("Company %d", i)})
	}
	created := resultIDs(must[[]*kommo.WriteResult](t)(c.Companies.Create(ctx, reqs)))
	var got []int
	for co, err := range c.Companies.ListIter(ctx, &kommo.CompanyListOptions{ListOptions: kommo.ListOptions{Limit: 3}}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, co.ID)
	}
	if diff := cmp.Diff(created, got); diff != "" {
		t.Errorf("ids across 3 pages (-want +got):\n%s", diff)
	}
	page3, resp, err := c.Companies.List(ctx, &kommo.CompanyListOptions{ListOptions: kommo.ListOptions{Limit: 3, Page: 3}})
	if err != nil || len(page3) != 1 || resp.NextURL != "" || resp.Page != 3 {
		t.Errorf("page 3 = %d items, next %q, page %d, %v", len(page3), resp.NextURL, resp.Page, err)
	}
	past, resp, err := c.Companies.List(ctx, &kommo.CompanyListOptions{ListOptions: kommo.ListOptions{Limit: 3, Page: 4}})
	if err != nil || len(past) != 0 || resp.StatusCode != http.StatusNoContent {
		t.Errorf("past the end = %d items, status %d, %v; want 204", len(past), resp.StatusCode, err)
	}
	none, resp, err := c.Leads.List(ctx, nil)
	if err != nil || none != nil || resp.StatusCode != http.StatusNoContent {
		t.Errorf("empty leads = %v, %d, %v", none, resp.StatusCode, err)
	}
	var n int
	for _, err := range c.Leads.ListIter(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 0 {
		t.Errorf("ListIter over no leads yielded %d", n)
	}
}

func TestAcceptanceErrors(t *testing.T) {
	ctx := t.Context()
	t.Run("validation per request_id, whole batch rejected", func(t *testing.T) {
		e := newEnv(t, kt.Options{})
		_, _, err := e.client.Leads.Create(ctx, []kommo.LeadRequest{
			{Name: "ok", RequestID: "row-2"},
			{Name: "bad enum", RequestID: "row-3", CustomFieldsValues: kommo.CustomFieldValues{{FieldID: kt.SeedLeadSource, Values: []kommo.FieldValue{kommo.OptionText("Pigeon")}}}},
			{Name: "bad stage", RequestID: "row-4", PipelineID: kt.SeedPipelinePartners, StatusID: kt.SeedStatusSalesNew},
			{Name: "bad user", RequestID: "row-5", ResponsibleUserID: 4242},
			{Name: "bad field", RequestID: "row-6", CustomFieldsValues: kommo.CustomFieldValues{{FieldID: 1, Values: []kommo.FieldValue{kommo.Text("x")}}}},
			{Name: "bad type", RequestID: "row-7", CustomFieldsValues: kommo.CustomFieldValues{{FieldID: kt.SeedLeadBudget, Values: []kommo.FieldValue{kommo.Text("lots")}}}},
		})
		var er *kommo.ErrorResponse
		if !errors.As(err, &er) || !errors.Is(err, kommo.ErrValidation) {
			t.Fatalf("err = %v, want validation error", err)
		}
		for _, rid := range []string{"row-3", "row-4", "row-5", "row-6", "row-7"} {
			fe := er.ItemErrors(rid)
			if len(fe) == 0 || fe[0].Path == "" || fe[0].Code == "" {
				t.Errorf("%s: errors %+v", rid, fe)
			}
		}
		if len(er.ItemErrors("row-2")) != 0 {
			t.Error("the good item has errors")
		}
		if fe := er.ItemErrors("row-3"); len(fe) > 0 && (fe[0].Code != "NotSupportedChoice" || fe[0].Path != "custom_fields_values.0.values.0.value") {
			t.Errorf("bad enum error = %+v", fe[0])
		}
		if leads, _, _ := e.client.Leads.List(ctx, nil); len(leads) != 0 {
			t.Errorf("%d leads written from a rejected batch", len(leads))
		}
	})
	t.Run("401 wrong token", func(t *testing.T) {
		e := newEnv(t, kt.Options{})
		c, _ := kommo.NewClient(e.url, kommo.WithToken("wrong"), kommo.WithRateLimit(rate.Inf, 1))
		_, _, err := c.Leads.List(ctx, nil)
		if !errors.Is(err, kommo.ErrUnauthorized) || strings.Contains(err.Error(), "wrong") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("402 unpaid", func(t *testing.T) {
		e := newEnv(t, kt.Options{})
		e.emu.SetPaymentRequired(true)
		if _, _, err := e.client.Leads.List(ctx, nil); !errors.Is(err, kommo.ErrPaymentRequired) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("403 rights", func(t *testing.T) {
		e := newEnv(t, kt.Options{})
		e.emu.SetForbidden(true)
		_, _, err := e.client.Leads.List(ctx, nil)
		if !errors.Is(err, kommo.ErrForbidden) || errors.Is(err, kommo.ErrAccountBlocked) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("403 blocked after repeated 429s", func(t *testing.T) {
		e := newEnv(t, kt.Options{BlockAfter: 2}, kommo.WithRetry(kommo.RetryPolicy{}))
		e.emu.FailNext(2, 429)
		for range 2 {
			if _, _, err := e.client.Leads.List(ctx, nil); !errors.Is(err, kommo.ErrRateLimited) {
				t.Fatalf("err = %v, want 429", err)
			}
		}
		_, _, err := e.client.Leads.List(ctx, nil)
		if !errors.Is(err, kommo.ErrAccountBlocked) {
			t.Fatalf("err = %v, want blocked", err)
		}
		e.emu.Unblock()
		if _, _, err := e.client.Leads.List(ctx, nil); err != nil {
			t.Errorf("after unblock: %v", err)
		}
	})
	t.Run("404", func(t *testing.T) {
		e := newEnv(t, kt.Options{NotFound404: true})
		if _, _, err := e.client.Leads.Get(ctx, 12345); !errors.Is(err, kommo.ErrNotFound) {
			t.Errorf("err = %v", err)
		}
		e2 := newEnv(t, kt.Options{})
		if _, _, err := e2.client.Contacts.Get(ctx, 12345); !errors.Is(err, kommo.ErrNotFound) {
			t.Errorf("204 err = %v", err)
		}
	})
	t.Run("429 retried, not surfaced", func(t *testing.T) {
		e := newEnv(t, kt.Options{})
		e.emu.FailNext(2, 429)
		res, resp, err := e.client.Contacts.Create(ctx, []kommo.ContactRequest{{Name: "X"}})
		if err != nil || len(res) != 1 || resp.Attempts != 3 {
			t.Fatalf("create after 429s = %v, %v", res, err)
		}
		if st := e.emu.Snapshot(); len(st.Contacts) != 1 {
			t.Errorf("%d contacts, want exactly 1", len(st.Contacts))
		}
	})
	t.Run("5xx retried on reads", func(t *testing.T) {
		e := newEnv(t, kt.Options{})
		for _, status := range []int{500, 502, 503} {
			e.emu.FailNext(1, status)
			if _, resp, err := e.client.Leads.List(ctx, nil); err != nil || resp.Attempts != 2 {
				t.Errorf("%d: err %v", status, err)
			}
		}
	})
	t.Run("5xx on writes surfaced", func(t *testing.T) {
		e := newEnv(t, kt.Options{})
		e.emu.FailNext(1, 503)
		if _, _, err := e.client.Leads.Create(ctx, []kommo.LeadRequest{{Name: "x"}}); !errors.Is(err, kommo.ErrServer) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("504 above batch size", func(t *testing.T) {
		e := newEnv(t, kt.Options{})
		e.emu.Set504Above(2)
		_, _, err := e.client.Leads.Create(ctx, []kommo.LeadRequest{{Name: "1"}, {Name: "2"}, {Name: "3"}})
		if !errors.Is(err, kommo.ErrGatewayTimeout) {
			t.Fatalf("err = %v, want 504", err)
		}
		if _, _, err := e.client.Leads.Create(ctx, []kommo.LeadRequest{{Name: "1"}, {Name: "2"}}); err != nil {
			t.Errorf("batch of 2: %v", err)
		}
	})
	t.Run("dropped connection after apply is a network error on writes", func(t *testing.T) {
		e := newEnv(t, kt.Options{})
		e.emu.DropNext(1, true)
		_, _, err := e.client.Contacts.Create(ctx, []kommo.ContactRequest{{Name: "Ghost"}})
		var ne *kommo.NetworkError
		if !errors.As(err, &ne) {
			t.Fatalf("err = %v, want a network error", err)
		}
		// The write happened: the engine must read back, not resend.
		if got := e.emu.Snapshot().Contacts; len(got) != 1 {
			t.Errorf("%d contacts after an applied drop", len(got))
		}
	})
	t.Run("dropped connection on reads is retried", func(t *testing.T) {
		e := newEnv(t, kt.Options{})
		e.emu.DropNext(1, false)
		if _, _, err := e.client.Leads.List(ctx, nil); err != nil {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("random 5xx: reads still succeed", func(t *testing.T) {
		e := newEnv(t, kt.Options{})
		e.emu.SetErrorRate(0.3, 500, 42)
		for range 20 {
			if _, _, err := e.client.Account.Get(ctx); err != nil {
				t.Fatalf("err = %v", err)
			}
		}
		if e.emu.Stats().ByStatus[500] == 0 {
			t.Error("no 500s were injected")
		}
	})
}

// TestAcceptanceRateLimit runs concurrent requests through one client at
// Kommo's default rate against an emulator enforcing the same limit: no
// 429 may reach the emulator's counters, let alone the caller. This test
// uses real time (about 3 s).
func TestAcceptanceRateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time rate limit test")
	}
	emu, err := kt.NewServer(kt.Options{Tokens: []string{token}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	defer srv.Close()
	c, err := kommo.NewClient(srv.URL, kommo.WithToken(token), kommo.WithRetry(kommo.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	g, ctx := errgroup.WithContext(t.Context())
	g.SetLimit(4)
	const n = 28
	for range n {
		g.Go(func() error { _, _, err := c.Account.Get(ctx); return err })
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("a request failed: %v", err)
	}
	if st := emu.Stats(); st.RateLimited != 0 || st.Requests != n {
		t.Errorf("emulator saw %d requests and sent %d 429s, want %d and 0", st.Requests, st.RateLimited, n)
	}

	// The other way round: a client that ignores the limit gets 429s (HTML,
	// no Retry-After), which is what makes the first half meaningful.
	fast, _ := kommo.NewClient(srv.URL, kommo.WithToken(token), kommo.WithRateLimit(rate.Inf, 1), kommo.WithRetry(kommo.RetryPolicy{}))
	var limited int
	for range 20 {
		_, _, err := fast.Account.Get(t.Context())
		var rl *kommo.RateLimitError
		if errors.As(err, &rl) {
			limited++
			if rl.RetryAfter != 0 || !rl.HTML {
				t.Errorf("429 = %+v, want HTML and no Retry-After", rl)
			}
		}
	}
	if limited == 0 {
		t.Error("an unlimited client was never answered 429")
	}
}

func TestAcceptanceOAuth(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	cfg := kommo.OAuthConfig{ClientID: "int-1", ClientSecret: "s3cret", RedirectURI: "https://app.example/cb"}
	e := newEnv(t, kt.Options{Now: clock, Rate: rate.Inf, OAuthClients: []kt.OAuthClient{{ID: cfg.ClientID, Secret: cfg.ClientSecret, RedirectURI: cfg.RedirectURI}}})
	ctx := t.Context()

	anon, _ := kommo.NewClient(e.url, kommo.WithRateLimit(rate.Inf, 1))
	code := e.emu.IssueAuthCode(cfg.ClientID)
	tok, err := anon.ExchangeCode(ctx, cfg, code)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.ExpiresIn != 86400 {
		t.Fatalf("token = %v", tok)
	}
	if _, err := anon.ExchangeCode(ctx, cfg, code); !errors.Is(err, kommo.ErrBadRequest) && !errors.Is(err, kommo.ErrUnauthorized) {
		t.Errorf("reused code: err = %v", err)
	}

	var saved []kommo.Token
	c, err := kommo.NewClient(e.url, kommo.WithOAuth(cfg, *tok, func(nt kommo.Token) error { saved = append(saved, nt); return nil }),
		kommo.WithClock(clock), kommo.WithRateLimit(rate.Inf, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Account.Get(ctx); err != nil {
		t.Fatal(err)
	}
	advance(25 * time.Hour) // the access token expired: refresh, rotate
	if _, _, err := c.Account.Get(ctx); err != nil {
		t.Fatal(err)
	}
	if len(saved) != 1 || saved[0].RefreshToken == tok.RefreshToken {
		t.Fatalf("rotated tokens = %v", saved)
	}
	// The old refresh token no longer works.
	stale, _ := kommo.NewClient(e.url, kommo.WithOAuth(cfg, kommo.Token{RefreshToken: tok.RefreshToken}, nil), kommo.WithClock(clock), kommo.WithRateLimit(rate.Inf, 1))
	if _, _, err := stale.Account.Get(ctx); err == nil {
		t.Error("a reused refresh token was accepted")
	}
	// The old access token is refused; the new pair works.
	old, _ := kommo.NewClient(e.url, kommo.WithToken(tok.AccessToken), kommo.WithRateLimit(rate.Inf, 1))
	if _, _, err := old.Account.Get(ctx); !errors.Is(err, kommo.ErrUnauthorized) {
		t.Errorf("expired access token: err = %v", err)
	}
}
