package i18n

import (
	"reflect"
	"testing"
)

func codes(ms []Msg) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Code
	}
	return out
}

func TestErrorMsgs(t *testing.T) {
	for _, c := range []struct {
		code, reason string
		params       map[string]string
		want         []string
		en, es       string
	}{
		{"phone_invalid", "too_short", map[string]string{"country_code": "7"},
			[]string{"error.phone_invalid", "reason.phone_invalid.too_short.cc"},
			"invalid phone number: too short for country code +7", "teléfono no válido: demasiado corto para el código de país +7"},
		{"phone_invalid", "too_short", nil,
			[]string{"error.phone_invalid", "reason.phone_invalid.too_short"},
			"invalid phone number: too short", "teléfono no válido: demasiado corto"},
		{"email_invalid", "leading_dot", nil,
			[]string{"error.email_invalid", "reason.email_invalid.leading_dot"},
			"invalid email: starts with a dot", "correo electrónico no válido: empieza con un punto"},
		{"name_unknown", "stage", map[string]string{"name": "Negotation", "closest": "“Negotiation”"},
			[]string{"error.name_unknown.stage", "hint.did_you_mean"},
			"unknown stage “Negotation”: did you mean “Negotiation”?", "etapa desconocida «Negotation»: ¿quiso decir “Negotiation”?"},
		{"name_unknown", "task type", map[string]string{"name": "Call"},
			[]string{"error.name_unknown.task_type"}, "unknown task type “Call”", "tipo de tarea desconocido «Call»"},
		{"number_invalid", "", map[string]string{"value": "12,3,4"},
			[]string{"error.number_invalid", "detail.value"}, "invalid number: “12,3,4”", "número no válido: «12,3,4»"},
		{"value_required", "", map[string]string{"value": ""},
			[]string{"error.value_required"}, "value required", "valor obligatorio"},
		{"no_such_code", "", nil, []string{"error.invalid"}, "invalid value", "valor no válido"},
	} {
		ms := ErrorMsgs(c.code, c.reason, c.params)
		if got := codes(ms); !reflect.DeepEqual(got, c.want) {
			t.Errorf("ErrorMsgs(%q, %q) = %q, want %q", c.code, c.reason, got, c.want)
		}
		if got := RenderMsgs("en", ms); got != c.en {
			t.Errorf("en: %q, want %q", got, c.en)
		}
		if got := RenderMsgs("es", ms); got != c.es {
			t.Errorf("es: %q, want %q", got, c.es)
		}
	}
}

func TestWarningMsgs(t *testing.T) {
	ms := WarningMsgs("left_out", "phone_left_out", "not_a_number", "phone_invalid", map[string]string{"value": "not a phone"})
	if got, want := RenderMsgs("en", ms), "left out: invalid phone number: not a phone number"; got != want {
		t.Errorf("en: %q, want %q", got, want)
	}
	if got, want := RenderMsgs("ru", ms), "пропущено: неверный номер телефона: это не номер телефона"; got != want {
		t.Errorf("ru: %q, want %q", got, want)
	}
	ms = WarningMsgs("not_linked", "ref_not_found", "company", "", map[string]string{"entity": "companies", "key": "C-9"})
	if got, want := RenderMsgs("pt-BR", ms), "sem vínculo: nenhuma empresa “C-9” nesta execução nem nos diários informados"; got != want {
		t.Errorf("pt-BR: %q, want %q", got, want)
	}
	ms = WarningMsgs("kept_as_written", "phone_kept_as_written", "no_country_code", "phone_invalid", map[string]string{"country": "Narnia"})
	if got, want := codes(ms), []string{"action.kept_as_written", "error.phone_invalid", "reason.phone_invalid.no_country_code", "warn.country_not_recognised"}; !reflect.DeepEqual(got, want) {
		t.Errorf("no_country_code: %q, want %q", got, want)
	}
	ms = WarningMsgs("key_replaced", "match_key_replaced", "email", "", map[string]string{"key": "email", "by": "phone"})
	if got, want := RenderMsgs("es", ms), "emparejado por teléfono en lugar de correo electrónico"; got != want {
		t.Errorf("key_replaced: %q, want %q", got, want)
	}
	ms = WarningMsgs("normalized", "phone_normalized", "not_valid", "phone_invalid", map[string]string{"sent": "+12015550123", "country_code": "1"})
	if got, want := RenderMsgs("en", ms), "sent as +12015550123: invalid phone number: not a valid number for country code +1"; got != want {
		t.Errorf("normalized: %q, want %q", got, want)
	}
}

func TestRenderCause(t *testing.T) {
	for _, c := range []struct {
		lang                               string
		isError                            bool
		column, code, reason, action, exam string
		rows                               int
		want                               string
	}{
		// As mapping's Cause.String reads, in English.
		{"en", false, "Phone", "phone_left_out", "not_a_number", "left_out", "x", 1, "Phone: 1 row left out (no digits in it)"},
		{"en", false, "Company ID", "ref_not_found", "company", "not_linked", "C-9", 1,
			"Company ID: 1 row landed without its link (the company is in no file of this run: add its file, or its import's journal (--refs))"},
		{"en", true, "Phone", "phone_invalid", "no_country_code", "", "555", 137, "Phone: 137 rows failed (no country code: add options.region or a country column)"},
		{"es", false, "Teléfono", "phone_left_out", "not_a_number", "left_out", "x", 3, "Teléfono: 3 filas con el valor omitido (no contiene dígitos)"},
		{"ru", true, "Email", "email_invalid", "no_at", "", "a.b", 5, "Email: 5 строк с ошибкой (неверный e-mail: нет @)"},
		{"pt-BR", false, "", "value_left_out", "", "left_out", "abc", 2, "2 linhas com o valor omitido (valor inválido: “abc”)"},
	} {
		got := RenderCause(c.lang, c.isError, c.column, c.code, c.reason, c.action, c.rows, c.exam)
		if got != c.want {
			t.Errorf("RenderCause(%s, %s/%s) = %q, want %q", c.lang, c.code, c.reason, got, c.want)
		}
	}
}
