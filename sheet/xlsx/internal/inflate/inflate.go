// Package inflate decodes DEFLATE streams (RFC 1951) for archive/zip in
// place of compress/flate, where it measurably wins: under wasm, where
// compress/flate's byte-at-a-time reads through an interface make
// inflating a worksheet a third of the read. Its results and checks of the
// stream are compress/flate's (the differential and fuzz tests hold it to
// that); archive/zip checks the size and CRC-32 of its output.
package inflate

import (
	"compress/flate"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
	"sync"
)

// NewReader returns a reader of the DEFLATE stream r, for
// zip.RegisterDecompressor.
func NewReader(r io.Reader) io.ReadCloser { return newInflater(r) }

// inflater decodes a DEFLATE stream (RFC 1951) for archive/zip in place of
// compress/flate, with the same results and the same checks of the stream
// (errors are io.ErrUnexpectedEOF, flate.CorruptInputError or the source's
// read error; the offsets of a CorruptInputError may differ). It exists for
// speed under wasm, where compress/flate's byte-at-a-time reads through an
// interface and per-symbol calls make inflating the worksheet a third of
// the read: it takes its input a buffer at a time into a 64-bit bit buffer,
// looks symbols up in two-level tables and copies matches in one loop.
// archive/zip still checks the entry's size and CRC-32 over its output.
type inflater struct {
	src    io.Reader
	srcErr error  // sticky error of src (io.EOF at its end)
	in     []byte // input buffer: in[ip:ie] is unread
	ip, ie int
	inOff  int64 // stream offset of in[0]

	bits uint64 // bit buffer: its low nb bits are the next input bits
	nb   uint

	out    []byte // the window and the output: out[rp:wp] is not yet read
	rp, wp int

	state  uint8
	final  bool       // the block being read is the last one
	stored int        // bytes left of a stored block
	lit    *huffTable // the block's codes: the fixed ones, or dynLit and dynDst
	dist   *huffTable
	dynLit huffTable
	dynDst huffTable
	clen   huffTable // the code length code of a dynamic block
	err    error
}

const (
	inflateWindow = 32 << 10
	inflateOutLen = 4 * inflateWindow
	maxMatch      = 258
)

// States of an inflater.
const (
	inflateHeader  uint8 = iota // at a block header
	inflateStored               // in a stored block
	inflateHuffman              // in a compressed block
	inflateDone                 // past the final block
)

// newInflater is an archive/zip Decompressor.
func newInflater(r io.Reader) io.ReadCloser {
	return &inflater{src: r, in: make([]byte, 32<<10), out: make([]byte, inflateOutLen)}
}

func (f *inflater) Close() error { return nil }

func (f *inflater) Read(p []byte) (int, error) {
	for {
		if f.rp < f.wp {
			n := copy(p, f.out[f.rp:f.wp])
			f.rp += n
			return n, nil
		}
		if f.err != nil {
			return 0, f.err
		}
		f.decode()
	}
}

// decode decodes more output, or sets f.err. All output has been read.
func (f *inflater) decode() {
	limit := len(f.out) - maxMatch
	if f.wp >= limit {
		copy(f.out, f.out[f.wp-inflateWindow:f.wp])
		f.rp, f.wp = inflateWindow, inflateWindow
	}
	for f.wp < limit && f.err == nil {
		switch f.state {
		case inflateHeader:
			f.err = f.header()
		case inflateStored:
			f.err = f.copyStored()
		case inflateHuffman:
			f.err = f.huffman(limit)
		default:
			f.err = io.EOF
		}
	}
}

// fillIn reads more input, keeping the unread part.
func (f *inflater) fillIn() {
	if f.ip > 0 {
		n := copy(f.in, f.in[f.ip:f.ie])
		f.inOff += int64(f.ip)
		f.ip, f.ie = 0, n
	}
	for i := 0; i < 100 && f.srcErr == nil && f.ie-f.ip < 8; i++ {
		n, err := f.src.Read(f.in[f.ie:])
		f.ie += n
		if err != nil {
			f.srcErr = err
		}
	}
	if f.srcErr == nil && f.ie-f.ip < 8 {
		f.srcErr = io.ErrNoProgress
	}
}

