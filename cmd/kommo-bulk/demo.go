package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// DemoCommand starts the built-in emulator on a loopback port and runs a
// short client session against it: it reads the account's schema, writes
// companies, contacts, leads and tasks in batches, shows a rejected batch,
// and lists the result. Both sides enforce Kommo's 7 requests/s.
type DemoCommand struct{ m *Main }

// Run runs the demo.
func (c *DemoCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.newFlagSet("demo", "demo\n\nRuns a short session against the built-in Kommo emulator and prints the result.")
	if err := parse(fs, args); err != nil {
		return err
	}
	const token = "demo-token"
	emu, err := kommotest.NewServer(kommotest.Options{Tokens: []string{token}})
	if err != nil {
		return err
	}
	defer emu.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()
	base := "http://" + ln.Addr().String()

	client, err := kommo.NewClient(base, kommo.WithToken(token))
	if err != nil {
		return err
	}
	out := c.m.Stdout
	start := time.Now()
	fmt.Fprintf(out, "Kommo emulator at %s (7 requests/s, like Kommo)\n\n", base)

	d := &demo{c: client, out: out}
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"read the account's schema", d.schema},
		{"create companies", d.companies},
		{"create contacts linked to them", d.contacts},
		{"create leads with contacts, tags and custom fields", d.leads},
		{"create a lead with a new contact and company in one call", d.complex},
		{"create and complete tasks", d.tasks},
		{"move a lead to won", d.win},
		{"send a batch with one bad item", d.rejected},
	}
	for i, s := range steps {
		fmt.Fprintf(out, "%d. %s\n", i+1, s.name)
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("demo step %q: %w", s.name, err)
		}
	}
	fmt.Fprintln(out)
	if err := d.report(ctx); err != nil {
		return err
	}
	st := emu.Stats()
	fmt.Fprintf(out, "\n%d requests in %.1fs, %d answered 429.\n", st.Requests, time.Since(start).Seconds(), st.RateLimited)
	return nil
}

type demo struct {
	c   *kommo.Client
	out interface{ Write([]byte) (int, error) }

	users      []*kommo.User
	pipeline   *kommo.Pipeline
	stages     map[string]int
	fields     map[string]*kommo.CustomField // "leads/Lead source"
	companyIDs []int
	contactIDs []int
	leadIDs    []int
}

func (d *demo) logf(format string, args ...any) { fmt.Fprintf(d.out, "   "+format+"\n", args...) }

func (d *demo) schema(ctx context.Context) error {
	acct, _, err := d.c.Account.Get(ctx, "task_types")
	if err != nil {
		return err
	}
	d.users, _, err = d.c.Users.List(ctx, nil)
	if err != nil {
		return err
	}
	pipes, _, err := d.c.Pipelines.List(ctx)
	if err != nil {
		return err
	}
	d.stages = map[string]int{}
	for _, p := range pipes {
		if p.IsMain {
			d.pipeline = p
			for _, s := range p.Statuses() {
				d.stages[s.Name] = s.ID
			}
		}
	}
	if d.pipeline == nil {
		return errors.New("no main pipeline")
	}
	d.fields = map[string]*kommo.CustomField{}
	for _, e := range []kommo.EntityType{kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies} {
		fs, err := d.c.CustomFields.All(ctx, e)
		if err != nil {
			return err
		}
		for _, f := range fs {
			d.fields[string(e)+"/"+f.Name] = f
		}
	}
	d.logf("account %q: %d users, main pipeline %q with %d stages, %d task types, %d custom fields",
		acct.Name, len(d.users), d.pipeline.Name, len(d.pipeline.Statuses()), len(acct.Embedded.TaskTypes), len(d.fields))
	return nil
}

func (d *demo) field(entity, name string) (int, error) {
	f, ok := d.fields[entity+"/"+name]
	if !ok {
		return 0, fmt.Errorf("no %s custom field %q", entity, name)
	}
	return f.ID, nil
}

