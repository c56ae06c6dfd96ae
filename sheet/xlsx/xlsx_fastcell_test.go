package xlsx

import (
	"errors"
	"fmt"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/core"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/sheettest"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// sheetResult is what a sheetRows returns for a whole worksheet: each
// row's number and values, and the error that ended it.
type sheetResult struct {
	Rows []rawRow
	Err  string
}

// readSheetXML reads worksheet XML with sheetRows, the fast path for cells
// on or off, in reads of the given sizes.
func readSheetXML(xml string, sizes []int, general bool) sheetResult {
	sst := sharedStringsOf("zero", "one", "", "three")
	fmts := []numFmt{{}, {kind: fmtDate}, {kind: fmtDateTime}, {kind: fmtTime}, {kind: fmtZeroPad, width: 5}}
	l := core.Limits{MaxCellSize: 64, MaxColumns: 8}.WithDefaults()
	r := newSheetRows(&sheettest.ChunkReader{S: xml, Sizes: sizes}, sst, fmts, false, l)
	r.file, r.sheet, r.general = "f.xlsx", "S", general
	var res sheetResult
	for range 1000 {
		row, vals, err := r.next(nil)
		if err == io.EOF {
			return res
		}
		if err != nil {
			var re *core.RowError
			if errors.As(err, &re) {
				res.Err = fmt.Sprintf("row %d column %q value %q: %v", re.Row, re.Column, re.Value, re.Err)
			} else {
				res.Err = err.Error()
			}
			return res
		}
		res.Rows = append(res.Rows, rawRow{row, vals})
	}
	return res
}

// fastCellSheets are worksheets whose cells take the fast path, or look
// as if they might and must not.
var fastCellSheets = []string{
	`<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1" t="s"><v>1</v></c><c r="C1" s="1"><v>45306</v></c><c r="D1" s="0"><v>0.25</v></c><c r="E1" s="4"><v>42</v></c></row></sheetData>`,
	`<sheetData><row r="1"><c r="A1" t="inlineStr" s="2"><is><t xml:space="preserve"> Анна &amp; </t></is></c><c r="B1" t="inlineStr"><is><t xml:space="preserve">Анна</t></is></c><c r="C1" t="inlineStr"><is><t a=">">x</t></is></c><c r="D1" t="inlineStr"><is><t a='1'>y</t></is></c></row></sheetData>`,
	`<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>_x0041_</t></is></c><c r="B1" t="inlineStr"><is><t>a_b</t></is></c><c r="C1" t="inlineStr"><is><t>` + "\x01" + `</t></is></c></row></sheetData>`,
	`<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>` + "\xff" + `</t></is></c></row></sheetData>`,
	`<sheetData><row r="1"><c r="A1"><v>` + "\xff" + `</v></c></row></sheetData>`,
	`<sheetData><row r="1"><c r="A1"><v>` + "\x01" + `</v></c></row></sheetData>`,
	"<sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a\r\nb</t></is></c><c r=\"B1\"><v>1\r</v></c></row></sheetData>",
	`<sheetData><row r="1"><c r="A1" t="s"><v>2</v></c><c r="B1" t="s"><v>9</v></c><c r="C1" t="s"><v>x</v></c><c r="D1" t="s"><v></v></c><c r="E1" t="s"><v> 1</v></c><c t="s"><v>3</v></c></row></sheetData>`,
	`<sheetData><row r="1"><c r="A1"></c><c r="B1"/><c r="C1" /><c/><c></c><c r="E1"><v></v></c><c r="F1" t="inlineStr"><is><t></t></is></c><c><v>x</v></c></row></sheetData>`,
	`<sheetData><row r="1"><c r="A1" s="x"><v>1</v></c><c r="B1" s="-1"><v>2</v></c><c r="C1" s="00"><v>3</v></c><c r="D1" s="99"><v>4</v></c><c r="e1"><v>5</v></c><c r="$F$1"><v>6</v></c><c r="G01"><v>7</v></c></row></sheetData>`,
	`<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="1A"><v>2</v></c></row></sheetData>`,
	`<sheetData><row r="1"><c r="XFD1"><v>1</v></c><c r="XFE1"><v>2</v></c><c r="AAAA1"><v>3</v></c></row></sheetData>`,
	`<sheetData><row r="1"><c r="A1" r="B1"><v>1</v></c><c t="s" t="n"><v>2</v></c><c r="D1"t="s"><v>1</v></c><c  r = "E1" ><v>5</v></c><c r="F1" x:y="z"><v>6</v></c></row></sheetData>`,
	`<sheetData><row r="1"><c r="A1"><v>1</v><f>A1</f></c><c r="B1"><f>1</f><v>2</v></c><c r="C1"><v>1</v><v>2</v></c><c r="D1"><v><![CDATA[7]]></v></c><c r="E1"><v>8<!-- x --></v></c></row></sheetData>`,
	`<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t><t>b</t></is></c><c r="B1" t="inlineStr"><is><r><t>c</t></r></is></c><c r="C1" t="inlineStr"><is><t/></is></c><c r="D1"><is><t>d</t></is></c><c r="E1" t="inlineStr"> <is> <t>e</t> </is> </c></row></sheetData>`,
	"<sheetData>\n <row r=\"1\">\n  <c r=\"A1\">\n   <v>1</v>\n  </c>\n  <c r=\"B1\" t=\"inlineStr\">\n   <is><t>b</t></is>\n  </c>\n </row>\n</sheetData>",
	`<sheetData><row r="1"><c r="A1"><v>1</v></c><x:c r="B1"><v>2</v></x:c><c r="C1"><x:v>3</x:v></c><cx r="D1"><v>4</v></cx><c r="E1"><v>5</v></c ></row></sheetData>`,
	`<sheetData><row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="e"><v>#N/A</v></c><c r="C1" t="d"><v>2024-01-15T00:00:00</v></c><c r="D1" t="str"><v>s</v></c><c r="E1"><v>1E+20</v></c><c r="F1"><v>0.1000000000000000055</v></c></row></sheetData>`,
	`<sheetData><row r="1"><c r="A1"><v>` + strings.Repeat("9", 70) + `</v></c><c r="B1" t="inlineStr"><is><t>` + strings.Repeat("é", 40) + `</t></is></c></row></sheetData>`,
	`<sheetData><row r="1"><c r="A1"><v>` + strings.Repeat("9", 500) + `</v></c></row></sheetData>`,
	`<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="I1"><v>9</v></c></row></sheetData>`,
	`<sheetData><row r="2"><c r="A2"><v>1</v></c></row><row r="2"><c r="B2"><v>2</v></c></row><row><c r="A1"><v>3</v></c></row></sheetData>`,
	`<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v`,
	`<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>abc`,
}

func TestFastCellMatchesGeneral(t *testing.T) {
	for i, xml := range fastCellSheets {
		for _, sizes := range [][]int{{1 << 20}, {1}, {3, 7, 2}, {64}} {
			want := readSheetXML(xml, sizes, true)
			got := readSheetXML(xml, sizes, false)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("sheet %d, reads of %v: fast path read\n%+v\ngeneral path read\n%+v", i, sizes, got, want)
			}
		}
	}
}

