package mapping

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// The fast constructors must match kommo's byte for byte.
func TestFieldValueConstructors(t *testing.T) {
	for _, s := range []string{"", "plain", "Иван «Ромашка»", "a<b>&c", "quote \" and \\", "tab\there", "line\u2028sep", "bad \xff utf8", "emoji 😀",
		"Café \"Paris\"", "ü\tb", "ä<b>", "Ж\\", "ё\u2028", "ok ü then \xff"} {
		if got, want := textValue(s), kommo.Text(s); !cmp.Equal(got, want) {
			t.Errorf("textValue(%q) = %s, want %s", s, got.Value, want.Value)
		}
		if got, want := multitextValue(s, "MOB"), kommo.Multitext(s, "MOB"); !cmp.Equal(got, want) {
			t.Errorf("multitextValue(%q) = %s, want %s", s, got.Value, want.Value)
		}
	}
	for _, f := range []float64{0, 1, -1, 1234.5, 0.1, 1e-7, 1e-6, 123456789012345678, 1e21, 1e300, math.SmallestNonzeroFloat64, -0.000001} {
		if got, want := numberValue(f), kommo.Number(f); !cmp.Equal(got, want) {
			t.Errorf("numberValue(%v) = %s, want %s", f, got.Value, want.Value)
		}
	}
	for _, d := range []time.Time{time.Unix(0, 0), time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 15, 10, 30, 0, 0, time.FixedZone("", 3600))} {
		if got, want := dateValue(d), kommo.Date(d); !cmp.Equal(got, want) {
			t.Errorf("dateValue(%v) = %s, want %s", d, got.Value, want.Value)
		}
	}
	for _, b := range []bool{true, false} {
		if got, want := checkboxValue(b), kommo.Checkbox(b); !cmp.Equal(got, want) {
			t.Errorf("checkboxValue(%v) = %s, want %s", b, got.Value, want.Value)
		}
	}
}

// jsonString escapes exactly like json.Marshal, whatever comes after the
// first non-ASCII byte.
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"plain", "é\"x", "ü\tb", "\xff", "😀<", "a\u2029"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := jsonString(s); string(got) != string(want) {
			t.Errorf("jsonString(%q) = %s, want %s", s, got, want)
		}
	})
}
