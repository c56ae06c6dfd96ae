package xmlscan

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

// event is one tag as both tokenizers see it: an empty element is a
// start and an end.
type event struct {
	end  bool
	name string
}

// scanEvents tokenizes doc with the scanner, reading the text of every
// element named t (as the XLSX reader reads <t> and <v>) up to limit bytes.
func scanEvents(doc []byte, limit int) (evs []event, texts []string, err error) {
	s := New(bytes.NewReader(doc))
	for range 4*len(doc) + 16 { // every call consumes input: a loop guard
		kind, name, _, err := s.Next()
		if err == io.EOF {
			return evs, texts, nil
		}
		if err != nil {
			return evs, texts, err
		}
		switch kind {
		case Start:
			evs = append(evs, event{false, string(name)})
			if string(name) == "t" {
				b, over, err := s.Text(nil, limit)
				if err != nil {
					return evs, texts, err
				}
				if over && len(b) > limit || !over && len(b) > limit {
					return evs, texts, errors.New("text over its limit")
				}
				texts = append(texts, string(b))
				evs = append(evs, event{true, "t"})
			}
		case End:
			evs = append(evs, event{true, string(name)})
		case Empty:
			evs = append(evs, event{false, string(name)}, event{true, string(name)})
		}
		if s.BufferCap() > 2*MaxBuffer {
			return evs, texts, errors.New("buffer over its bound")
		}
	}
	return evs, texts, errors.New("scanner made no progress")
}

// xmlEvents tokenizes doc with encoding/xml, collecting the text of every
// t element as the scanner's Text does (nested elements' text left out).
func xmlEvents(doc []byte) (evs []event, texts []string, err error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	depthInT, collecting := 0, -1
	var cur strings.Builder
	var open []xml.Name // RawToken does not match end tags to starts
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			if len(open) > 0 {
				return evs, texts, errors.New("unclosed element")
			}
			return evs, texts, nil
		}
		if err != nil {
			return evs, texts, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			open = append(open, t.Name)
			evs = append(evs, event{false, local(t.Name)})
			depthInT++
			if local(t.Name) == "t" && collecting < 0 {
				collecting, depthInT = 0, 0
				cur.Reset()
			}
		case xml.EndElement:
			if len(open) == 0 || open[len(open)-1] != t.Name {
				return evs, texts, errors.New("end tag does not match")
			}
			open = open[:len(open)-1]
			evs = append(evs, event{true, local(t.Name)})
			if collecting >= 0 && depthInT == 0 {
				texts = append(texts, cur.String())
				collecting = -1
			}
			depthInT--
		case xml.CharData:
			if collecting >= 0 && depthInT == 0 {
				cur.Write(t)
			}
		}
	}
}

// local is the part of a raw name after its last colon, as the scanner
// names tags.
func local(n xml.Name) string {
	full := n.Local
	if n.Space != "" {
		full = n.Space + ":" + n.Local
	}
	return full[strings.LastIndexByte(full, ':')+1:]
}

func TestScannerDocument(t *testing.T) {
	doc := `<?xml version="1.0"?><!-- c --><sst><si><t xml:space="preserve"> a&amp;b&#x41;<![CDATA[<x>]]></t></si><si><r><t>c</t></r><e/></si></sst>`
	evs, texts, err := scanEvents([]byte(doc), 100)
	if err != nil {
		t.Fatal(err)
	}
	want := []event{{false, "sst"}, {false, "si"}, {false, "t"}, {true, "t"}, {true, "si"}, {false, "si"}, {false, "r"}, {false, "t"}, {true, "t"}, {true, "r"}, {false, "e"}, {true, "e"}, {true, "si"}, {true, "sst"}}
	if len(evs) != len(want) {
		t.Fatalf("events %v, want %v", evs, want)
	}
	for i := range want {
		if evs[i] != want[i] {
			t.Fatalf("event %d = %v, want %v (all: %v)", i, evs[i], want[i], evs)
		}
	}
	if len(texts) != 2 || texts[0] != " a&bA<x>" || texts[1] != "c" {
		t.Errorf("texts %q, want [\" a&bA<x>\" \"c\"]", texts)
	}
}

func TestScannerRejects(t *testing.T) {
	for _, doc := range []string{"<a", `<a b="1>`, "<t>&bogus;</t>", strings.Repeat("<a>", MaxDepth+2) + "<t>" + strings.Repeat("<b>", MaxDepth+2)} {
		if _, _, err := scanEvents([]byte(doc), 100); err == nil {
			t.Errorf("scan(%.40q) = nil error, want one", doc)
		}
	}
}

// FuzzScanner: on any input the scanner ends (with an error or not), its
// buffer stays bounded and its texts within their limit; and where both it
// and encoding/xml read a document without error, they see the same tags
// and the same texts.
func FuzzScanner(f *testing.F) {
	for _, s := range []string{
		`<sst><si><t>a</t></si></sst>`,
		`<row r="1"><c r="A1" t="inlineStr"><is><t>x&lt;y</t></is></c></row>`,
		`<?xml version="1.0"?><a><!--x--><b/><![CDATA[q]]></a>`,
		`<t>a&#10;b&#xD;</t>`,
		`<a x='1' y="2"><t xml:space="preserve">  </t></a>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		evs, texts, err := scanEvents(doc, 64)
		if err != nil {
			if err.Error() == "scanner made no progress" || strings.Contains(err.Error(), "over its") {
				t.Fatal(err)
			}
			return
		}
		xevs, xtexts, xerr := xmlEvents(doc)
		if xerr != nil {
			return
		}
		if len(evs) != len(xevs) {
			t.Fatalf("scanner tags %v, encoding/xml %v", evs, xevs)
		}
		for i := range evs {
			if evs[i] != xevs[i] {
				t.Fatalf("tag %d: scanner %v, encoding/xml %v", i, evs[i], xevs[i])
			}
		}
		for i := range texts {
			if i < len(xtexts) && len(xtexts[i]) <= 64 && texts[i] != xtexts[i] {
				t.Fatalf("text %d: scanner %q, encoding/xml %q", i, texts[i], xtexts[i])
			}
		}
	})
}