// FuzzFastCell checks that the fast path for cells reads any worksheet as
// the general path does, whatever the sizes of the reads.
func FuzzFastCell(f *testing.F) {
	for _, s := range fastCellSheets {
		f.Add(s, uint64(1))
	}
	for _, s := range craftedSheets {
		f.Add(s.xml, uint64(2))
	}
	f.Fuzz(func(t *testing.T, xml string, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, 1))
		sizes := []int{1 << 20}
		if seed%4 != 0 {
			sizes = sizes[:0]
			for range 8 {
				sizes = append(sizes, 1+rng.IntN(40))
			}
		}
		want := readSheetXML(xml, sizes, true)
		got := readSheetXML(xml, sizes, false)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("reads of %v: fast path read\n%+v\ngeneral path read\n%+v", sizes, got, want)
		}
	})
}

// TestFastCellShapes checks which cells the fast path takes: the shapes
// writers produce, and not the ones it leaves to the general path.
func TestFastCellShapes(t *testing.T) {
	tests := []struct {
		xml  string
		fast bool
	}{
		{`<c r="A1" t="inlineStr"><is><t>Person 1</t></is></c>`, true},
		{`<c r="B2" s="1" t="inlineStr"><is><t xml:space="preserve"> Анна </t></is></c>`, true},
		{`<c r="C3"><v>79120000000</v></c>`, true},
		{`<c r="D4" s="1"><v>45306</v></c>`, true},
		{`<c r="E5" s="0" t="s"><v>12</v></c>`, true},
		{`<c r="F6"/>`, true},
		{`<c r="G7" s="2"></c>`, true},
		{"\n  <c r=\"H8\">\n    <v>1</v>\n  </c>", true},
		{`<c r="A1" t="inlineStr"><is><t>a &amp; b</t></is></c>`, false},
		{`<c r="A1" t="inlineStr"><is><t>_x0041_</t></is></c>`, false},
		{`<c r="A1" t="inlineStr"><is><r><t>rich</t></r></is></c>`, false},
		{`<c r="A1"><f>B1</f><v>1</v></c>`, false},
		{`<c r='A1'><v>1</v></c>`, false},
		{`<x:c r="A1"><x:v>1</x:v></x:c>`, false},
		{`<c r="$A$1"><v>1</v></c>`, false},
		{`<c r="A1" s="bad"><v>1</v></c>`, false},
		{`<row r="2">`, false},
	}
	for _, tt := range tests {
		r := newSheetRows(strings.NewReader(tt.xml), sharedStrings{}, nil, false, core.Limits{}.WithDefaults())
		r.sc.Fill()
		_, n, _ := r.scanFastCells(0)
		if got := n > 0; got != tt.fast {
			t.Errorf("scanFastCells(%s) took %d bytes, want fast %v", tt.xml, n, tt.fast)
		}
		if n > 0 && n != len(tt.xml) {
			t.Errorf("scanFastCells(%s) took %d bytes, want %d", tt.xml, n, len(tt.xml))
		}
	}
}
