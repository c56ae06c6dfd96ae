package engine

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/i18n"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// TestMessagesMatchTheEnglish: the codes a value's error crosses the
// boundary with render, in English, the engine's own text, so that a
// translation says what the English says.
func TestMessagesMatchTheEnglish(t *testing.T) {
	var errs []error
	for _, s := range []string{"", "a b@x.io", "nobody", "a@b@c.io", "@x.io", ".a@x.io", "a.@x.io", "a..b@x.io", "a@"} {
		_, err := value.ParseEmail(s)
		errs = append(errs, err)
	}
	for _, c := range [][2]string{{"12", "RU"}, {"+7 999 123", ""}, {"+7 999 123 45 67 89 01", ""}, {"not a phone", "US"}, {"555 0100", ""}, {"+999 123456", ""}} {
		_, err := value.ParsePhone(c[0], c[1])
		errs = append(errs, err)
	}
	errs = append(errs, &mapping.NameError{Kind: "stage", Name: "Negotation", Closest: []string{"Negotiation"}}, mapping.ErrRequired)
	seen := map[string]bool{}
	for _, err := range errs {
		if err == nil {
			t.Fatal("a value that should not validate did")
		}
		re := &sheet.RowError{Row: 2, Column: "C", Err: err}
		msgs := rowErrorMsgs(re)
		seen[msgs[len(msgs)-1].Code] = true
		if got, want := i18n.RenderMsgs("en", msgs), strings.Replace(err.Error(), "; did you mean", ": did you mean", 1); !sameQuotes(got, want) {
			t.Errorf("%v as codes %v reads %q in English", err, msgs, got)
		}
		for _, lang := range i18n.Languages[1:] {
			if s := i18n.RenderMsgs(lang, msgs); strings.Contains(s, "{") || s == i18n.RenderMsgs("en", msgs) {
				t.Errorf("%s: %v reads %q", lang, err, s)
			}
		}
	}
	if len(seen) < 12 {
		t.Errorf("only %d different reasons checked: %v", len(seen), seen)
	}
}

// sameQuotes compares two texts with any pair of quotes as “”.
func sameQuotes(a, b string) bool {
	q := strings.NewReplacer(`"`, "“", "”", "“")
	return q.Replace(a) == q.Replace(b)
}

