package engine

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// Source is where an opened file's bytes are. The engine reads it again
// for each pass (preview, validation, import), so it must be readable
// more than once. A *bytes.Reader is one; in the browser, wasm/source_js.go reads
// a Blob (a dropped File) in slices, so a big CSV is never copied whole
// into wasm memory.
type Source interface {
	io.ReaderAt
	Size() int64
}

var _ Source = (*bytes.Reader)(nil)

// ReadProgress says how far a read of a file has got. Phase is "load"
// while the bytes of a workbook are copied into the engine (once, when it
// is opened) and "parse" while rows are read: Read and Total count the
// bytes of a CSV, or the uncompressed bytes of an XLSX sheet.
type ReadProgress struct {
	Phase string `json:"phase"`
	Read  int64  `json:"read"`
	Total int64  `json:"total"`
}

// chunkSize is how much of a slow Source one read fetches.
const chunkSize = 1 << 20

// loadSource copies a whole slow Source into Go memory, chunk by chunk
// (so no second whole copy is made on the way), for the formats read at
// random (XLSX is a zip). A *bytes.Reader is returned as it is.
func loadSource(src Source, name string, progress func(ReadProgress)) (*bytes.Reader, error) {
	if br, ok := src.(*bytes.Reader); ok {
		return br, nil
	}
	data := make([]byte, src.Size())
	rep := newReporter("load", progress)
	for off := 0; off < len(data); {
		end := min(off+4*chunkSize, len(data))
		n, err := src.ReadAt(data[off:end], int64(off))
		if n < end-off {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		off = end
		rep(int64(off), int64(len(data)))
	}
	return bytes.NewReader(data), nil
}

// readAhead reads a slow Source (a Blob in the browser) for one pass, in
// chunks of chunkSize, and fetches the next chunk while the current one is
// parsed: in the browser the Blob's next slice is read off the thread
// while the engine maps rows. Reads are expected to go forward (a CSV);
// one that does not fetches its chunk again. It is safe for concurrent
// use, though one pass reads from one goroutine.
type readAhead struct {
	src Source

	mu      sync.Mutex
	cur     []byte
	curOff  int64
	next    chan chunk // the chunk in flight, if any
	nextOff int64
}

type chunk struct {
	b   []byte
	err error
}

func newReadAhead(src Source) *readAhead { return &readAhead{src: src, curOff: -1} }

func (r *readAhead) Size() int64 { return r.src.Size() }

func (r *readAhead) ReadAt(p []byte, off int64) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for len(p) > 0 {
		if off >= r.src.Size() {
			return n, io.EOF
		}
		if r.curOff < 0 || off < r.curOff || off >= r.curOff+int64(len(r.cur)) {
			if err := r.load(off - off%chunkSize); err != nil {
				return n, err
			}
		}
		c := copy(p, r.cur[off-r.curOff:])
		n += c
		p = p[c:]
		off += int64(c)
	}
	return n, nil
}

// load makes the chunk at start current and starts fetching the one after.
func (r *readAhead) load(start int64) error {
	var c chunk
	if r.next != nil && r.nextOff == start {
		c = <-r.next
	} else {
		c = r.fetch(start) // a chunk in flight elsewhere lands in its buffered channel
	}
	r.next = nil
	if c.err != nil {
		return c.err
	}
	r.cur, r.curOff = c.b, start
	if end := start + int64(len(c.b)); end < r.src.Size() {
		ch := make(chan chunk, 1)
		r.next, r.nextOff = ch, end
		go func() { ch <- r.fetch(end) }()
	}
	return nil
}

func (r *readAhead) fetch(start int64) chunk {
	b := make([]byte, min(chunkSize, r.src.Size()-start))
	n, err := r.src.ReadAt(b, start)
	if n == len(b) {
		return chunk{b: b}
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return chunk{err: err}
}

// progressReader reports how far forward a pass has read a Source.
type progressReader struct {
	Source
	mu     sync.Mutex
	read   int64
	report func(read, total int64)
}

func (p *progressReader) ReadAt(b []byte, off int64) (int, error) {
	n, err := p.Source.ReadAt(b, off)
	p.mu.Lock()
	if end := off + int64(n); end > p.read {
		p.read = end
		p.report(end, p.Source.Size())
	}
	p.mu.Unlock()
	return n, err
}

// newReporter returns a function that passes (read, total) on to progress
// as phase, at most about every half percent and at the end, so that a
// page gets a few hundred events per pass rather than one per buffer. A
// nil progress yields nil.
func newReporter(phase string, progress func(ReadProgress)) func(read, total int64) {
	if progress == nil {
		return nil
	}
	var last int64 = -1
	return func(read, total int64) {
		if last >= 0 && read < total && read-last < max(total/200, 1) {
			return
		}
		last = read
		progress(ReadProgress{Phase: phase, Read: read, Total: total})
	}
}
