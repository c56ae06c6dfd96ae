package mapping

import "testing"

// TestStandardField: every spelling the mapper takes for a standard field
// names it, so an owner or stage column is recognised however a spec
// spells it.
func TestStandardField(t *testing.T) {
	for in, want := range map[string]string{
		"responsible_user":    "responsible_user",
		"responsible_user_id": "responsible_user",
		"Responsible user":    "responsible_user",
		"Owner":               "responsible_user",
		"stage":               "status",
		"status_id":           "status",
		"Pipeline ID":         "pipeline",
		"budget":              "price",
		"cf:Industry":         "",
		"Industry":            "",
	} {
		if got := StandardField(in); got != want {
			t.Errorf("StandardField(%q) = %q, want %q", in, got, want)
		}
	}
	// Every field's own name is itself.
	for f := stdID; f <= stdDuration; f++ {
		if got := StandardField(stdFields[f].name); got != stdFields[f].name {
			t.Errorf("StandardField(%q) = %q", stdFields[f].name, got)
		}
	}
}