// refill tops the bit buffer up to at least 56 bits, or to the end of the
// input.
func (f *inflater) refill() {
	if f.ie-f.ip < 8 && f.srcErr == nil {
		f.fillIn()
	}
	if f.ie-f.ip >= 8 {
		// The bits above nb are those of in[ip:] already, or zero.
		f.bits |= binary.LittleEndian.Uint64(f.in[f.ip:]) << f.nb
		f.ip += int(63-f.nb) >> 3
		f.nb |= 56
		return
	}
	for f.nb < 56 && f.ip < f.ie {
		f.bits |= uint64(f.in[f.ip]) << f.nb
		f.ip++
		f.nb += 8
	}
}

// need makes n bits available.
func (f *inflater) need(n uint) error {
	if f.nb < n {
		f.refill()
		if f.nb < n {
			return f.truncated()
		}
	}
	return nil
}

// take consumes n bits, which must be available.
func (f *inflater) take(n uint) uint32 {
	v := uint32(f.bits & (1<<n - 1))
	f.bits >>= n
	f.nb -= n
	return v
}

func (f *inflater) truncated() error {
	if f.srcErr != nil && f.srcErr != io.EOF {
		return f.srcErr
	}
	return io.ErrUnexpectedEOF
}

func (f *inflater) corrupt() error {
	return flate.CorruptInputError(f.inOff + int64(f.ip) - int64(f.nb/8))
}

// header reads a block header and, for a compressed block, its tables.
func (f *inflater) header() error {
	if f.final {
		f.state = inflateDone
		return nil
	}
	if err := f.need(3); err != nil {
		return err
	}
	f.final = f.take(1) == 1
	switch f.take(2) {
	case 0:
		f.take(f.nb % 8)
		if err := f.need(32); err != nil {
			return err
		}
		n, nn := f.take(16), f.take(16)
		if uint16(nn) != ^uint16(n) {
			return f.corrupt()
		}
		f.stored = int(n)
		f.state = inflateStored
	case 1:
		if err := f.fixedTables(); err != nil {
			return err
		}
		f.state = inflateHuffman
	case 2:
		if err := f.dynamicTables(); err != nil {
			return err
		}
		f.state = inflateHuffman
	default:
		return f.corrupt()
	}
	return nil
}

// copyStored copies stored block bytes to the output.
func (f *inflater) copyStored() error {
	for f.stored > 0 && f.wp < len(f.out) {
		if f.nb >= 8 {
			f.out[f.wp] = byte(f.take(8))
			f.wp++
			f.stored--
			continue
		}
		f.bits, f.nb = 0, 0 // the bits above nb were in[ip:], read directly now
		if f.ip == f.ie {
			f.fillIn()
			if f.ip == f.ie {
				return f.truncated()
			}
		}
		n := copy(f.out[f.wp:min(len(f.out), f.wp+f.stored)], f.in[f.ip:f.ie])
		f.ip += n
		f.wp += n
		f.stored -= n
	}
	if f.stored == 0 {
		f.state = inflateHeader
	}
	return nil
}

var fixedLit, fixedDist huffTable

var fixedOnce sync.Once

func (f *inflater) fixedTables() error {
	fixedOnce.Do(func() {
		var l [288]uint8
		for i := range l {
			switch {
			case i < 144:
				l[i] = 8
			case i < 256:
				l[i] = 9
			case i < 280:
				l[i] = 7
			default:
				l[i] = 8
			}
		}
		fixedLit.init(l[:])
		var d [32]uint8
		for i := range d {
			d[i] = 5
		}
		fixedDist.init(d[:])
	})
	// Shared, not copied: a stream of empty fixed blocks (10 bits each)
	// would otherwise cost a copy of both tables per 10 bits of input.
	f.lit, f.dist = &fixedLit, &fixedDist
	return nil
}

// codeOrder is the order of the code length code lengths.
var codeOrder = [19]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

