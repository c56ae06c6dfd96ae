package migrate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// schemaWith returns a schema with the standard fields of an account and
// the custom fields a fit asks to create.
func schemaWith(types map[string]kommo.FieldType) *mapping.Schema {
	s := presetSchema()
	id := 900000
	for k, t := range types {
		e, name, _ := strings.Cut(k, "/")
		et := kommo.EntityType(e)
		if fieldByName(s, et, name) != nil {
			continue
		}
		id++
		s.Fields[et] = append(s.Fields[et], &kommo.CustomField{ID: id, Name: name, Type: t, EntityType: et})
	}
	return s
}

func fieldByName(s *mapping.Schema, e kommo.EntityType, name string) *kommo.CustomField {
	for _, f := range s.Fields[e] {
		if value.Normalize(f.Name) == value.Normalize(name) || strings.EqualFold(f.Code, name) {
			return f
		}
	}
	return nil
}

func TestPresetsLoadAndCompile(t *testing.T) {
	ps := Presets()
	want := []string{"amocrm", "bitrix24", "hubspot", "pipedrive", "salesforce", "zoho"}
	var got []string
	for _, p := range ps {
		got = append(got, p.Source)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("Presets() = %v, want %v", got, want)
	}
	for _, p := range ps {
		for _, f := range p.Files {
			langs := map[string]bool{"en": true}
			for _, c := range f.Columns {
				for l := range c.Names {
					langs[l] = true
				}
			}
			for lang := range langs {
				t.Run(p.Source+"/"+string(f.Entity)+"/"+lang, func(t *testing.T) {
					fit := f.Template(lang, "External ID")
					if fit.Spec.Key == "" {
						t.Errorf("template has no key column")
					}
					if len(fit.Ignored) > 0 {
						t.Errorf("template ignores its own columns %q", fit.Ignored)
					}
					var header []string
					for _, c := range fit.Spec.Columns {
						header = append(header, c.Column)
					}
					for _, j := range fit.Spec.Join {
						header = append(header, j.Columns...)
					}
					for _, r := range fit.Spec.Refs {
						header = append(header, r.Column)
					}
					for _, n := range fit.Spec.Notes {
						header = append(header, n.Column)
					}
					header = append(header, fit.Spec.Key)
					if _, err := mapping.Compile(fit.Spec, schemaWith(fit.Types), dedupe(header)); err != nil {
						t.Errorf("mapping.Compile(template) = %v", err)
					}
				})
			}
		}
	}
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func TestPresetFor(t *testing.T) {
	for _, name := range []string{"hubspot", "HubSpot", "sfdc", "Kommo", "b24", "zoho crm"} {
		if _, err := PresetFor(name); err != nil {
			t.Errorf("PresetFor(%q) = %v", name, err)
		}
	}
	_, err := PresetFor("hubspt")
	if err == nil || !strings.Contains(err.Error(), `did you mean "hubspot"`) {
		t.Errorf("PresetFor(hubspt) = %v, want a hint", err)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		header string
		source string
		entity kommo.EntityType
	}{
		{"hubspot contacts", "hubspot-crm-exports-all-contacts-2024-03-15.csv",
			"Record ID,First Name,Last Name,Email,Phone Number,Job Title,Contact owner,Lead Status,Lifecycle Stage,Create Date,Associated Company ID",
			"hubspot", kommo.EntityContacts},
		{"hubspot companies", "export.csv", "Record ID,Company name,Company Domain Name,Phone Number,Company owner,Industry,Create Date", "hubspot", kommo.EntityCompanies},
		{"hubspot deals", "deals.csv", "Record ID,Deal Name,Amount,Pipeline,Deal Stage,Close Date,Deal owner,Associated Contact IDs,Associated Company IDs", "hubspot", kommo.EntityLeads},
		{"salesforce contact API", "Contact.csv", "Id,IsDeleted,MasterRecordId,AccountId,LastName,FirstName,Salutation,Name,MailingStreet,MailingCity,Phone,MobilePhone,Email,Title,OwnerId,CreatedDate", "salesforce", kommo.EntityContacts},
		{"salesforce account API", "Account.csv", "Id,IsDeleted,Name,Type,ParentId,BillingStreet,BillingCity,Phone,Website,OwnerId,CreatedDate", "salesforce", kommo.EntityCompanies},
		{"salesforce opportunity", "Opportunity.csv", "Id,IsDeleted,AccountId,Name,StageName,Amount,CloseDate,OwnerId,CreatedDate", "salesforce", kommo.EntityLeads},
		{"salesforce report", "report.csv", "Contact ID,First Name,Last Name,Account ID,Title,Phone,Mobile,Email,Contact Owner,Mailing City", "salesforce", kommo.EntityContacts},
		{"pipedrive deals", "deals-123.csv", "Deal - ID,Deal - Title,Deal - Owner,Deal - Pipeline,Deal - Stage,Deal - Value,Deal - Currency,Deal - Status,Person - Name,Person - Email (Work),Organization - Name", "pipedrive", kommo.EntityLeads},
		{"pipedrive czech", "obchody.csv", "Obchod - ID,Obchod - Název,Obchod - Hodnota,Obchod - Fáze,Obchod - Vlastník,Osoba - Jméno,Osoba - Telefon", "pipedrive", kommo.EntityLeads},
		{"pipedrive people", "people.csv", "Person - ID,Person - Name,Person - Email (Work),Person - Phone (Work),Person - Phone (Mobile),Person - Owner,Person - Organization", "pipedrive", kommo.EntityContacts},
		{"zoho contacts", "Contacts_2024.csv", "Record Id,Contact Owner,First Name,Last Name,Account Name,Email,Phone,Mobile,Title,Mailing City,Created Time", "zoho", kommo.EntityContacts},
		{"zoho deals", "Deals.csv", "Record Id,Deal Owner,Deal Name,Amount,Stage,Closing Date,Account Name,Contact Name,Created Time", "zoho", kommo.EntityLeads},
		{"bitrix24 leads ru", "LEAD.csv", "ID;Название лида;Обращение;Имя;Фамилия;Отчество;Дата рождения;Адрес;Рабочий телефон;Мобильный телефон;Рабочий e-mail;Частный e-mail;Название компании;Должность;Комментарий;Стадия;Источник;Ответственный;Дата закрытия", "bitrix24", kommo.EntityLeads},
		{"bitrix24 leads en", "LEAD.csv", "ID;Lead name;Salutation;First name;Last name;Patronymic;Date of birth;Address;Work phone;Mobile phone;Work e-mail;Personal e-mail;Company name;Position;Comment;Stage;Source;Responsible;Closing date", "bitrix24", kommo.EntityLeads},
		{"amocrm leads ru", "amocrm_export_leads_2024-03-15.csv", "ID;Название сделки;Бюджет;Этап сделки;Воронка;Ответственный;Дата создания;Дата закрытия;Теги;Основной контакт;Компания контакта;Примечание;utm_source;Рабочий телефон", "amocrm", kommo.EntityLeads},
		{"kommo leads en", "kommo_export_leads.csv", "ID;Lead title;Sale;Responsible user;Pipeline;Lead status;Date created;Tags;Contact;Company", "amocrm", kommo.EntityLeads},
		// History files (docs/history-exports.md).
		{"hubspot notes", "hubspot-crm-exports-notes.csv", "Record ID,Note body,Activity date,Activity assigned to,Associated Contact IDs,Associated Deal IDs,Attachments", "hubspot", EntityNotes},
		{"hubspot calls", "calls.csv", "Record ID,Call title,Call notes,Call direction,Call duration,To number,Call outcome,Activity date,Activity assigned to,Associated Contact IDs", "hubspot", EntityNotes},
		{"hubspot emails internal", "emails.csv", "hs_object_id,hs_email_subject,hs_email_text,hs_timestamp,hubspot_owner_id,Associated Contact IDs", "hubspot", EntityNotes},
		{"salesforce notes", "Note.csv", "Id,IsDeleted,ParentId,Title,IsPrivate,Body,OwnerId,CreatedDate,CreatedById", "salesforce", EntityNotes},
		{"salesforce events", "Event.csv", "Id,WhoId,WhatId,Subject,ActivityDateTime,DurationInMinutes,Description,OwnerId,IsDeleted", "salesforce", EntityNotes},
		{"pipedrive notes", "notes-export.csv", "Note - ID,Note - Content,Note - Deal ID,Note - Person ID,Note - Organization ID,Note - User,Note - Add time", "pipedrive", EntityNotes},
		{"zoho notes", "Notes.csv", "Record Id,Note Title,Note Content,Parent ID,Parent Module,Note Owner,Created Time", "zoho", EntityNotes},
		{"zoho calls", "Calls.csv", "Record Id,Subject,Call Type,Call Start Time,Call Duration,Call Result,Description,Who Id,What Id,Related Module,Call Owner", "zoho", EntityNotes},
		{"bitrix24 comments", "comments.csv", "ID;CREATED;ENTITY_ID;ENTITY_TYPE;AUTHOR_ID;COMMENT;FILES", "bitrix24", EntityNotes},
		{"bitrix24 activities", "activities.csv", "ID;OWNER_TYPE_ID;OWNER_ID;SUBJECT;DESCRIPTION;START_TIME;AUTHOR_ID", "bitrix24", EntityNotes},
		{"kommo-bulk notes export", "notes.csv", "ID,Entity type,Entity ID,Note type,Created at,Created by,Created by ID,Updated at,Text,Phone,Duration,Call source,Call link,Call ID,Call result,Call status,Service,Subject,Params", "amocrm", EntityNotes},
	}
	ps := Presets()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sep := ","
			if strings.Contains(tt.header, ";") {
				sep = ";"
			}
			ds := Detect(ps, tt.file, strings.Split(tt.header, sep))
			if len(ds) == 0 {
				t.Fatalf("Detect = nothing")
			}
			d := ds[0]
			if d.Source != tt.source || d.Entity != tt.entity {
				t.Errorf("Detect = %s %s (%.2f), want %s %s; runners-up %s", d.Source, d.Entity, d.Confidence, tt.source, tt.entity, runnersUp(ds))
			}
			if d.Confidence < 0.5 {
				t.Errorf("Detect confidence = %.2f, want ≥ 0.5", d.Confidence)
			}
		})
	}
}

