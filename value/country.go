package value

import (
	"strings"
	"sync"

	"github.com/kommo-bulk/kommo-bulk/internal/phonenumber"
)

// CountryRegion returns the ISO 3166 alpha-2 code of a country written as
// people write it in a country column: a name in English, Spanish,
// Portuguese, Russian or German ("Germany", "Alemania", "Alemanha",
// "Германия", "Deutschland"; case, accents and punctuation do not matter),
// an ISO 3166 alpha-2 code of any region the phone metadata knows ("DE")
// or the alpha-3 code of a common one ("DEU"). It returns "" when s is none
// of these.
//
// The names cover about 85 countries, those most CRM exports come from.
func CountryRegion(s string) string {
	t := strings.TrimSpace(s)
	if len(t) == 2 && isASCIILetters(t) {
		u := strings.ToUpper(t)
		if u == "UK" {
			return "GB"
		}
		if phonenumber.CountryCodeForRegion(u) != 0 {
			return u
		}
	}
	return countryIndex()[Normalize(t)]
}

func isASCIILetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// countryIndex maps the Normalized names and alpha-3 codes of
// countryNames to alpha-2 codes; it is built on first use and read-only
// after.
var countryIndex = sync.OnceValue(func() map[string]string {
	idx := make(map[string]string, 800)
	for line := range strings.SplitSeq(countryNames, "\n") {
		codes, names, ok := strings.Cut(line, "|")
		if !ok {
			continue
		}
		f := strings.Fields(codes)
		a2 := f[0]
		for _, a3 := range f[1:] {
			idx[strings.ToLower(a3)] = a2
		}
		for n := range strings.SplitSeq(names, "|") {
			if k := Normalize(n); k != "" {
				idx[k] = a2
			}
		}
	}
	return idx
})

