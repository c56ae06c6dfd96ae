package kommotest

// Ids of the fixtures in DefaultSeed.
const (
	SeedAccountID = 28000001

	SeedUserAna   = 1001 // "Ana Admin", the current (token) user
	SeedUserBoris = 1002 // "Boris Manager"
	SeedUserChen  = 1003 // "Chen Sales"

	SeedPipelineSales    = 7000001 // main pipeline
	SeedPipelinePartners = 7000002

	SeedStatusSalesIncoming  = 7100001 // type 1
	SeedStatusSalesNew       = 7100002 // first normal stage: the default status
	SeedStatusSalesQualified = 7100003
	SeedStatusSalesProposal  = 7100004

	SeedStatusPartnersIncoming    = 7100011
	SeedStatusPartnersContacted   = 7100012 // first normal stage of Partners
	SeedStatusPartnersNegotiation = 7100013

	StatusWon  = 142
	StatusLost = 143

	SeedTaskTypeFollowUp = 1
	SeedTaskTypeMeeting  = 2
	SeedTaskTypeQuote    = 3001 // custom "Send quote"

	// Contacts custom fields.
	SeedContactPhone      = 500001 // PHONE multitext
	SeedContactEmail      = 500002 // EMAIL multitext
	SeedContactPosition   = 500003 // POSITION text
	SeedContactSource     = 500004 // select
	SeedContactInterests  = 500005 // multiselect
	SeedContactNextCall   = 500006 // date
	SeedContactBirthday   = 500007 // birthday
	SeedContactScore      = 500008 // numeric
	SeedContactNewsletter = 500009 // checkbox
	SeedContactProfile    = 500010 // url
	SeedContactExternalID = 500011 // text "External ID"

	// Companies custom fields.
	SeedCompanyPhone     = 510001 // PHONE multitext
	SeedCompanyEmail     = 510002 // EMAIL multitext
	SeedCompanyWeb       = 510003 // WEB url
	SeedCompanyAddress   = 510004 // ADDRESS textarea
	SeedCompanySmartAddr = 510005 // smart_address
	SeedCompanyLegal     = 510006 // legal_entity
	SeedCompanyEmployees = 510007 // numeric

	// Leads custom fields.
	SeedLeadSource     = 520001 // select
	SeedLeadProducts   = 520002 // multiselect
	SeedLeadCloseDate  = 520003 // date
	SeedLeadMeetingAt  = 520004 // date_time
	SeedLeadBudget     = 520005 // numeric
	SeedLeadExternalID = 520006 // text "External ID"
	SeedLeadPriority   = 520007 // checkbox
	SeedLeadLanding    = 520008 // url
	SeedLeadChannel    = 520009 // radiobutton
)

func strp(s string) *string { return &s }
func intp(i int) *int       { return &i }