func ids(rs []*kommo.WriteResult) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func (d *demo) companies(ctx context.Context) error {
	res, _, err := d.c.Companies.Create(ctx, []kommo.CompanyRequest{
		{Name: "Acme GmbH", RequestID: "acme", CustomFieldsValues: kommo.CustomFieldValues{
			{FieldCode: kommo.CodePhone, Values: []kommo.FieldValue{kommo.Multitext("+4930123456", kommo.PhoneWork)}},
			{FieldCode: kommo.CodeWeb, Values: []kommo.FieldValue{kommo.Text("https://acme.example")}},
		}},
		{Name: "Globex LLC", RequestID: "globex"},
	})
	if err != nil {
		return err
	}
	d.companyIDs = ids(res)
	d.logf("1 request, ids %v (request_id %q, %q echoed back)", d.companyIDs, res[0].RequestID, res[1].RequestID)
	return nil
}

func (d *demo) contacts(ctx context.Context) error {
	people := []struct{ first, last, phone, email string }{
		{"Ada", "Lovelace", "+447700900001", "ada@acme.example"},
		{"Grace", "Hopper", "+15555550100", "grace@globex.example"},
		{"Alan", "Turing", "+447700900002", "alan@acme.example"},
	}
	var reqs []kommo.ContactRequest
	for i, p := range people {
		reqs = append(reqs, kommo.ContactRequest{
			FirstName: p.first, LastName: p.last, RequestID: fmt.Sprint("row-", i+2),
			CustomFieldsValues: kommo.CustomFieldValues{
				{FieldCode: kommo.CodePhone, Values: []kommo.FieldValue{kommo.Multitext(p.phone, kommo.PhoneMobile)}},
				{FieldCode: kommo.CodeEmail, Values: []kommo.FieldValue{kommo.Multitext(p.email, kommo.EmailWork)}},
			},
			Embedded: &kommo.EntityRequestEmbedded{Companies: []kommo.EntityRef{{ID: d.companyIDs[i%2]}}},
		})
	}
	res, _, err := d.c.Contacts.Create(ctx, reqs)
	if err != nil {
		return err
	}
	d.contactIDs = ids(res)
	d.logf("1 request, ids %v", d.contactIDs)
	return nil
}

func (d *demo) leads(ctx context.Context) error {
	source, err := d.field("leads", "Lead source")
	if err != nil {
		return err
	}
	var reqs []kommo.LeadRequest
	for i, name := range []string{"Analytical engine", "Compiler licences", "Enigma audit"} {
		price := int64(1000 * (i + 1))
		reqs = append(reqs, kommo.LeadRequest{
			Name: name, Price: &price, PipelineID: d.pipeline.ID, StatusID: d.stages["Qualified"],
			ResponsibleUserID: d.users[i%len(d.users)].ID, RequestID: fmt.Sprint("row-", i+2),
			CustomFieldsValues: kommo.CustomFieldValues{{FieldID: source, Values: []kommo.FieldValue{kommo.OptionText("Referral")}}},
			Embedded: &kommo.LeadRequestEmbedded{
				Tags:      []kommo.TagRef{{Name: "demo"}},
				Contacts:  []kommo.EntityRef{{ID: d.contactIDs[i], IsMain: true}},
				Companies: []kommo.EntityRef{{ID: d.companyIDs[i%2]}},
			},
		})
	}
	res, _, err := d.c.Leads.Create(ctx, reqs)
	if err != nil {
		return err
	}
	d.leadIDs = ids(res)
	d.logf("1 request, ids %v", d.leadIDs)
	return nil
}

func (d *demo) complex(ctx context.Context) error {
	price := int64(4200)
	res, _, err := d.c.Leads.AddComplex(ctx, []kommo.ComplexLead{{
		LeadRequest: kommo.LeadRequest{Name: "Difference engine", Price: &price, RequestID: "web-form-1"},
		Contact: &kommo.ContactRequest{Name: "Charles Babbage", CustomFieldsValues: kommo.CustomFieldValues{
			{FieldCode: kommo.CodeEmail, Values: []kommo.FieldValue{kommo.Multitext("charles@example.org", kommo.EmailPriv)}},
		}},
		Company: &kommo.CompanyRequest{Name: "Analytical Society"},
	}})
	if err != nil {
		return err
	}
	r := res[0]
	d.leadIDs = append(d.leadIDs, r.ID)
	d.logf("lead %d with contact %d and company %d (merged: %v)", r.ID, r.ContactID, r.CompanyID, r.Merged)
	return nil
}

