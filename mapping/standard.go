package mapping

import "github.com/kommo-bulk/kommo-bulk/kommo"

// StandardSchema is what every Kommo account has, for proposing a mapping
// without one: the standard fields (which need no schema) and the
// predefined custom fields, by their codes: PHONE, EMAIL and POSITION of
// contacts, PHONE, EMAIL, WEB and ADDRESS of companies, with the PHONE and
// EMAIL enum codes. It has no users, pipelines or other custom fields, so
// a spec proposed with it names owners, stages and the account's own
// fields unchecked; its field ids are placeholders (negative), and a spec
// names the fields by code, which resolves in any account.
func StandardSchema() *Schema {
	enums := func(base int, codes ...string) []kommo.Enum {
		out := make([]kommo.Enum, len(codes))
		for i, c := range codes {
			out[i] = kommo.Enum{ID: base - i, Value: c, Sort: 2 * (i + 1)}
		}
		return out
	}
	phone := func(id int) *kommo.CustomField {
		return &kommo.CustomField{ID: id, Name: "Phone", Code: kommo.CodePhone, Type: kommo.FieldMultitext, IsPredefined: true,
			Enums: enums(id*100, kommo.PhoneWork, kommo.PhoneWorkDD, kommo.PhoneMobile, kommo.PhoneFax, kommo.PhoneHome, kommo.PhoneOther)}
	}
	email := func(id int) *kommo.CustomField {
		return &kommo.CustomField{ID: id, Name: "Email", Code: kommo.CodeEmail, Type: kommo.FieldMultitext, IsPredefined: true,
			Enums: enums(id*100, kommo.EmailWork, kommo.EmailPriv, kommo.EmailOther)}
	}
	return &Schema{
		Fields: map[kommo.EntityType][]*kommo.CustomField{
			kommo.EntityContacts: {phone(-1), email(-2),
				{ID: -3, Name: "Position", Code: kommo.CodePosition, Type: kommo.FieldText, IsPredefined: true}},
			kommo.EntityCompanies: {phone(-4), email(-5),
				{ID: -6, Name: "Web", Code: kommo.CodeWeb, Type: kommo.FieldURL, IsPredefined: true},
				{ID: -7, Name: "Address", Code: kommo.CodeAddress, Type: kommo.FieldTextarea, IsPredefined: true}},
		},
	}
}
