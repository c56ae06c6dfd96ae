package inflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/sheettest"
	"io"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// deflated compresses data at level, flushing every flushEvery bytes
// (never if 0).
func deflated(t testing.TB, data []byte, level, flushEvery int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	for len(data) > 0 {
		n := len(data)
		if flushEvery > 0 {
			n = min(n, flushEvery)
		}
		w.Write(data[:n])
		data = data[n:]
		if flushEvery > 0 {
			w.Flush()
		}
	}
	w.Close()
	return buf.Bytes()
}

// inflateAll reads all of r in reads of the given sizes.
func inflateAll(r io.Reader, sizes []int) ([]byte, error) {
	var out []byte
	buf := make([]byte, 1<<17)
	for i := 0; ; i++ {
		n, err := r.Read(buf[:sizes[i%len(sizes)]])
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// errClass names the kind of a decompression error.
func errClass(err error) string {
	var ce flate.CorruptInputError
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated"
	case errors.As(err, &ce):
		return "corrupt"
	}
	return err.Error()
}

// checkInflate compares the inflater with compress/flate on stream z.
func checkInflate(t *testing.T, z []byte, srcSizes, readSizes []int) {
	t.Helper()
	want, wantErr := inflateAll(flate.NewReader(bytes.NewReader(z)), []int{4096})
	got, gotErr := inflateAll(newInflater(&sheettest.ChunkReader{S: string(z), Sizes: srcSizes}), readSizes)
	if errClass(gotErr) != errClass(wantErr) {
		t.Fatalf("inflater error %v, compress/flate %v", gotErr, wantErr)
	}
	if wantErr == nil {
		if !bytes.Equal(got, want) {
			t.Fatalf("inflater read %d bytes, compress/flate %d; first difference at %d", len(got), len(want), firstDiff(got, want))
		}
		return
	}
	// On a broken stream compress/flate may stop a symbol sooner.
	if n := min(len(got), len(want)); !bytes.Equal(got[:n], want[:n]) || len(got)-len(want) > maxMatch || len(want) > len(got) {
		t.Fatalf("inflater read %d bytes, compress/flate %d before %v; first difference at %d", len(got), len(want), wantErr, firstDiff(got, want))
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// inflateSamples are data of every kind of compressibility.
func inflateSamples() map[string][]byte {
	rng := rand.New(rand.NewPCG(3, 4))
	random := make([]byte, 200<<10)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	var xml bytes.Buffer
	for i := range 20000 {
		xml.WriteString(`<row r="` + strconv.Itoa(i) + `"><c r="A` + strconv.Itoa(i) + `" t="inlineStr"><is><t>Person ` + strconv.Itoa(i*7919%10007) + `</t></is></c></row>`)
	}
	skewed := make([]byte, 300<<10)
	for i := range skewed {
		skewed[i] = byte(rng.ExpFloat64() * 3)
	}
	return map[string][]byte{
		"empty":  nil,
		"byte":   {'x'},
		"run":    bytes.Repeat([]byte{'a'}, 100<<10),
		"random": random,
		"xml":    xml.Bytes(),
		"skewed": skewed,
	}
}

func TestInflaterMatchesFlate(t *testing.T) {
	for name, data := range inflateSamples() {
		for _, level := range []int{flate.HuffmanOnly, flate.NoCompression, flate.BestSpeed, flate.DefaultCompression, flate.BestCompression} {
			for _, flush := range []int{0, 1000, 70000} {
				z := deflated(t, data, level, flush)
				for _, sizes := range [][][]int{{{1 << 20}, {1 << 17}}, {{1}, {7, 100000}}, {{13, 4096}, {1}}} {
					t.Run(name+"/"+strconv.Itoa(level)+"/"+strconv.Itoa(flush), func(t *testing.T) {
						checkInflate(t, z, sizes[0], sizes[1])
					})
				}
			}
		}
	}
}

func TestInflaterBrokenStreams(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	samples := inflateSamples()
	for _, name := range []string{"xml", "random", "skewed"} {
		z := deflated(t, samples[name][:50000], flate.DefaultCompression, 20000)
		for i := 0; i < 300; i++ {
			b := bytes.Clone(z)
			switch i % 3 {
			case 0:
				b = b[:rng.IntN(len(b))]
			case 1:
				b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
			default:
				p := rng.IntN(len(b))
				b[p] = byte(rng.Uint32())
				b = b[:p+1+rng.IntN(len(b)-p)]
			}
			checkInflate(t, b, []int{1 << 20}, []int{1 << 17})
		}
	}
}

// FuzzInflater checks the inflater against compress/flate on arbitrary
// streams.
func FuzzInflater(f *testing.F) {
	f.Add(deflated(f, []byte("hello, hello, hello world"), flate.BestSpeed, 0))
	f.Add(deflated(f, []byte("abc"), flate.NoCompression, 0))
	f.Add(deflated(f, inflateSamples()["xml"][:3000], flate.DefaultCompression, 1000))
	f.Add([]byte{0x03, 0x00})
	f.Add([]byte{0x04, 0x00, 0xfe, 0xff})
	f.Fuzz(func(t *testing.T, z []byte) {
		checkInflate(t, z, []int{1 << 20}, []int{1 << 17})
		checkInflate(t, z, []int{3, 1, 17}, []int{5, 1 << 17})
	})
}

// bitWriter writes a DEFLATE stream bit by bit, for streams no encoder
// makes.
type bitWriter struct {
	buf []byte
	acc uint64
	n   uint
}

// put writes the n low bits of v, least significant first.
func (w *bitWriter) put(v uint64, n uint) {
	w.acc |= v << w.n
	w.n += n
	for w.n >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
}

// code writes an n-bit Huffman code, most significant bit first.
func (w *bitWriter) code(c uint64, n uint) {
	w.put(uint64(bits.Reverse16(uint16(c))>>(16-n)), n)
}

func (w *bitWriter) bytes() []byte {
	if w.n > 0 {
		w.put(0, 8-w.n)
	}
	return w.buf
}

// hostileStreams are valid DEFLATE streams that cost a decoder the most
// per input bit: blocks that make no output (empty fixed blocks of 10
// bits, empty stored blocks, dynamic blocks of a few bytes whose tables
// are long zero runs) and runs of 258-byte matches. Copies of each are in
// testdata/fuzz/FuzzInflater. BenchmarkInflateHostile holds their cost
// per input byte near that of ordinary streams.
func hostileStreams(blocks int) map[string][]byte {
	w := &bitWriter{}
	for range blocks {
		w.put(0, 1)  // BFINAL 0
		w.put(1, 2)  // fixed codes
		w.code(0, 7) // end of block
	}
	w.put(1, 1)
	w.put(1, 2)
	w.code(0, 7)
	fixed := w.bytes()

	w = &bitWriter{}
	for range blocks {
		w.put(0, 3) // stored
		w.bytes()   // to a byte boundary
		w.put(0, 16)
		w.put(0xffff, 16)
	}
	w.put(3, 3)
	w.code(0, 7)
	stored := w.bytes()

	w = &bitWriter{}
	for i := range blocks + 1 {
		w.put(uint64(i/blocks), 1) // BFINAL on the last one
		w.put(2, 2)                // dynamic codes
		w.put(0, 5)                // 257 literal/length codes
		w.put(0, 5)                // 1 distance code
		w.put(14, 4)               // 18 code length codes
		for _, s := range []int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1} {
			switch s {
			case 1, 18: // code length code: 1 is "0", 18 is "1"
				w.put(1, 3)
			default:
				w.put(0, 3)
			}
		}
		zeros := func(n int) { // runs of code 18
			for n > 0 {
				k := min(n, 138)
				w.code(1, 1)
				w.put(uint64(k-11), 7)
				n -= k
			}
		}
		zeros('a')
		w.code(0, 1) // 'a' has length 1
		zeros(256 - 'a' - 1)
		w.code(0, 1) // end of block has length 1
		w.code(0, 1) // the distance code has length 1
		w.code(1, 1) // end of block
	}
	dynamic := w.bytes()

	w = &bitWriter{}
	w.put(1, 1)
	w.put(1, 2)
	w.code(0x30+'a', 8)
	for range blocks {
		w.code(0xC0+285-280, 8) // length 258
		w.code(0, 5)            // distance 1
	}
	w.code(0, 7)
	matches := w.bytes()

	return map[string][]byte{
		"empty-fixed-blocks":   fixed,
		"empty-stored-blocks":  stored,
		"small-dynamic-blocks": dynamic,
		"max-length-matches":   matches,
	}
}

// TestInflaterHostileStreams decodes hostileStreams as compress/flate does
// and checks that the copies in the fuzz corpus are up to date.
func TestInflaterHostileStreams(t *testing.T) {
	for name, z := range hostileStreams(1000) {
		t.Run(name, func(t *testing.T) {
			if _, err := io.Copy(io.Discard, flate.NewReader(bytes.NewReader(z))); err != nil {
				t.Fatalf("compress/flate: %v; the stream must be valid", err)
			}
			checkInflate(t, z, []int{1 << 20}, []int{1 << 17})
			checkInflate(t, z, []int{3, 1, 17}, []int{5, 1 << 17})
			want := "go test fuzz v1\n[]byte(" + strconv.Quote(string(z)) + ")\n"
			if got, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzInflater", name)); err != nil || string(got) != want {
				t.Errorf("testdata/fuzz/FuzzInflater/%s is missing or stale (%v); write it from hostileStreams(1000)", name, err)
			}
		})
	}
}

// BenchmarkInflateHostile reports the cost per input byte of the streams
// that make the least output per bit.
func BenchmarkInflateHostile(b *testing.B) {
	for name, z := range hostileStreams(1 << 16) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(z)))
			for b.Loop() {
				if _, err := io.Copy(io.Discard, newInflater(bytes.NewReader(z))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
