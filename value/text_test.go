package value

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCollapseSpace(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "abc", "abc"},
		{"trim", "  a b  ", "a b"},
		{"runs", "a \t\n b", "a b"},
		{"nbsp", "a\u00a0\u00a0b\u202f", "a b"},
		{"thin space", "1\u2009234", "1 234"},
		{"zero width and bom", "\ufeffab\u200bc", "abc"},
		{"cyrillic", " Иван  Петров ", "Иван Петров"},
		{"only spaces", " \u00a0\t", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CollapseSpace(tt.in); got != tt.want {
				t.Errorf("CollapseSpace(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"ascii case", "Hello World", "hello world"},
		{"punctuation runs", "  E-mail (work):  ", "e mail work"},
		{"accents", "Crème Brûlée", "creme brulee"},
		{"german", "Über-Straße", "uber strasse"},
		{"polish", "Łódź", "lodz"},
		{"scandinavian", "Søren Ærø", "soren aero"},
		{"cyrillic yo", "Фёдор", "федор"},
		{"spanish", "SÍ", "si"},
		{"portuguese", "Não", "nao"},
		{"digits kept", "Phone #2", "phone 2"},
		{"nbsp", "a\u00a0b", "a b"},
		{"only punctuation", "--//--", ""},
		{"decomposed input", "e\u0301", "e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestJoinColumns(t *testing.T) {
	tests := []struct {
		name   string
		sep    string
		values []string
		want   string
	}{
		{"none", ", ", nil, ""},
		{"skips empty", ", ", []string{"Main St. 1", "", "  ", "Berlin"}, "Main St. 1, Berlin"},
		{"collapses", " ", []string{" John ", "  Smith"}, "John Smith"},
		{"custom sep", " / ", []string{"a", "b", "c"}, "a / b / c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := JoinColumns(tt.sep, tt.values...); got != tt.want {
				t.Errorf("JoinColumns(%q, %q) = %q, want %q", tt.sep, tt.values, got, tt.want)
			}
		})
	}
}

func TestSplitValues(t *testing.T) {
	tests := []struct {
		name, in, sep string
		want          []string
	}{
		{"empty", "", ";", nil},
		{"semicolon", "a; b", ";", []string{"a", "b"}},
		{"comma", "a, b", ",", []string{"a", "b"}},
		{"newline always splits", "a\nb\r\nc", ";", []string{"a", "b", "c"}},
		{"drops empties", "a;; ;b;", ";", []string{"a", "b"}},
		{"comma kept with semicolon sep", "Smith, John; Doe, Jane", ";", []string{"Smith, John", "Doe, Jane"}},
		{"default splits both", "a, b; c\nd", "", []string{"a", "b", "c", "d"}},
		{"multi-char sep", "a || b||c", "||", []string{"a", "b", "c"}},
		{"collapses inside", "  big   red ; x", ";", []string{"big red", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SplitValues(tt.in, tt.sep)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("SplitValues(%q, %q) = %q, want %q (-want +got):\n%s", tt.in, tt.sep, got, tt.want, diff)
			}
		})
	}
}

func TestJoinValuesRoundTrip(t *testing.T) {
	in := []string{"a", " b ", "", "c d"}
	got := JoinValues(in)
	if want := "a; b; c d"; got != want {
		t.Errorf("JoinValues(%q) = %q, want %q", in, got, want)
	}
	back := SplitValues(got, ";")
	if diff := cmp.Diff([]string{"a", "b", "c d"}, back); diff != "" {
		t.Errorf("SplitValues(JoinValues(x)) mismatch (-want +got):\n%s", diff)
	}
	// One value is the whole of a one-value field: kept as it is.
	for _, v := range []string{"\t=cmd", "  two  spaces ", "line\nbreak"} {
		if got := JoinValues([]string{v}); got != v {
			t.Errorf("JoinValues([%q]) = %q, want it unchanged", v, got)
		}
	}
	if got := JoinValues([]string{" \t "}); got != "" {
		t.Errorf("JoinValues([blank]) = %q, want empty", got)
	}
}