// DefaultSeed returns a fresh copy of the default fixtures: account
// "Example" (subdomain example, id SeedAccountID), users 1001 "Ana Admin"
// (current user, admin), 1002 "Boris Manager", 1003 "Chen Sales"; pipelines
// "Sales" (main) and "Partners", each with an "Incoming leads" stage, normal
// stages and 142/143; task types 1 FOLLOW_UP, 2 MEETING and 3001 "Send
// quote"; custom fields for leads, contacts and companies (see the Seed*
// constants). It holds no records.
func DefaultSeed() *Seed {
	multitext := func(id, enumBase int, code, name string, enums []string) CustomField {
		f := CustomField{ID: id, Name: name, Type: "multitext", Code: code, Sort: 4, IsPredefined: true}
		for i, e := range enums {
			f.Enums = append(f.Enums, Enum{ID: enumBase + i, Value: e, Sort: 2 * (i + 1), Code: e})
		}
		return f
	}
	choice := func(id int, name, typ string, enumBase int, opts ...[2]string) CustomField {
		f := CustomField{ID: id, Name: name, Type: typ, Sort: 500, IsDeletable: true}
		for i, o := range opts {
			f.Enums = append(f.Enums, Enum{ID: enumBase + i, Value: o[0], Sort: 500 + i, Code: o[1]})
		}
		return f
	}
	plain := func(id int, name, typ, code string) CustomField {
		return CustomField{ID: id, Name: name, Type: typ, Code: code, Sort: 510, IsDeletable: code == ""}
	}
	phoneEnums := []string{"WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER"}
	emailEnums := []string{"WORK", "PRIV", "OTHER"}

	contacts := []CustomField{
		multitext(SeedContactPhone, 600001, "PHONE", "Phone", phoneEnums),
		multitext(SeedContactEmail, 600011, "EMAIL", "Email", emailEnums),
		plain(SeedContactPosition, "Position", "text", "POSITION"),
		choice(SeedContactSource, "Source", "select", 600021,
			[2]string{"Website", "WEBSITE"}, [2]string{"Referral", "REFERRAL"}, [2]string{"Event", "EVENT"}),
		choice(SeedContactInterests, "Interests", "multiselect", 600031,
			[2]string{"Product A", "PRODUCT_A"}, [2]string{"Product B", "PRODUCT_B"}, [2]string{"Services", "SERVICES"}),
		plain(SeedContactNextCall, "Next call", "date", ""),
		plain(SeedContactBirthday, "Birthday", "birthday", ""),
		plain(SeedContactScore, "Score", "numeric", ""),
		plain(SeedContactNewsletter, "Newsletter", "checkbox", ""),
		plain(SeedContactProfile, "Profile", "url", ""),
		plain(SeedContactExternalID, "External ID", "text", ""),
	}
	contacts[2].IsPredefined = true
	companies := []CustomField{
		multitext(SeedCompanyPhone, 610001, "PHONE", "Phone", phoneEnums),
		multitext(SeedCompanyEmail, 610011, "EMAIL", "Email", emailEnums),
		plain(SeedCompanyWeb, "Web", "url", "WEB"),
		plain(SeedCompanyAddress, "Address", "textarea", "ADDRESS"),
		choice(SeedCompanySmartAddr, "Postal address", "smart_address", 610021,
			[2]string{"address_line_1", "address_line_1"}, [2]string{"address_line_2", "address_line_2"},
			[2]string{"city", "city"}, [2]string{"state", "state"}, [2]string{"zip", "zip"}, [2]string{"country", "country"}),
		plain(SeedCompanyLegal, "Legal entity", "legal_entity", ""),
		plain(SeedCompanyEmployees, "Employees", "numeric", ""),
	}
	for i := 2; i < 4; i++ {
		companies[i].IsPredefined = true
	}
	leads := []CustomField{
		choice(SeedLeadSource, "Lead source", "select", 620001,
			[2]string{"Website", "WEBSITE"}, [2]string{"Referral", "REFERRAL"}, [2]string{"Cold call", "COLD_CALL"}),
		choice(SeedLeadProducts, "Products", "multiselect", 620011,
			[2]string{"Product A", "PRODUCT_A"}, [2]string{"Product B", "PRODUCT_B"}, [2]string{"Services", "SERVICES"}),
		plain(SeedLeadCloseDate, "Expected close", "date", ""),
		plain(SeedLeadMeetingAt, "Meeting at", "date_time", ""),
		plain(SeedLeadBudget, "Budget", "numeric", ""),
		plain(SeedLeadExternalID, "External ID", "text", ""),
		plain(SeedLeadPriority, "Priority deal", "checkbox", ""),
		plain(SeedLeadLanding, "Landing page", "url", ""),
		choice(SeedLeadChannel, "Channel", "radiobutton", 620021,
			[2]string{"Email", "EMAIL"}, [2]string{"Phone", "PHONE"}, [2]string{"Chat", "CHAT"}),
	}
	setEntity := func(fs []CustomField, entity string) []CustomField {
		for i := range fs {
			fs[i].EntityType = entity
			fs[i].Sort += i
		}
		return fs
	}

	pipeline := func(id int, name string, sort int, main bool, base int, stages ...string) Pipeline {
		p := Pipeline{ID: id, Name: name, Sort: sort, IsMain: main, IsUnsortedOn: true}
		p.Statuses = append(p.Statuses, Status{ID: base, Name: "Incoming leads", Sort: 10, PipelineID: id,
			Color: "#c1c1c1", Type: 1, Description: "Leads waiting to be accepted"})
		colors := []string{"#99ccff", "#ffff99", "#ffcc66", "#ccff66"}
		for i, st := range stages {
			p.Statuses = append(p.Statuses, Status{ID: base + 1 + i, Name: st, Sort: 20 + 10*i, IsEditable: true,
				PipelineID: id, Color: colors[i%len(colors)]})
		}
		p.Statuses = append(p.Statuses,
			Status{ID: StatusWon, Name: "Closed - won", Sort: 10000, PipelineID: id, Color: "#CCFF66"},
			Status{ID: StatusLost, Name: "Closed - lost", Sort: 11000, PipelineID: id, Color: "#D5D8DB"})
		return p
	}

	return &Seed{
		Account: Account{ID: SeedAccountID, Name: "Example", Subdomain: "example", CreatedAt: 1577836800,
			CreatedBy: SeedUserAna, CurrentUserID: SeedUserAna, Country: "US", Currency: "USD", CurrencySymbol: "$"},
		Users: []User{
			{ID: SeedUserAna, Name: "Ana Admin", Email: "ana@example.com", Lang: "en", IsAdmin: true, IsActive: true},
			{ID: SeedUserBoris, Name: "Boris Manager", Email: "boris@example.com", Lang: "en", IsActive: true},
			{ID: SeedUserChen, Name: "Chen Sales", Email: "chen@example.com", Lang: "en", IsActive: true},
		},
		Pipelines: []Pipeline{
			pipeline(SeedPipelineSales, "Sales", 1, true, SeedStatusSalesIncoming, "New", "Qualified", "Proposal"),
			pipeline(SeedPipelinePartners, "Partners", 2, false, SeedStatusPartnersIncoming, "Contacted", "Negotiation"),
		},
		TaskTypes: []TaskType{
			{ID: SeedTaskTypeFollowUp, Name: "Follow-up", Code: strp("FOLLOW_UP")},
			{ID: SeedTaskTypeMeeting, Name: "Meeting", Code: strp("MEETING")},
			{ID: SeedTaskTypeQuote, Name: "Send quote", Color: strp("#ffcc00"), IconID: intp(5)},
		},
		CustomFields: map[string][]CustomField{
			"contacts":  setEntity(contacts, "contacts"),
			"companies": setEntity(companies, "companies"),
			"leads":     setEntity(leads, "leads"),
		},
		Tags: map[string][]Tag{},
	}
}
