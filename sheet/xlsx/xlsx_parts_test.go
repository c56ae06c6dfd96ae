package xlsx

import (
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/core"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/sheettest"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx/internal/xmlscan"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// sharedStringsResult is what parseSharedStrings returns, for comparing.
type sharedStringsResult struct {
	SST []string
	Err string
}

func parseSST(xml string, sizes []int, fast bool) sharedStringsResult {
	sst, err := parseSharedStrings(&sheettest.ChunkReader{S: xml, Sizes: sizes}, uint64(len(xml)), core.Limits{}.WithDefaults(), fast)
	res := sharedStringsResult{SST: sst.strings()}
	if err != nil {
		res.Err = err.Error()
	}
	return res
}

// strings returns the items of t, nil for none.
func (t *sharedStrings) strings() []string {
	var out []string
	for i := range t.len() {
		out = append(out, t.at(i))
	}
	return out
}

// sharedStringsOf returns a table of the given items.
func sharedStringsOf(items ...string) sharedStrings {
	var t sharedStrings
	for _, s := range items {
		t.text += s
		t.ends = append(t.ends, uint32(len(t.text)))
	}
	return t
}

// fastSSTParts are shared strings parts whose items take the fast path,
// or look as if they might and must not.
var fastSSTParts = []string{
	`<sst count="3" uniqueCount="3"><si><t>Name</t></si><si><t xml:space="preserve"> padded </t></si><si><t>Анна</t></si></sst>`,
	`<sst><si><t>a &amp; b</t></si><si><t>_x0041_</t></si><si><t>a_b</t></si><si><t>` + "a\r\nb" + `</t></si><si><t>` + "\x01" + `</t></si><si><t>` + "\xff" + `</t></si></sst>`,
	`<sst><si/><si><t/></si><si><t></t></si><si> <t>sp</t> </si><si><r><t>run</t></r></si><si><t>x</t><rPh><t>y</t></rPh></si><si><t>first</t><t>second</t></si></sst>`,
	`<sst><si><t a=">">q</t></si><si><t a='1'>r</t></si><si><x:t>p</x:t></si><x:si><t>n</t></x:si><si><t><![CDATA[c]]></t></si><si><t>c<!-- x --></t></si></sst>`,
	`<si><t>before sst</t></si><sst uniqueCount="2"><si><t>a</t></si></sst><si><t>after</t></si>`,
	`<sst><si><t>` + strings.Repeat("long ", 300) + `</t></si><si><t>cut`,
	`<sst><si><t>a</t></si><si><t>b</t>`,
}

func TestFastStringItemsMatchGeneral(t *testing.T) {
	for i, xml := range fastSSTParts {
		for _, sizes := range [][]int{{1 << 20}, {1}, {3, 7, 2}, {64}} {
			want := parseSST(xml, sizes, false)
			got := parseSST(xml, sizes, true)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("part %d, reads of %v: fast path read\n%q\ngeneral path read\n%q", i, sizes, got, want)
			}
		}
	}
	// The fast path is taken.
	sc := xmlscan.New(strings.NewReader(`<si><t>a</t></si> <si><t xml:space="preserve">b </t></si><si><r>`))
	sc.Fill()
	text, ends := fastStringItems(sc, nil, nil, math.MaxInt, math.MaxInt)
	if string(text) != "ab " || !reflect.DeepEqual(ends, []uint32{1, 3}) || string(sc.Buffered()) != "<si><r>" {
		t.Errorf("fastStringItems read %q, ends %v, and left %q", text, ends, sc.Buffered())
	}
}

// FuzzFastStringItems checks that the fast path for string items reads
// any shared strings part as the general path does.
func FuzzFastStringItems(f *testing.F) {
	for _, s := range fastSSTParts {
		f.Add(s, uint64(1))
	}
	f.Add(craftedSST, uint64(2))
	f.Fuzz(func(t *testing.T, xml string, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, 1))
		sizes := []int{1 << 20}
		if seed%4 != 0 {
			sizes = sizes[:0]
			for range 8 {
				sizes = append(sizes, 1+rng.IntN(40))
			}
		}
		want := parseSST(xml, sizes, false)
		got := parseSST(xml, sizes, true)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("reads of %v: fast path read\n%q\ngeneral path read\n%q", sizes, got, want)
		}
	})
}
