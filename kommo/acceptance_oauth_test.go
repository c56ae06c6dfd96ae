package kommo_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// barrierDoer holds the answers to the first n API requests until all n
// have been answered, so that n concurrent requests all see the same
// (expired) token; it counts the refreshes sent.
type barrierDoer struct {
	hc   *http.Client
	n    int
	mu   sync.Mutex
	seen int
	all  chan struct{}

	refreshes int
}

func (b *barrierDoer) Do(r *http.Request) (*http.Response, error) {
	if r.URL.Path == "/oauth2/access_token" {
		b.mu.Lock()
		b.refreshes++
		b.mu.Unlock()
		return b.hc.Do(r)
	}
	resp, err := b.hc.Do(r)
	b.mu.Lock()
	b.seen++
	wait := b.seen <= b.n
	if b.seen == b.n {
		close(b.all)
	}
	b.mu.Unlock()
	if wait {
		<-b.all
	}
	return resp, err
}

// TestAcceptanceConcurrent401sRefreshOnce: 8 requests that all meet an
// access token Kommo has expired (while the client's clock still trusts
// it) get 401 together; the token is refreshed once, not once per
// request, and all 8 succeed.
func TestAcceptanceConcurrent401sRefreshOnce(t *testing.T) {
	const n = 8
	serverNow := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	serverClock := func() time.Time { mu.Lock(); defer mu.Unlock(); return serverNow }
	clientClock := func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }
	cfg := kommo.OAuthConfig{ClientID: "int-1", ClientSecret: "s3cret", RedirectURI: "https://app.example/cb"}
	e := newEnv(t, kt.Options{Now: serverClock, Rate: rate.Inf,
		OAuthClients: []kt.OAuthClient{{ID: cfg.ClientID, Secret: cfg.ClientSecret, RedirectURI: cfg.RedirectURI}}})
	ctx := t.Context()

	anon, _ := kommo.NewClient(e.url, kommo.WithRateLimit(rate.Inf, 1))
	tok, err := anon.ExchangeCode(ctx, cfg, e.emu.IssueAuthCode(cfg.ClientID))
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	serverNow = serverNow.Add(25 * time.Hour) // Kommo: expired; the client's clock: still valid
	mu.Unlock()

	d := &barrierDoer{hc: &http.Client{}, n: n, all: make(chan struct{})}
	var saved []kommo.Token
	var smu sync.Mutex
	c, err := kommo.NewClient(e.url, kommo.WithDoer(d), kommo.WithClock(clientClock), kommo.WithRateLimit(rate.Inf, 1),
		kommo.WithOAuth(cfg, *tok, func(nt kommo.Token) error { smu.Lock(); saved = append(saved, nt); smu.Unlock(); return nil }))
	if err != nil {
		t.Fatal(err)
	}
	var g errgroup.Group
	var attempts [n]int
	for i := range n {
		g.Go(func() error {
			_, resp, err := c.Account.Get(ctx)
			if resp != nil {
				attempts[i] = resp.Attempts
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("a request failed: %v", err)
	}
	if d.refreshes != 1 || len(saved) != 1 {
		t.Errorf("%d refresh requests on the wire, %d tokens saved; want 1 and 1", d.refreshes, len(saved))
	}
	if got := e.emu.Stats().ByEndpoint["POST /oauth2/access_token"]; got != 2 { // the code exchange and one refresh
		t.Errorf("emulator saw %d token requests, want 2", got)
	}
	for i, a := range attempts {
		if a != 2 {
			t.Errorf("request %d: %d attempts, want 2 (401, then the new token)", i, a)
		}
	}
	if st := e.emu.Stats(); st.ByStatus[http.StatusUnauthorized] != n {
		t.Errorf("%d 401s, want %d", st.ByStatus[http.StatusUnauthorized], n)
	}
	if len(saved) == 1 && (saved[0].AccessToken == tok.AccessToken || saved[0].RefreshToken == tok.RefreshToken) {
		t.Error("the refresh did not rotate the pair")
	}
}
