package bulk

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// BenchmarkImportAtRateLimit imports 20,000 contacts (2,000 with -short)
// into an emulator that enforces Kommo's 7 requests/s, through a client
// and adaptive rate at the same rate, as the CLI does. It reports how close the
// job runs to the limit (req/s over 7: the goal is at least 0.95), the
// 429s it drew (the goal is none) and records/s. Run it alone:
//
//	go test -run '^$' -bench ImportAtRateLimit -benchtime 1x ./bulk
func BenchmarkImportAtRateLimit(b *testing.B) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range b.N {
		emu, err := kt.NewServer(kt.Options{Tokens: []string{importToken}})
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(emu)
		limiter := rate.NewLimiter(kommo.DefaultRate, 1)
		c, err := kommo.NewClient(srv.URL, kommo.WithToken(importToken), kommo.WithLimiter(limiter), kommo.WithHTTPClient(srv.Client()),
			kommo.WithAdaptiveRate(kommo.AdaptiveRate{Max: kommo.DefaultRate}))
		if err != nil {
			b.Fatal(err)
		}
		rows := make([]*mapping.Row, n)
		for i := range rows {
			rows[i] = contactRow(i+2, fmt.Sprintf("Person %d", i), fmt.Sprintf("p%d@example.org", i), "")
		}
		o := ImportOptions{Job: JobHeader{ID: "bench", Entity: kommo.EntityContacts, Mode: ModeCreate},
			Journal: filepath.Join(b.TempDir(), "bench.journal"), ExpectedRows: n}
		start := time.Now()
		res, err := Import(b.Context(), c, items(rows...), o)
		el := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if res.Created != n {
			b.Fatalf("created %d of %d", res.Created, n)
		}
		st := emu.Stats()
		// n requests at rate r take (n-1)/r seconds: the first goes at once.
		b.ReportMetric(float64(st.Requests-1)/el.Seconds()/float64(kommo.DefaultRate), "req/s/limit")
		b.ReportMetric(float64(st.RateLimited), "429s")
		b.ReportMetric(float64(n)/el.Seconds(), "records/s")
		b.ReportMetric(float64(st.Requests), "requests")

		// Export of the same records, page by page at the same rate.
		before := emu.Stats().Requests
		start = time.Now()
		var buf bytes.Buffer
		w, _ := sheet.NewCSVWriter(&buf, sheet.CSVWriteOptions{})
		es, err := Export(b.Context(), c, w, ExportOptions{Entity: kommo.EntityContacts})
		if err != nil {
			b.Fatal(err)
		}
		w.Close()
		el = time.Since(start)
		if es.Rows != n {
			b.Fatalf("exported %d of %d", es.Rows, n)
		}
		b.ReportMetric(float64(n)/el.Seconds(), "export-records/s")
		b.ReportMetric(float64(emu.Stats().Requests-before-1)/el.Seconds()/float64(kommo.DefaultRate), "export-req/s/limit")
		srv.Close()
		emu.Close()
	}
}

// BenchmarkDryRun1M maps a 1,000,000-row CSV (100,000 with -short) and
// dry-runs it through the engine with results streamed out, and reports
// the peak heap above the input: it should not grow with the row count.
//
//	go test -run '^$' -bench DryRun1M -benchtime 1x ./bulk
func BenchmarkDryRun1M(b *testing.B) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	e := newBenchEnv(b)
	schema, err := FetchSchema(b.Context(), e.c)
	if err != nil {
		b.Fatal(err)
	}
	// The file streams from disk, as in real use: an input held in memory
	// would count in the heap, and so would the GC's slack over it.
	path := filepath.Join(b.TempDir(), "big.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("Name,Email,Phone,Position\n")
	for i := range n {
		fmt.Fprintf(w, "Person %d,p%d@example.org,+4479111%05d,Engineer\n", i, i, i%100000)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	spec, err := mapping.ParseSpec([]byte("entity: contacts\ncolumns:\n  - {column: Name, field: name}\n  - {column: Email, field: EMAIL, transforms: [email]}\n  - {column: Phone, field: PHONE, enum: MOB, transforms: [phone]}\n  - {column: Position, field: POSITION}\n"))
	if err != nil {
		b.Fatal(err)
	}
	for range b.N {
		in, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		t, err := sheet.OpenCSV(bufio.NewReader(in), sheet.CSVOptions{Name: "big.csv"})
		if err != nil {
			b.Fatal(err)
		}
		m, err := mapping.Compile(spec, schema, t.Header())
		if err != nil {
			b.Fatal(err)
		}
		var peak atomic.Uint64
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}()
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		base := ms.HeapInuse
		start := time.Now()
		seq := func(yield func(Item) bool) {
			for row, errs := range m.Rows(t, "big.csv") {
				if !yield(Item{Row: row, Errs: errs}) {
					return
				}
			}
		}
		// Results stream out (as the CLI writes its result files), so
		// nothing grows with the file.
		var streamed int
		res, err := Import(b.Context(), e.c, seq, ImportOptions{Job: JobHeader{ID: "dry", Entity: kommo.EntityContacts, Mode: ModeCreate},
			DryRun: true, BatchSize: 250, OnRow: func(RowResult) { streamed++ }})
		el := time.Since(start)
		close(stop)
		<-done
		in.Close()
		if err != nil {
			b.Fatal(err)
		}
		if res.Created != n || streamed != n {
			b.Fatalf("would create %d of %d (%d failed, %d streamed)", res.Created, n, res.Failed, streamed)
		}
		b.ReportMetric(float64(n)/el.Seconds(), "rows/s")
		b.ReportMetric(float64(peak.Load()-base)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(peak.Load()-base)/float64(n), "heap-B/row")
	}
}

func newBenchEnv(b *testing.B) *testEnv {
	emu, err := kt.NewServer(kt.Options{Tokens: []string{importToken}, Rate: rate.Inf})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	b.Cleanup(func() { srv.Close(); emu.Close() })
	c, err := kommo.NewClient(srv.URL, kommo.WithToken(importToken), kommo.WithRateLimit(rate.Inf, 1))
	if err != nil {
		b.Fatal(err)
	}
	return &testEnv{emu: emu, c: c}
}
