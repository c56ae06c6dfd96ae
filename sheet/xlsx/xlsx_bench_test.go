package xlsx

import (
	"bytes"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// BenchmarkXLSXVersusExcelize reads the benchmark workbook (100k × 20, or
// 10k with -short) with Open and with excelize's Rows, raw
// (RawCellValue) and formatted, in the same iteration, and reports the
// three rates, the ratios of Open to excelize, the bytes Open
// allocates per row and the peak live heap while it reads (the workbook's
// bytes, held by the benchmark, included).
func BenchmarkXLSXVersusExcelize(b *testing.B) {
	data, n := benchXLSX(b)
	var fast, raw, formatted time.Duration
	var allocPerRow, peak float64
	for b.Loop() {
		var d time.Duration
		var alloc uint64
		d, alloc, p := measureRead(func() int { return readFast(b, data) }, n, b)
		fast += d
		allocPerRow = float64(alloc) / float64(n)
		peak = max(peak, float64(p))
		d, _, _ = measureRead(func() int { return readExcelize(b, data, true) }, n, b)
		raw += d
		d, _, _ = measureRead(func() int { return readExcelize(b, data, false) }, n, b)
		formatted += d
	}
	rate := func(d time.Duration) float64 { return float64(n) * float64(b.N) / d.Seconds() }
	b.ReportMetric(rate(fast), "rows/s")
	b.ReportMetric(rate(raw), "excelize-raw-rows/s")
	b.ReportMetric(rate(formatted), "excelize-fmt-rows/s")
	b.ReportMetric(raw.Seconds()/fast.Seconds(), "x-excelize-raw")
	b.ReportMetric(formatted.Seconds()/fast.Seconds(), "x-excelize-fmt")
	b.ReportMetric(allocPerRow, "B-alloc/row")
	b.ReportMetric(peak/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(len(data))/(1<<20), "file-MiB")
}

// measureRead runs read, checks it returned n rows, and returns its time,
// the bytes it allocated and the peak live heap sampled while it ran.
func measureRead(read func() int, n int, b *testing.B) (time.Duration, uint64, uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var peak uint64
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	start := time.Now()
	got := read()
	d := time.Since(start)
	close(stop)
	wg.Wait()
	runtime.ReadMemStats(&ms)
	if got != n {
		b.Fatalf("read %d rows, want %d", got, n)
	}
	return d, ms.TotalAlloc - before, peak
}

func readFast(b *testing.B, data []byte) int {
	x, err := Open(bytes.NewReader(data), int64(len(data)), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	recs := 0
	for {
		if _, err := x.Next(); err != nil {
			break
		}
		recs++
	}
	return recs
}

// readExcelize counts the data rows of the first sheet read with excelize's
// Rows, as the reader did before the fast path.
func readExcelize(b *testing.B, data []byte, raw bool) int {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: raw})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rows, err := f.Rows("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	recs := 0
	for rows.Next() {
		vals, err := rows.Columns()
		if err != nil {
			b.Fatal(err)
		}
		if len(vals) > 0 {
			recs++
		}
	}
	return recs - 1 // the header
}