func TestSplitName(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		order   NameOrder
		want    Name
		wantErr error
	}{
		{"two words", "John Smith", GivenFirst, Name{First: "John", Last: "Smith"}, nil},
		{"single word", "Madonna", GivenFirst, Name{First: "Madonna"}, nil},
		{"middle names", "John Ronald Reuel Tolkien", GivenFirst, Name{First: "John", Middle: "Ronald Reuel", Last: "Tolkien"}, nil},
		{"last comma first", "Tolkien, John Ronald", GivenFirst, Name{First: "John", Middle: "Ronald", Last: "Tolkien"}, nil},
		{"comma wins over order", "Tolkien, John", FamilyFirst, Name{First: "John", Last: "Tolkien"}, nil},
		{"particle van", "Ludwig van Beethoven", GivenFirst, Name{First: "Ludwig", Last: "van Beethoven"}, nil},
		{"particles van der", "Jan van der Berg", GivenFirst, Name{First: "Jan", Last: "van der Berg"}, nil},
		{"particles de la", "Maria de la Cruz", GivenFirst, Name{First: "Maria", Last: "de la Cruz"}, nil},
		{"particle with middle", "Johann Ludwig von Neumann", GivenFirst, Name{First: "Johann", Middle: "Ludwig", Last: "von Neumann"}, nil},
		{"capitalised not particle", "Robert De Niro", GivenFirst, Name{First: "Robert", Middle: "De", Last: "Niro"}, nil},
		{"suffix comma", "John Smith, Jr.", GivenFirst, Name{First: "John", Last: "Smith Jr."}, nil},
		{"suffix no comma", "John Smith III", GivenFirst, Name{First: "John", Last: "Smith III"}, nil},
		{"russian family first", "Петров Иван Иванович", FamilyFirst, Name{First: "Иван", Middle: "Иванович", Last: "Петров"}, nil},
		{"russian given first", "Иван Иванович Петров", GivenFirst, Name{First: "Иван", Middle: "Иванович", Last: "Петров"}, nil},
		{"family first two", "Mao Zedong", FamilyFirst, Name{First: "Zedong", Last: "Mao"}, nil},
		{"family first particle", "van der Berg Jan", FamilyFirst, Name{First: "Jan", Last: "van der Berg"}, nil},
		{"messy spaces", "  John\u00a0\u00a0 Smith ", GivenFirst, Name{First: "John", Last: "Smith"}, nil},
		{"trailing comma", "Smith,", GivenFirst, Name{First: "Smith"}, nil},
		{"empty", "  ", GivenFirst, Name{}, ErrEmptyName},
		{"no letters", "123 ,", GivenFirst, Name{}, ErrEmptyName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SplitName(tt.in, tt.order)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("SplitName(%q, %v) error = %v, want %v", tt.in, tt.order, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("SplitName(%q, %v) = %+v, want %+v", tt.in, tt.order, got, tt.want)
			}
		})
	}
}

func TestClosest(t *testing.T) {
	candidates := []string{"Hot", "Warm", "Cold", "Won", "Lost", "Qualified lead"}
	tests := []struct {
		name  string
		value string
		n     int
		want  []string
	}{
		{"typo", "Hto", 3, []string{"Hot"}},
		{"case and accents", "WÁRM", 3, []string{"Warm"}},
		{"substring", "qualified", 2, []string{"Qualified lead"}},
		{"several", "Hold", 3, []string{"Cold", "Hot"}},
		{"nothing close", "zzzzzz", 3, nil},
		{"n zero", "Hot", 0, nil},
		{"limit n", "Cot", 1, []string{"Hot"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Closest(tt.value, candidates, tt.n)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Closest(%q, _, %d) = %q, want %q", tt.value, tt.n, got, tt.want)
			}
		})
	}
}

func TestLevenshtein(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"kitten", "sitting", 3},
		{"флаг", "фляг", 1},
		{"hto", "hot", 1},
		{"ab", "ba", 1},
	}
	for _, tt := range tests {
		if got := Levenshtein([]rune(tt.a), []rune(tt.b)); got != tt.want {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