// TestValidateSendsCodes: the validation the page receives carries, for
// each warning, error and cause, codes that render the engine's English
// and translate.
func TestValidateSendsCodes(t *testing.T) {
	e, _ := setup(t)
	ctx := t.Context()
	fi := openDemo(t, e, "contacts.csv")
	v, err := e.Validate(ctx, fi.ID, demoSpec(t, "contacts.yaml"), ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spec := strings.Replace(demoSpec(t, "contacts.yaml"), "transforms: [phone]", "transforms: [phone]\n    on_invalid: error", 1)
	bad, err := e.Validate(ctx, fi.ID, spec, ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// What goes over the boundary: JSON.
	var wire struct {
		WarnRows []struct {
			Warnings []struct {
				Message string     `json:"message"`
				Msgs    []i18n.Msg `json:"msgs"`
			} `json:"warnings"`
		} `json:"warnRows"`
		BadRows []struct {
			Errors []struct {
				Code, Reason, Message string
				Msgs                  []i18n.Msg `json:"msgs"`
			} `json:"errors"`
		} `json:"badRows"`
		Causes []struct {
			Error                        bool
			Column, Code, Reason, Action string
			Rows                         int
			Example, Text                string
			HintMsgs                     []i18n.Msg `json:"hintMsgs"`
		} `json:"causes"`
	}
	b, _ := json.Marshal(v)
	if err := json.Unmarshal(b, &wire); err != nil {
		t.Fatal(err)
	}
	if len(wire.WarnRows) != 1 || len(wire.WarnRows[0].Warnings) != 1 {
		t.Fatalf("warn rows = %s", b)
	}
	w := wire.WarnRows[0].Warnings[0]
	if got := i18n.RenderMsgs("en", w.Msgs); got != w.Message {
		t.Errorf("warning codes %v read %q, the engine %q", w.Msgs, got, w.Message)
	}
	if got, want := i18n.RenderMsgs("es", w.Msgs), "omitido: teléfono no válido: no es un número de teléfono"; got != want {
		t.Errorf("es: %q, want %q", got, want)
	}
	for _, c := range wire.Causes {
		if got := i18n.RenderCause("en", c.Error, c.Column, c.Code, c.Reason, c.Action, c.Rows, c.Example); got != c.Text {
			t.Errorf("cause codes read %q, the engine %q", got, c.Text)
		}
		if got := i18n.RenderMsgs("en", c.HintMsgs); !strings.Contains(c.Text, got) {
			t.Errorf("hint codes %v read %q, not in %q", c.HintMsgs, got, c.Text)
		}
	}
	b, _ = json.Marshal(bad)
	if err := json.Unmarshal(b, &wire); err != nil {
		t.Fatal(err)
	}
	if len(wire.BadRows) != 1 || len(wire.BadRows[0].Errors) != 1 {
		t.Fatalf("bad rows = %s", b)
	}
	ce := wire.BadRows[0].Errors[0]
	if ce.Code != "phone_invalid" || ce.Reason != "not_a_number" || i18n.RenderMsgs("en", ce.Msgs) != ce.Message {
		t.Errorf("error = %+v", ce)
	}
	if got, want := i18n.RenderMsgs("ru", ce.Msgs), "неверный номер телефона: это не номер телефона"; got != want {
		t.Errorf("ru: %q, want %q", got, want)
	}
}

func TestRowWarningMsgs(t *testing.T) {
	_, err := value.ParsePhone("12345", "")
	w := &mapping.RowWarning{Column: "Phone", Value: "12345", Code: mapping.WarnPhoneKept, Action: mapping.ActionKept,
		Reason: "no_country_code", Params: map[string]string{"country": "Narnia"}, Err: err}
	if got := i18n.RenderMsgs("en", rowWarningMsgs(w)); !sameQuotes(got, strings.NewReplacer(" (country", ": country", "recognised)", "recognised").Replace(w.Text())) {
		t.Errorf("%q against %q", got, w.Text())
	}
	if got, want := i18n.RenderMsgs("pt-BR", rowWarningMsgs(w)), "enviado como está: telefone inválido: sem código de país e sem região padrão: país “Narnia” não reconhecido"; got != want {
		t.Errorf("pt-BR: %q, want %q", got, want)
	}
	ref := &mapping.RowWarning{Column: "Company ID", Value: "C-9", Code: mapping.WarnRefNotFound, Action: mapping.ActionNotLinked, Reason: "company",
		Params: map[string]string{"entity": "companies", "key": "C-9"}, Err: errors.New(`no company "C-9" in this run or the journals given`)}
	if got := i18n.RenderMsgs("en", rowWarningMsgs(ref)); !sameQuotes(got, ref.Text()) {
		t.Errorf("%q against %q", got, ref.Text())
	}
}

// TestDryRunSendsCodes: a dry run's failed row carries its mapping
// errors as codes, with their column, and its warnings too.
func TestDryRunSendsCodes(t *testing.T) {
	e, _ := setup(t)
	ctx := t.Context()
	fi := openDemo(t, e, "contacts.csv")
	spec := strings.Replace(demoSpec(t, "contacts.yaml"), "transforms: [phone]", "transforms: [phone]\n    on_invalid: error", 1)
	j, err := e.StartImport(ctx, fi.ID, spec, ImportParams{Mode: "upsert", DryRun: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := j.Wait()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res.Details)
	var details []struct {
		Row         int
		Error       string
		ErrorMsgs   []ColumnMsgs `json:"errorMsgs"`
		WarningMsgs []ColumnMsgs `json:"warningMsgs"`
	}
	if err := json.Unmarshal(b, &details); err != nil {
		t.Fatal(err)
	}
	var failed, warned int
	for _, d := range details {
		if d.Row == 6 {
			failed++
			if len(d.ErrorMsgs) != 1 || d.ErrorMsgs[0].Column != "Phone" || !strings.Contains(d.Error, i18n.RenderMsgs("en", d.ErrorMsgs[0].Msgs)) {
				t.Errorf("row 6: %s", b)
			}
			if got, want := i18n.RenderMsgs("es", d.ErrorMsgs[0].Msgs), "teléfono no válido: no es un número de teléfono"; got != want {
				t.Errorf("row 6 in Spanish: %q, want %q", got, want)
			}
		}
		for _, w := range d.WarningMsgs {
			if w.Column == "Company ID" && w.Msgs[0].Code == "action.not_linked" {
				warned++
			}
		}
	}
	if failed != 1 || warned != 5 {
		t.Errorf("%d failed rows and %d rows not linked with codes, want 1 and 5: %s", failed, warned, b)
	}
}
