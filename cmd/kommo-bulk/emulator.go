package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// EmulatorCommand serves the Kommo API v4 emulator on a local address.
type EmulatorCommand struct {
	m *Main

	// ready, if set, receives the listening address once serving.
	ready func(addr string)
}

// Run parses flags and serves until ctx ends.
func (c *EmulatorCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.newFlagSet("emulator", "emulator [flags]\n\nServes an in-memory Kommo account at /api/v4 (and /oauth2/access_token).\nThe bearer token comes from --token or $KOMMO_TOKEN; it is never printed.\n--non-admin-token adds a token of a manager, to whom GET /users answers 403 as on\nan integration installed by a non-admin.")
	addr := fs.String("addr", "127.0.0.1:8077", "`host:port` to listen on")
	token := fs.String("token", "", "bearer token the emulator accepts (default $KOMMO_TOKEN)")
	state := fs.String("state", "", "JSON `file` to load the account from and save it to after every write")
	subdomain := fs.String("subdomain", "example", "account subdomain used in _links")
	rps := fs.Float64("rate", 7, "requests per second before answering 429 (0 = unlimited)")
	burst := fs.Int("burst", 7, "rate limiter burst")
	blockAfter := fs.Int("block-after", 0, "after this many 429s answer 403 to everything from that IP (0 = never)")
	window := fs.Int("window", 0, "count Kommo's limit as a sliding second per IP: at most `N` arrivals in any second (replaces --rate and --burst)")
	json429 := fs.Bool("json-429", false, "answer 429 with Kommo's problem+json body and retry_after (default amoCRM's HTML page)")
	retryAfter := fs.Int("retry-after", 300, "the retry_after of --json-429 bodies, in `seconds`")
	latency := fs.Duration("latency", 0, "added latency per request")
	errRate := fs.Float64("error-rate", 0, "fraction of requests answered with 500")
	oauth := fs.String("oauth-client", "", "OAuth integration as `id:secret:redirect_uri` (enables /oauth2/access_token)")
	nonAdmin := fs.String("non-admin-token", "", "a second bearer `token`, of a user without admin rights (GET /users answers it 403)")
	var accountTZ string
	fs.StringVar(&accountTZ, "account-tz", "", "the account's IANA time `zone`: date fields are kept as midnight in it (default the state's, else UTC)")
	fs.StringVar(&accountTZ, "tz", "", "same as --account-tz")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &usageError{msg: fmt.Sprintf("unexpected argument %q", fs.Arg(0)), hint: "kommo-bulk emulator -h"}
	}
	if *token == "" {
		*token = c.m.Getenv("KOMMO_TOKEN")
	}
	if *token == "" && *oauth == "" {
		return &usageError{msg: "no token: set --token or KOMMO_TOKEN (or --oauth-client)", hint: "KOMMO_TOKEN=dev-token kommo-bulk emulator"}
	}
	if accountTZ != "" {
		if _, err := time.LoadLocation(accountTZ); err != nil {
			return &usageError{msg: fmt.Sprintf("--account-tz %q: unknown time zone", accountTZ), hint: "--account-tz Europe/Moscow"}
		}
	}
	opts := kommotest.Options{Subdomain: *subdomain, StatePath: *state, BlockAfter: *blockAfter, Burst: *burst, Rate: rate.Limit(*rps),
		AccountTimeZone: accountTZ, Window: *window, RateLimitJSON: *json429, RetryAfter: *retryAfter}
	if *nonAdmin != "" {
		opts.NonAdminTokens = []string{*nonAdmin}
	}
	if *rps <= 0 {
		opts.Rate = rate.Inf
	}
	if *token != "" {
		opts.Tokens = []string{*token}
	}
	if *oauth != "" {
		parts := strings.SplitN(*oauth, ":", 3)
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
			return &usageError{msg: "--oauth-client wants id:secret:redirect_uri"}
		}
		opts.OAuthClients = []kommotest.OAuthClient{{ID: parts[0], Secret: parts[1], RedirectURI: parts[2]}}
	}
	srv, err := kommotest.NewServer(opts)
	if err != nil {
		return err
	}
	if *latency > 0 {
		srv.SetLatency(*latency)
	}
	if *errRate > 0 {
		srv.SetErrorRate(*errRate, http.StatusInternalServerError, time.Now().UnixNano())
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(c.m.Stderr, "Kommo emulator listening on %s (account %q", base, *subdomain)
	if tz := srv.Snapshot().Account.TimeZone; tz != "" {
		fmt.Fprintf(c.m.Stderr, ", time zone %s", tz)
	}
	if *state != "" {
		fmt.Fprintf(c.m.Stderr, ", state in %s", *state)
	}
	fmt.Fprintf(c.m.Stderr, ")\nTry: curl -H \"Authorization: Bearer $KOMMO_TOKEN\" %s/api/v4/leads/pipelines\n", base)
	if c.ready != nil {
		c.ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		srv.Close()
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = hs.Shutdown(shutdownCtx)
	if cerr := srv.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	fmt.Fprintln(c.m.Stderr, "emulator stopped")
	return err
}
