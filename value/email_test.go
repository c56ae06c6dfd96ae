package value

import (
	"errors"
	"strings"
	"testing"
)

func TestParseEmail(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string
	}{
		{"plain", "john@example.com", "john@example.com", ""},
		{"trim and lower", "  John.Smith@Example.COM ", "john.smith@example.com", ""},
		{"nbsp around", "\u00a0a@b.co\u00a0", "a@b.co", ""},
		{"plus tag", "a+tag@mail.example.org", "a+tag@mail.example.org", ""},
		{"mailto", "mailto:A@B.io", "a@b.io", ""},
		{"angle brackets", "<a@b.io>", "a@b.io", ""},
		{"cyrillic domain", "info@пример.рф", "info@пример.рф", ""},
		{"empty", " ", "", "empty"},
		{"no at", "john.example.com", "", "no @"},
		{"two at", "a@b@c.com", "", "more than one @"},
		{"space inside", "john smith@example.com", "", "space"},
		{"no local", "@example.com", "", "nothing before @"},
		{"no domain", "john@", "", "no domain"},
		{"domain without dot", "john@localhost", "", "has no dot"},
		{"domain double dot", "john@example..com", "", `domain "example..com" has two dots in a row`},
		{"domain trailing dot", "john@example.com.", "", `domain "example.com." ends with a dot`},
		{"domain leading dot", "john@.example.com", "", `domain ".example.com" starts with a dot`},
		{"hyphen label", "john@-example.com", "", `domain "-example.com" has a part that starts or ends with a hyphen`},
		{"dot before at", "john.@example.com", "", "dot right before @"},
		{"leading dot", ".dubois1@example.org", "", "starts with a dot"},
		{"double dot", "jean..dubois@example.org", "", "two dots in a row before @"},
		{"two addresses", "a@b.com, c@d.com", "", "space"},
		{"display name", "John <a@b.com>", "", "space"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEmail(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalidEmail) {
					t.Fatalf("ParseEmail(%q) = %q, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseEmail(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}