func (f *inflater) dynamicTables() error {
	if err := f.need(14); err != nil {
		return err
	}
	nlit := int(f.take(5)) + 257
	ndist := int(f.take(5)) + 1
	nclen := int(f.take(4)) + 4
	if nlit > 286 || ndist > 30 {
		return f.corrupt()
	}
	var cl [19]uint8
	for i := range nclen {
		if err := f.need(3); err != nil {
			return err
		}
		cl[codeOrder[i]] = uint8(f.take(3))
	}
	h := &f.clen
	if !h.init(cl[:]) {
		return f.corrupt()
	}
	var lens [286 + 30]uint8
	n := nlit + ndist
	for i := 0; i < n; {
		e, err := f.symbol(h)
		if err != nil {
			return err
		}
		if e < 16 {
			lens[i] = uint8(e)
			i++
			continue
		}
		var rep int
		var v uint8
		switch e {
		case 16:
			if i == 0 {
				return f.corrupt()
			}
			if err := f.need(2); err != nil {
				return err
			}
			rep, v = 3+int(f.take(2)), lens[i-1]
		case 17:
			if err := f.need(3); err != nil {
				return err
			}
			rep = 3 + int(f.take(3))
		default:
			if err := f.need(7); err != nil {
				return err
			}
			rep = 11 + int(f.take(7))
		}
		if i+rep > n {
			return f.corrupt()
		}
		for range rep {
			lens[i] = v
			i++
		}
	}
	if !f.dynLit.init(lens[:nlit]) || !f.dynDst.init(lens[nlit:n]) {
		return f.corrupt()
	}
	f.lit, f.dist = &f.dynLit, &f.dynDst
	return nil
}

// symbol decodes one symbol with h, outside the hot loop.
func (f *inflater) symbol(h *huffTable) (uint32, error) {
	if f.nb < 15 {
		f.refill()
	}
	e := h.lookup(f.bits)
	n := uint(e & 15)
	if n == 0 {
		return 0, f.corrupt()
	}
	if n > f.nb {
		return 0, f.truncated()
	}
	f.take(n)
	return e >> 16, nil
}

// Base values and extra bits of the length symbols 257-285 and the
// distance symbols 0-29.
var (
	lengthBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
)

// huffman decodes a compressed block until its end or until the output
// reaches limit. It keeps the decoder's state in locals, saved on return.
func (f *inflater) huffman(limit int) error {
	out, wp := f.out, f.wp
	lt, dt := f.lit.t, f.dist.t
	in, ip, ie := f.in, f.ip, f.ie
	bits, nb := f.bits, f.nb
	var err error
	for wp < limit {
		if nb < 48 {
			if ie-ip >= 8 {
				bits |= binary.LittleEndian.Uint64(in[ip:]) << nb
				ip += int(63-nb) >> 3
				nb |= 56
			} else {
				f.bits, f.nb, f.ip = bits, nb, ip
				f.refill()
				bits, nb, in, ip, ie = f.bits, f.nb, f.in, f.ip, f.ie
			}
		}
		e := lt[bits&(1<<huffPrimary-1)]
		if e&huffLink != 0 {
			e = lt[e>>16+uint32(bits>>huffPrimary)&(1<<(e&15)-1)]
		}
		n := uint(e & 15)
		if n == 0 || n > nb {
			err = errCorrupt
			if n > nb {
				err = io.ErrUnexpectedEOF
			}
			break
		}
		bits >>= n
		nb -= n
		sym := e >> 16
		if sym < 256 {
			out[wp] = byte(sym)
			wp++
			continue
		}
		if sym == 256 {
			f.state = inflateHeader
			break
		}
		sym -= 257
		if sym >= 29 {
			err = errCorrupt
			break
		}
		length := int(lengthBase[sym])
		if x := uint(lengthExtra[sym]); x > 0 {
			if x > nb {
				err = io.ErrUnexpectedEOF
				break
			}
			length += int(bits & (1<<x - 1))
			bits >>= x
			nb -= x
		}
		if nb < 28 {
			f.bits, f.nb, f.ip = bits, nb, ip
			f.refill()
			bits, nb, in, ip, ie = f.bits, f.nb, f.in, f.ip, f.ie
		}
		e = dt[bits&(1<<huffPrimary-1)]
		if e&huffLink != 0 {
			e = dt[e>>16+uint32(bits>>huffPrimary)&(1<<(e&15)-1)]
		}
		n = uint(e & 15)
		if n == 0 || n > nb {
			err = errCorrupt
			if n > nb {
				err = io.ErrUnexpectedEOF
			}
			break
		}
		bits >>= n
		nb -= n
		d := e >> 16
		if d >= 30 {
			err = errCorrupt
			break
		}
		dist := int(distBase[d])
		if x := uint(distExtra[d]); x > 0 {
			if x > nb {
				err = io.ErrUnexpectedEOF
				break
			}
			dist += int(bits & (1<<x - 1))
			bits >>= x
			nb -= x
		}
		if dist > wp {
			err = errCorrupt
			break
		}
		if dist >= length {
			copy(out[wp:wp+length], out[wp-dist:])
			wp += length
			continue
		}
		for end := wp + length; wp < end; wp++ {
			out[wp] = out[wp-dist]
		}
	}
	f.bits, f.nb, f.ip, f.wp = bits, nb, ip, wp
	switch err {
	case errCorrupt:
		return f.corrupt()
	case io.ErrUnexpectedEOF:
		return f.truncated()
	}
	return nil
}

