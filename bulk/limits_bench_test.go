package bulk

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// BenchmarkSlidingWindow imports 7,500 contacts (150 batches; 1,500 with
// -short) at the default rate, through a limiter with an adaptive rate as the CLI
// sets them up, into an emulator that counts Kommo's limit as Kommo
// documents it: 7 arrivals from one IP in any sliding second, each request
// arriving 0–30 ms late (network jitter). It reports the request rate
// reached over the 7/s ceiling (goal: at least 0.95), the 429s drawn
// (goal: none) and the most arrivals seen in one sliding second. The
// "limiter-only" case turns the client's sliding window off: a limiter
// sending exactly 7/s, as before. Run it alone:
//
//	go test -run '^$' -bench SlidingWindow -benchtime 1x ./bulk
func BenchmarkSlidingWindow(b *testing.B) {
	n := 7500
	if testing.Short() {
		n = 1500
	}
	for _, tc := range []struct {
		name   string
		margin []kommo.Option
	}{{"default", nil}, {"limiter-only", []kommo.Option{kommo.WithWindowMargin(-1)}}} {
		b.Run(tc.name, func(b *testing.B) {
			for range b.N {
				emu, err := kt.NewServer(kt.Options{Tokens: []string{importToken}, Window: 7, ArrivalJitter: 30 * time.Millisecond})
				if err != nil {
					b.Fatal(err)
				}
				srv := httptest.NewServer(emu)
				limiter := rate.NewLimiter(kommo.DefaultRate, 1)
				opts := append([]kommo.Option{kommo.WithToken(importToken), kommo.WithLimiter(limiter), kommo.WithHTTPClient(srv.Client()),
					kommo.WithAdaptiveRate(kommo.AdaptiveRate{Max: kommo.DefaultRate})}, tc.margin...)
				c, err := kommo.NewClient(srv.URL, opts...)
				if err != nil {
					b.Fatal(err)
				}
				rows := make([]*mapping.Row, n)
				for i := range rows {
					rows[i] = contactRow(i+2, fmt.Sprintf("Person %d", i), fmt.Sprintf("p%d@example.org", i), "")
				}
				o := ImportOptions{Job: JobHeader{ID: "window", Entity: kommo.EntityContacts, Mode: ModeCreate}, BatchSize: 50,
					Journal: filepath.Join(b.TempDir(), "window.journal"), NoSync: true, ExpectedRows: n}
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
				b.ReportMetric(float64(st.WindowPeak), "peak/s")
				b.ReportMetric(float64(st.Requests), "requests")
				srv.Close()
				emu.Close()
			}
		})
	}
}
