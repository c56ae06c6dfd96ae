package value

import (
	"errors"
	"strings"
	"testing"
)

func TestParseBool(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    bool
		wantErr bool
	}{
		{"yes", "yes", true, false},
		{"YES padded", "  YES ", true, false},
		{"y", "Y", true, false},
		{"true", "TRUE", true, false},
		{"1", "1", true, false},
		{"on", "On", true, false},
		{"x", "x", true, false},
		{"X", "X", true, false},
		{"da", "Да", true, false},
		{"si accent", "Sí", true, false},
		{"si upper accent", "SÍ", true, false},
		{"si plain", "si", true, false},
		{"oui", "Oui", true, false},
		{"ja", "ja", true, false},
		{"sim", "Sim", true, false},
		{"tak", "TAK", true, false},
		{"check mark", "✓", true, false},
		{"punctuated", "yes!", true, false},
		{"no", "no", false, false},
		{"n", "N", false, false},
		{"false", "False", false, false},
		{"0", "0", false, false},
		{"off", "OFF", false, false},
		{"empty", "", false, false},
		{"spaces", "   ", false, false},
		{"net", "нет", false, false},
		{"non", "non", false, false},
		{"nein", "Nein", false, false},
		{"nao accent", "não", false, false},
		{"nao upper", "NÃO", false, false},
		{"nie", "nie", false, false},
		{"cross", "✗", false, false},
		{"unknown", "maybe", false, true},
		{"number 2", "2", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBool(tt.in)
			if tt.wantErr {
				if err == nil || !errors.Is(err, ErrInvalidBool) || !strings.Contains(err.Error(), "да/нет") {
					t.Fatalf("ParseBool(%q) = %v, %v; want error listing accepted values", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseBool(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestBoolValuesAgreeWithParseBool(t *testing.T) {
	for _, v := range BoolTrueValues() {
		if got, err := ParseBool(v); err != nil || !got {
			t.Errorf("ParseBool(%q) = %v, %v; want true", v, got, err)
		}
	}
	for _, v := range BoolFalseValues() {
		if got, err := ParseBool(v); err != nil || got {
			t.Errorf("ParseBool(%q) = %v, %v; want false", v, got, err)
		}
	}
}
