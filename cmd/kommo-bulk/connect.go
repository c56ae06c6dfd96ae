package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/internal/atomicfile"
	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// connFlags are the connection flags every command that talks to Kommo
// shares. Each falls back to an environment variable; the token is never
// printed, logged or put in a URL.
type connFlags struct {
	subdomain string
	baseURL   string
	token     string
	oauthFile string
	rate      float64
	timeout   time.Duration
	// limiter, if set, is the limiter the client waits on (the import's
	// pacer steers it); otherwise one is made from rate.
	limiter *rate.Limiter
}

func (c *connFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.subdomain, "subdomain", "", "Kommo account `subdomain` (https://SUBDOMAIN.kommo.com; default $KOMMO_SUBDOMAIN)")
	fs.StringVar(&c.baseURL, "base-url", "", "account `URL` instead of a subdomain, e.g. an emulator or proxy (default $KOMMO_BASE_URL)")
	fs.StringVar(&c.token, "token", "", "long-lived token (default $KOMMO_TOKEN; prefer the variable: flags show in ps)")
	fs.StringVar(&c.oauthFile, "oauth-file", "", "OAuth credentials `file` (JSON: client_id, client_secret, redirect_uri, access_token, refresh_token); rotated tokens are written back (default $KOMMO_OAUTH_FILE)")
	fs.Float64Var(&c.rate, "rate", float64(kommo.DefaultRate), "requests per second (Kommo allows 7 per account; 0 = no limit, for emulators)")
	fs.DurationVar(&c.timeout, "http-timeout", 60*time.Second, "timeout of one HTTP request")
}

// hasAccount reports whether the flags or the environment name an
// account (a subdomain or a base URL).
func (c *connFlags) hasAccount(m *Main) bool {
	return c.baseURL != "" || c.subdomain != "" || m.Getenv("KOMMO_BASE_URL") != "" || m.Getenv("KOMMO_SUBDOMAIN") != ""
}

// oauthFile is the on-disk form of OAuth credentials.
type oauthFile struct {
	ClientID     string    `json:"client_id"`
	ClientSecret string    `json:"client_secret"`
	RedirectURI  string    `json:"redirect_uri"`
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	Expiry       time.Time `json:"expiry,omitempty"`
}

// client builds a kommo client from the flags and environment, with extra
// options. The client waits on m.Limiter when it is set, so the commands
// one process runs in turn (demo, run) share the account's budget.
func (c *connFlags) client(m *Main, extra ...kommo.Option) (*kommo.Client, error) {
	getenv := m.Getenv
	if c.limiter == nil {
		c.limiter = m.Limiter
	}
	or := func(v, env string) string {
		if v != "" {
			return v
		}
		return getenv(env)
	}
	base := or(c.baseURL, "KOMMO_BASE_URL")
	if base == "" {
		base = or(c.subdomain, "KOMMO_SUBDOMAIN")
	}
	if base == "" {
		return nil, &usageError{msg: "no account: set --subdomain (or KOMMO_SUBDOMAIN) or --base-url (or KOMMO_BASE_URL)"}
	}
	opts := []kommo.Option{
		kommo.WithHTTPClient(&http.Client{Timeout: c.timeout}),
		kommo.WithUserAgent("kommo-bulk-cli/" + version),
	}
	switch {
	case c.limiter != nil:
		opts = append(opts, kommo.WithLimiter(c.limiter))
	case c.rate > 0:
		opts = append(opts, kommo.WithRateLimit(rate.Limit(c.rate), 1))
	default: // --rate 0: no client-side limit (emulators, tests)
		opts = append(opts, kommo.WithRateLimit(rate.Inf, 1))
	}
	if dir := m.rateDir(); dir != "" {
		// Kommo's limit is per IP: the jobs of this host share one budget.
		opts = append(opts, kommo.WithSharedBudget(dir))
	}
	token := or(c.token, "KOMMO_TOKEN")
	oauthPath := or(c.oauthFile, "KOMMO_OAUTH_FILE")
	switch {
	case oauthPath != "":
		o, err := readOAuthFile(oauthPath)
		if err != nil {
			return nil, err
		}
		opts = append(opts, kommo.WithOAuth(
			kommo.OAuthConfig{ClientID: o.ClientID, ClientSecret: o.ClientSecret, RedirectURI: o.RedirectURI},
			kommo.Token{AccessToken: o.AccessToken, RefreshToken: o.RefreshToken, Expiry: o.Expiry},
			func(t kommo.Token) error {
				o.AccessToken, o.RefreshToken, o.Expiry = t.AccessToken, t.RefreshToken, t.Expiry
				return writeOAuthFile(oauthPath, o)
			}))
	case token != "":
		opts = append(opts, kommo.WithToken(token))
	default:
		return nil, &usageError{msg: "no credentials: set KOMMO_TOKEN (or --token) or --oauth-file"}
	}
	return kommo.NewClient(base, append(opts, extra...)...)
}

// rateDir is the directory of the rate budget files the processes of this
// host share, one per account host: KOMMO_BULK_CACHE_DIR/rate, else the
// user's cache directory's kommo-bulk/rate; "" (no sharing) when neither
// is usable.
func (m *Main) rateDir() string {
	dir := m.Getenv("KOMMO_BULK_CACHE_DIR")
	if dir == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(d, "kommo-bulk")
	}
	dir = filepath.Join(dir, "rate")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		fmt.Fprintf(m.Stderr, "kommo-bulk: no shared rate budget (%v): other jobs on this host are not counted\n", err)
		return ""
	}
	return dir
}

// pacedClient builds a client with an adaptive rate (kommo's
// WithAdaptiveRate): it waits on m.Limiter when set (one budget per
// process), otherwise on a limiter at --rate (0: none), and steers it
// below --rate while Kommo answers 429, back up to --rate after.
func (c *connFlags) pacedClient(m *Main) (*kommo.Client, error) {
	configured := rate.Inf
	if c.rate > 0 {
		configured = rate.Limit(c.rate)
	}
	c.limiter = m.Limiter
	if c.limiter == nil {
		c.limiter = rate.NewLimiter(configured, 1)
	}
	return c.client(m, kommo.WithAdaptiveRate(kommo.AdaptiveRate{Max: configured}))
}

func readOAuthFile(path string) (*oauthFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("oauth file: %w", err)
	}
	var o oauthFile
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, fmt.Errorf("oauth file %s: %w", path, err)
	}
	if o.ClientID == "" || o.ClientSecret == "" || (o.AccessToken == "" && o.RefreshToken == "") {
		return nil, errors.New("oauth file " + path + ": needs client_id, client_secret and a token")
	}
	return &o, nil
}

// writeOAuthFile replaces the file atomically, readable by its owner only:
// Kommo's refresh tokens rotate, and losing the new one locks the job out.
func writeOAuthFile(path string, o *oauthFile) error {
	b, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'), 0o700)
}
