package value

import (
	"testing"
)

func BenchmarkNormalize(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Normalize("  Über-Straße  Фёдор (work) ")
	}
}

func BenchmarkNormalizeASCII(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Normalize("E-mail (Work)")
	}
}

func BenchmarkCollapseSpace(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = CollapseSpace("  Иван\u00a0\u00a0Петров  ")
	}
}

func BenchmarkParseNumber(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseNumber("1 234 567,89 ₽", DecimalComma); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParsePhone(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePhone("8 (999) 123-45-67", "RU"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseEmail(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseEmail(" John.Smith@Example.COM "); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDateParser(b *testing.B) {
	p, err := NewDateParser(DateOptions{Layouts: []string{"dd.mm.yyyy", "mm/dd/yyyy"}})
	if err != nil {
		b.Fatal(err)
	}
	for _, in := range []string{"2024-01-31T14:30:00Z", "31.01.2024 14:30", "01/31/2024"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Parse(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseBool(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseBool("Não"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClosest(b *testing.B) {
	cands := []string{"Первичный контакт", "Переговоры", "Принимают решение", "Согласование договора", "Успешно реализовано", "Закрыто и не реализовано", "Qualified", "Proposal sent"}
	b.ReportAllocs()
	for b.Loop() {
		_ = Closest("переговори", cands, 3)
	}
}

func BenchmarkNormalizeCyrillic(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Normalize("Иван Петров")
	}
}