// errCorrupt is huffman's note of a corrupt stream, which it reports as a
// flate.CorruptInputError.
var errCorrupt = errors.New("corrupt")

// huffTable is a canonical Huffman code as a lookup table indexed by the
// next input bits (least significant first): huffPrimary bits, then for
// longer codes a second table. An entry is sym<<16 | length, 0 for bits
// that start no code, or off<<16 | huffLink | bits for a second table at
// off indexed by the next bits.
type huffTable struct{ t []uint32 }

const (
	huffPrimary = 10
	huffLink    = 0x100
)

func (h *huffTable) lookup(bits uint64) uint32 {
	e := h.t[bits&(1<<huffPrimary-1)]
	if e&huffLink != 0 {
		e = h.t[e>>16+uint32(bits>>huffPrimary)&(1<<(e&15)-1)]
	}
	return e
}

// init builds the table of the code with the given code lengths. Like
// compress/flate, it rejects over- and under-subscribed codes but accepts
// a single code of length 1 and an empty code (whose use is an error).
func (h *huffTable) init(lengths []uint8) bool {
	var count [16]int
	maxLen := 0
	for _, n := range lengths {
		if n > 0 {
			count[n]++
			maxLen = max(maxLen, int(n))
		}
	}
	// A code of at most maxLen < huffPrimary bits is built in the first
	// 1<<maxLen entries and copied over the rest: a stream of small
	// dynamic blocks costs little more per block than it has bits.
	fill := 1 << huffPrimary
	if maxLen > 0 && maxLen < huffPrimary {
		fill = 1 << maxLen
	}
	if cap(h.t) >= 1<<huffPrimary {
		h.t = h.t[:1<<huffPrimary]
		clear(h.t[:fill])
	} else {
		h.t = make([]uint32, 1<<huffPrimary, 1<<huffPrimary+512)
	}
	if maxLen == 0 {
		return true
	}
	var next [16]int
	code := 0
	for i := 1; i <= maxLen; i++ {
		code = (code + count[i-1]) << 1
		next[i] = code
	}
	if next[maxLen]+count[maxLen] != 1<<maxLen && !(maxLen == 1 && count[1] == 1) {
		return false
	}
	if maxLen > huffPrimary {
		// Size the second tables by the longest code under each prefix.
		var sub [1 << huffPrimary]uint8
		nc := next
		for _, n := range lengths {
			if n > huffPrimary {
				rev := int(bits.Reverse16(uint16(nc[n])) >> (16 - n))
				nc[n]++
				root := rev & (1<<huffPrimary - 1)
				sub[root] = max(sub[root], n-huffPrimary)
			}
		}
		for root, sb := range sub {
			if sb > 0 {
				h.t[root] = uint32(len(h.t))<<16 | huffLink | uint32(sb)
				h.t = append(h.t, make([]uint32, 1<<sb)...)
			}
		}
	}
	for sym, n := range lengths {
		if n == 0 {
			continue
		}
		rev := int(bits.Reverse16(uint16(next[n])) >> (16 - n))
		next[n]++
		e := uint32(sym)<<16 | uint32(n)
		if int(n) <= huffPrimary {
			for i := rev; i < fill; i += 1 << n {
				h.t[i] = e
			}
			continue
		}
		link := h.t[rev&(1<<huffPrimary-1)]
		off, sb := int(link>>16), int(link&15)
		for i := rev >> huffPrimary; i < 1<<sb; i += 1 << (int(n) - huffPrimary) {
			h.t[off+i] = e
		}
	}
	for ; fill < 1<<huffPrimary; fill *= 2 {
		copy(h.t[fill:2*fill], h.t[:fill])
	}
	return true
}