// countryNames is one country a line: its alpha-2 and alpha-3 codes, then
// its names in English, Spanish, Portuguese, Russian and German, with the
// usual variants.
const countryNames = `
US USA|United States|United States of America|USA|U.S.A.|U.S.|America|Estados Unidos|Estados Unidos de America|EE. UU.|EEUU|EUA|Estados Unidos da America|Соединенные Штаты|Соединенные Штаты Америки|США|Vereinigte Staaten|Vereinigte Staaten von Amerika
CA CAN|Canada|Canadá|Канада|Kanada
MX MEX|Mexico|México|Мексика|Mexiko
BR BRA|Brazil|Brasil|Бразилия|Brasilien
AR ARG|Argentina|Аргентина|Argentinien
CL CHL|Chile|Чили
CO COL|Colombia|Colômbia|Колумбия|Kolumbien
PE PER|Peru|Perú|Перу
VE VEN|Venezuela|Венесуэла
EC ECU|Ecuador|Equador|Эквадор
UY URY|Uruguay|Uruguai|Уругвай
PY PRY|Paraguay|Paraguai|Парагвай
BO BOL|Bolivia|Bolívia|Боливия|Bolivien
CR CRI|Costa Rica|Коста-Рика
PA PAN|Panama|Panamá|Панама
GT GTM|Guatemala|Гватемала
SV SLV|El Salvador|Сальвадор
HN HND|Honduras|Гондурас
NI NIC|Nicaragua|Nicarágua|Никарагуа
DO DOM|Dominican Republic|República Dominicana|Доминиканская Республика|Доминикана|Dominikanische Republik
PR PRI|Puerto Rico|Porto Rico|Пуэрто-Рико
CU CUB|Cuba|Куба|Kuba
GB GBR|United Kingdom|UK|U.K.|Great Britain|Britain|England|Scotland|Wales|Northern Ireland|Reino Unido|Gran Bretaña|Inglaterra|Escocia|Escócia|Grã-Bretanha|Великобритания|Соединенное Королевство|Англия|Шотландия|Vereinigtes Königreich|Großbritannien|England|Schottland
IE IRL|Ireland|Republic of Ireland|Irlanda|Ирландия|Irland
FR FRA|France|Francia|França|Франция|Frankreich
DE DEU|Germany|Alemania|Alemanha|Германия|Deutschland|Bundesrepublik Deutschland
AT AUT|Austria|Áustria|Австрия|Österreich
CH CHE|Switzerland|Suiza|Suíça|Швейцария|Schweiz|Suisse|Svizzera
IT ITA|Italy|Italia|Itália|Италия|Italien
ES ESP|Spain|España|Espanha|Испания|Spanien
PT PRT|Portugal|Португалия
NL NLD|Netherlands|The Netherlands|Holland|Países Bajos|Holanda|Países Baixos|Нидерланды|Голландия|Niederlande|Nederland
BE BEL|Belgium|Bélgica|Бельгия|Belgien|Belgique|België
LU LUX|Luxembourg|Luxemburgo|Люксембург|Luxemburg
DK DNK|Denmark|Dinamarca|Дания|Dänemark|Danmark
SE SWE|Sweden|Suecia|Suécia|Швеция|Schweden|Sverige
NO NOR|Norway|Noruega|Норвегия|Norwegen|Norge
FI FIN|Finland|Finlandia|Finlândia|Финляндия|Finnland|Suomi
IS ISL|Iceland|Islandia|Islândia|Исландия|Island
PL POL|Poland|Polonia|Polônia|Polónia|Польша|Polen|Polska
CZ CZE|Czech Republic|Czechia|República Checa|Chequia|República Tcheca|Tchéquia|Чехия|Чешская Республика|Tschechien|Tschechische Republik|Česko|Česká republika
SK SVK|Slovakia|Eslovaquia|Eslováquia|Словакия|Slowakei|Slovensko
HU HUN|Hungary|Hungría|Hungria|Венгрия|Ungarn|Magyarország
RO ROU|Romania|Rumania|Rumanía|Romênia|Roménia|Румыния|Rumänien|România
BG BGR|Bulgaria|Bulgária|Болгария|Bulgarien
GR GRC|Greece|Grecia|Grécia|Греция|Griechenland
CY CYP|Cyprus|Chipre|Кипр|Zypern
TR TUR|Turkey|Türkiye|Turquía|Turquia|Турция|Türkei
RU RUS|Russia|Russian Federation|Rusia|Rússia|Россия|Российская Федерация|РФ|Russland|Russische Föderation
UA UKR|Ukraine|Ucrania|Ucrânia|Украина|Україна
BY BLR|Belarus|Bielorrusia|Bielorrússia|Беларусь|Белоруссия|Weißrussland|Weissrussland
KZ KAZ|Kazakhstan|Kazajistán|Cazaquistão|Казахстан|Kasachstan
UZ UZB|Uzbekistan|Uzbekistán|Uzbequistão|Узбекистан|Usbekistan
KG KGZ|Kyrgyzstan|Kirguistán|Quirguistão|Киргизия|Кыргызстан|Kirgisistan
TJ TJK|Tajikistan|Tayikistán|Tajiquistão|Таджикистан|Tadschikistan
GE GEO|Georgia|Geórgia|Грузия|Georgien
AM ARM|Armenia|Armênia|Arménia|Армения|Armenien
AZ AZE|Azerbaijan|Azerbaiyán|Azerbaijão|Азербайджан|Aserbaidschan
MD MDA|Moldova|Moldavia|Moldávia|Молдова|Молдавия|Moldau|Republik Moldau
LT LTU|Lithuania|Lituania|Lituânia|Литва|Litauen
LV LVA|Latvia|Letonia|Letônia|Латвия|Lettland
EE EST|Estonia|Estônia|Эстония|Estland
RS SRB|Serbia|Sérvia|Сербия|Serbien
HR HRV|Croatia|Croacia|Croácia|Хорватия|Kroatien
SI SVN|Slovenia|Eslovenia|Eslovênia|Словения|Slowenien
ME MNE|Montenegro|Черногория
IL ISR|Israel|Израиль
AE ARE|United Arab Emirates|UAE|Emiratos Árabes Unidos|Emirados Árabes Unidos|ОАЭ|Объединенные Арабские Эмираты|Vereinigte Arabische Emirate
SA SAU|Saudi Arabia|Arabia Saudita|Arábia Saudita|Саудовская Аравия|Saudi-Arabien
QA QAT|Qatar|Catar|Катар|Katar
EG EGY|Egypt|Egipto|Egito|Египет|Ägypten
MA MAR|Morocco|Marruecos|Marrocos|Марокко|Marokko
ZA ZAF|South Africa|Sudáfrica|África do Sul|ЮАР|Южная Африка|Südafrika
NG NGA|Nigeria|Nigéria|Нигерия
KE KEN|Kenya|Kenia|Quênia|Кения
IN IND|India|Índia|Индия|Indien
PK PAK|Pakistan|Pakistán|Paquistão|Пакистан
BD BGD|Bangladesh|Bangladés|Бангладеш|Bangladesch
ID IDN|Indonesia|Indonésia|Индонезия|Indonesien
MY MYS|Malaysia|Malasia|Malásia|Малайзия
SG SGP|Singapore|Singapur|Singapura|Сингапур
TH THA|Thailand|Tailandia|Tailândia|Таиланд|Тайланд
VN VNM|Vietnam|Viet Nam|Vietnã|Вьетнам
PH PHL|Philippines|Filipinas|Филиппины|Philippinen
CN CHN|China|Китай|КНР
HK HKG|Hong Kong|Гонконг|Hongkong
TW TWN|Taiwan|Taiwán|Тайвань
JP JPN|Japan|Japón|Japão|Япония
KR KOR|South Korea|Korea|Republic of Korea|Corea del Sur|Coreia do Sul|Южная Корея|Республика Корея|Südkorea
AU AUS|Australia|Austrália|Австралия|Australien
NZ NZL|New Zealand|Nueva Zelanda|Nova Zelândia|Новая Зеландия|Neuseeland
`

// countryHeaders are the Normalized headers of country columns, most
// likely first: a contact's own country before a company's, an address's
// before a shipping one.
var countryHeaders = []string{
	"country", "country region", "country name", "pais", "país", "страна", "land", "pays", "paese", "kraj", "zeme",
	"mailing country", "mailingcountry", "contact country", "person country", "address country",
	"billing country", "billingcountry", "company country", "organization country", "account country",
	"other country", "othercountry", "shipping country", "shippingcountry",
}

// CountryColumns returns the indexes of the country columns of header,
// most likely first.
func CountryColumns(header []string) []int {
	rank := func(h string) int {
		k := Normalize(h)
		for i, c := range countryHeaders {
			if k == Normalize(c) {
				return i
			}
		}
		for _, w := range []string{"country", "страна", "pais"} {
			if strings.HasSuffix(k, " "+w) {
				return len(countryHeaders)
			}
		}
		return -1
	}
	type col struct{ idx, rank int }
	var cols []col
	for i, h := range header {
		if r := rank(h); r >= 0 {
			cols = append(cols, col{i, r})
		}
	}
	// Stable by rank: few columns, insertion sort.
	for i := 1; i < len(cols); i++ {
		for j := i; j > 0 && cols[j].rank < cols[j-1].rank; j-- {
			cols[j], cols[j-1] = cols[j-1], cols[j]
		}
	}
	out := make([]int, len(cols))
	for i, c := range cols {
		out[i] = c.idx
	}
	return out
}