func (d *demo) tasks(ctx context.Context) error {
	due := time.Now().Add(48 * time.Hour).Unix()
	var reqs []kommo.TaskRequest
	for i, id := range d.leadIDs[:2] {
		reqs = append(reqs, kommo.TaskRequest{Text: "Call back about the offer", CompleteTill: due, TaskTypeID: kommo.TaskTypeFollowUp,
			EntityType: kommo.EntityLeads, EntityID: id, RequestID: fmt.Sprint("task-", i)})
	}
	res, _, err := d.c.Tasks.Create(ctx, reqs)
	if err != nil {
		return err
	}
	if _, _, err := d.c.Tasks.Complete(ctx, res[0].ID, "Spoke to Ada: send the contract"); err != nil {
		return err
	}
	d.logf("tasks %v, task %d completed", ids(res), res[0].ID)
	return nil
}

func (d *demo) win(ctx context.Context) error {
	_, _, err := d.c.Leads.UpdateOne(ctx, d.leadIDs[0], kommo.LeadRequest{StatusID: kommo.StatusWon, PipelineID: d.pipeline.ID})
	if err != nil {
		return err
	}
	d.logf("lead %d is closed-won", d.leadIDs[0])
	return nil
}

func (d *demo) rejected(ctx context.Context) error {
	source, err := d.field("leads", "Lead source")
	if err != nil {
		return err
	}
	_, _, err = d.c.Leads.Create(ctx, []kommo.LeadRequest{
		{Name: "Fine lead", RequestID: "row-2"},
		{Name: "Bad lead", RequestID: "row-3", CustomFieldsValues: kommo.CustomFieldValues{
			{FieldID: source, Values: []kommo.FieldValue{kommo.OptionText("Carrier pigeon")}}}},
	})
	var er *kommo.ErrorResponse
	if !errors.As(err, &er) || !errors.Is(err, kommo.ErrValidation) {
		return fmt.Errorf("expected a validation error, got %v", err)
	}
	for _, v := range er.ValidationErrors {
		for _, fe := range v.Errors {
			d.logf("Kommo rejected the whole batch: request_id %s: %s", v.RequestID, fe)
		}
	}
	return nil
}

func (d *demo) report(ctx context.Context) error {
	names := map[int]string{}
	for _, u := range d.users {
		names[u.ID] = u.Name
	}
	stages := map[int]string{}
	for name, id := range d.stages {
		stages[id] = name
	}
	tw := tabwriter.NewWriter(d.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LEAD\tNAME\tPRICE\tSTAGE\tRESPONSIBLE\tCONTACTS\tCOMPANY\tTAGS")
	for l, err := range d.c.Leads.ListIter(ctx, &kommo.LeadListOptions{With: []string{"contacts"}, ListOptions: kommo.ListOptions{Limit: 2}}) {
		if err != nil {
			return err
		}
		var contacts, companies, tags []string
		for _, c := range l.Embedded.Contacts {
			contacts = append(contacts, fmt.Sprint(c.ID))
		}
		for _, c := range l.Embedded.Companies {
			companies = append(companies, fmt.Sprint(c.ID))
		}
		for _, t := range l.Embedded.Tags {
			tags = append(tags, t.Name)
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", l.ID, l.Name, l.Price, stages[l.StatusID], names[l.ResponsibleUserID],
			strings.Join(contacts, ","), strings.Join(companies, ","), strings.Join(tags, ","))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(d.out)
	tw = tabwriter.NewWriter(d.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CONTACT\tNAME\tPHONE\tEMAIL")
	for ct, err := range d.c.Contacts.ListIter(ctx, nil) {
		if err != nil {
			return err
		}
		phone, _ := ct.CustomFieldsValues.Field(0, kommo.CodePhone)
		email, _ := ct.CustomFieldsValues.Field(0, kommo.CodeEmail)
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", ct.ID, ct.Name, strings.Join(phone.Strings(), ", "), strings.Join(email.Strings(), ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	counts := map[string]int{}
	for e, err := range d.c.Events.ListIter(ctx, &kommo.EventListOptions{ListOptions: kommo.ListOptions{Limit: kommo.MaxEventsLimit}}) {
		if err != nil {
			return err
		}
		counts[e.Type]++
	}
	var parts []string
	for _, t := range kommo.EventTypes {
		if counts[t] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", t, counts[t]))
			delete(counts, t)
		}
	}
	for t, n := range counts {
		parts = append(parts, fmt.Sprintf("%s %d", t, n))
	}
	fmt.Fprintf(d.out, "\nEvents recorded: %s\n", strings.Join(parts, ", "))
	return nil
}