func runnersUp(ds []Detection) string {
	var b strings.Builder
	for i, d := range ds {
		if i == 4 {
			break
		}
		fmt.Fprintf(&b, "%s/%s %.2f; ", d.Source, d.Entity, d.Confidence)
	}
	return b.String()
}

func TestFitHeaderOrderKeyAndIgnored(t *testing.T) {
	p, _ := PresetFor("hubspot")
	header := []string{"Record ID", "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number", "Favourite colour", "Associated Company ID", "Contact owner"}
	fit := p.File(kommo.EntityContacts).Fit(sheet.UniqueHeaders(header), "External ID")
	s := fit.Spec
	if s.Key != "Record ID" {
		t.Errorf("Key = %q, want Record ID", s.Key)
	}
	if s.Match.Primary != "field:External ID" {
		t.Errorf("Match = %+v", s.Match)
	}
	if len(s.Refs) != 1 || s.Refs[0].Column != "Associated Company ID" || s.Refs[0].Entity != kommo.EntityCompanies {
		t.Errorf("Refs = %+v", s.Refs)
	}
	var got []string
	for _, c := range s.Columns {
		got = append(got, c.Column+"→"+c.Field+c.Enum)
	}
	want := "Record ID→External ID,First Name→first_name,Last Name→last_name,Email→EMAILWORK,Phone Number→PHONEWORK,Mobile Phone Number→PHONEMOB,Contact owner→responsible_user"
	if strings.Join(got, ",") != want {
		t.Errorf("columns = %s\nwant      %s", strings.Join(got, ","), want)
	}
	if len(fit.Ignored) != 1 || fit.Ignored[0] != "Favourite colour" {
		t.Errorf("Ignored = %q", fit.Ignored)
	}
	if fit.Types["contacts/External ID"] != kommo.FieldText {
		t.Errorf("Types = %v", fit.Types)
	}
}

func TestFitSkipsDeletedRows(t *testing.T) {
	p, _ := PresetFor("salesforce")
	header := []string{"Id", "IsDeleted", "LastName"}
	fit := p.File(kommo.EntityContacts).Fit(header, "")
	if why, ok := fit.Skips(header, []string{"0035", "true", "X"}); !ok || !strings.Contains(why, "IsDeleted") {
		t.Errorf("Skips(deleted) = %q, %v", why, ok)
	}
	if _, ok := fit.Skips(header, []string{"0036", "false", "Y"}); ok {
		t.Errorf("Skips(not deleted) = true")
	}
}
