package value

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValueMapLookup(t *testing.T) {
	m, err := NewValueMap(map[string]string{
		"Hot":         "Горячий",
		"Warm":        "Тёплый",
		"Cold":        "Холодный",
		"Négociation": "Negotiation",
	})
	if err != nil {
		t.Fatalf("NewValueMap: %v", err)
	}
	tests := []struct {
		name        string
		m           *ValueMap
		in          string
		want        string
		wantClosest []string // non-nil means an *UnknownValueError is expected
	}{
		{"exact", m, "Hot", "Горячий", nil},
		{"case", m, "hOT", "Горячий", nil},
		{"spaces", m, "  warm ", "Тёплый", nil},
		{"accents", m, "NEGOCIATION", "Negotiation", nil},
		{"punctuation", m, "cold.", "Холодный", nil},
		{"unknown with hint", m, "Hto", "", []string{"Hot"}},
		{"unknown no hint", m, "zzzzzz", "", []string{}},
		{"default", m.WithDefault("Other"), "zzzzzz", "Other", nil},
		{"default keeps known", m.WithDefault("Other"), "hot", "Горячий", nil},
		{"zero map", &ValueMap{}, "x", "", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.m.Lookup(tt.in)
			if tt.wantClosest != nil {
				var uv *UnknownValueError
				if !errors.As(err, &uv) {
					t.Fatalf("Lookup(%q) = %q, %v; want *UnknownValueError", tt.in, got, err)
				}
				if diff := cmp.Diff(tt.wantClosest, uv.Closest, cmp.Comparer(func(a, b []string) bool { return len(a) == len(b) && (len(a) == 0 || cmp.Equal(a, b)) })); diff != "" {
					t.Errorf("Lookup(%q) closest = %q, want %q", tt.in, uv.Closest, tt.wantClosest)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Lookup(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
	// WithDefault must not change the original map.
	if _, err := m.Lookup("zzzzzz"); err == nil {
		t.Errorf("Lookup on original map after WithDefault succeeded; want error")
	}
}

func TestNewValueMapConflict(t *testing.T) {
	if _, err := NewValueMap(map[string]string{"Hot": "A", "hot ": "B"}); err == nil {
		t.Errorf("NewValueMap(conflicting keys) = nil error, want error")
	}
	if _, err := NewValueMap(map[string]string{"Hot": "A", "HOT": "A"}); err != nil {
		t.Errorf("NewValueMap(duplicate keys, same target) = %v, want nil", err)
	}
}

func TestUnknownValueErrorMessage(t *testing.T) {
	tests := []struct {
		err  *UnknownValueError
		want string
	}{
		{&UnknownValueError{Value: "x"}, `unknown value "x"`},
		{&UnknownValueError{Value: "Hto", Closest: []string{"Hot"}}, `unknown value "Hto"; did you mean "Hot"?`},
		{&UnknownValueError{Value: "Hold", Closest: []string{"Cold", "Hot", "Bold"}}, `unknown value "Hold"; did you mean "Cold", "Hot", or "Bold"?`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
