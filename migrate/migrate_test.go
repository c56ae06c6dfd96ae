package migrate

import "testing"

func TestGuessType(t *testing.T) {
	tests := []struct {
		name   string
		values map[string]int
		want   string
	}{
		{"numbers", map[string]int{"12": 1, "3.5": 2}, "numeric"},
		{"dates", map[string]int{"2024-03-15": 1, "15.03.2024 10:00": 1}, "date"},
		{"few repeated", map[string]int{"Retail": 3, "Software": 2}, "select"},
		{"free text", map[string]int{"call back": 1, "urgent": 1}, "text"},
		{"nothing", nil, "text"},
	}
	for _, tt := range tests {
		if got := guessType(tt.values); string(got) != tt.want {
			t.Errorf("guessType(%s) = %s, want %s", tt.name, got, tt.want)
		}
	}
}
