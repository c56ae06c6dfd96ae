package kommo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// credentials hand out the bearer token for each request.
type credentials interface {
	// token returns a valid access token. rejected, if not "", is the
	// access token Kommo just answered 401 to: an OAuth token is then
	// refreshed even if it has not expired, unless another request
	// already replaced it.
	token(ctx context.Context, c *Client, rejected string) (string, error)
	canRefresh() bool
}

type staticToken struct{ tok string }

func (s *staticToken) token(context.Context, *Client, string) (string, error) { return s.tok, nil }
func (s *staticToken) canRefresh() bool                                       { return false }

// OAuthConfig is a Kommo integration's OAuth 2.0 identity.
type OAuthConfig struct {
	ClientID     string
	ClientSecret string
	// RedirectURI must match the integration's, also when refreshing.
	RedirectURI string
}

// Token is an OAuth 2.0 token pair as Kommo issues it. Its String, GoString
// and LogValue methods redact the secrets, so printing or logging a Token
// never leaks it.
type Token struct {
	TokenType    string    `json:"token_type"`
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	ExpiresIn    int64     `json:"expires_in"`
	ServerTime   int64     `json:"server_time,omitempty"`
	Expiry       time.Time `json:"expiry"`
}

// String redacts the token.
func (t Token) String() string {
	return fmt.Sprintf("kommo.Token{type: %s, access: %s, refresh: %s, expiry: %s}", t.TokenType,
		redact(t.AccessToken), redact(t.RefreshToken), t.Expiry.Format(time.RFC3339))
}

// GoString redacts the token for %#v.
func (t Token) GoString() string { return t.String() }

// LogValue redacts the token for log/slog.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }

func redact(s string) string {
	if s == "" {
		return `""`
	}
	return "[redacted]"
}

// Valid reports whether the access token is set and not within a minute of
// its expiry at now.
func (t *Token) Valid(now time.Time) bool {
	return t != nil && t.AccessToken != "" && (t.Expiry.IsZero() || now.Add(time.Minute).Before(t.Expiry))
}

type oauthCreds struct {
	cfg       OAuthConfig
	onRefresh func(Token) error

	mu  sync.Mutex
	tok Token
}

// WithOAuth authenticates with an OAuth 2.0 token pair that the client
// refreshes when it expires or when Kommo answers 401. Kommo rotates refresh
// tokens: onRefresh is called with every new pair and must persist it (the
// old refresh token no longer works). If onRefresh fails, the request fails.
func WithOAuth(cfg OAuthConfig, tok Token, onRefresh func(Token) error) Option {
	return func(c *Client) error {
		if cfg.ClientID == "" || cfg.ClientSecret == "" {
			return errors.New("oauth: client id and secret are required")
		}
		if tok.AccessToken == "" && tok.RefreshToken == "" {
			return errors.New("oauth: token has neither an access nor a refresh token")
		}
		c.creds = &oauthCreds{cfg: cfg, tok: tok, onRefresh: onRefresh}
		return nil
	}
}

func (o *oauthCreds) canRefresh() bool { return true }

// token refreshes at most once per expired or rejected token: requests
// that wait on the mutex while another refreshes find the new token and
// use it, so concurrent 401s cost one refresh (a second one would also
// spend the rotated refresh token for nothing).
func (o *oauthCreds) token(ctx context.Context, c *Client, rejected string) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.tok.Valid(c.now()) && (rejected == "" || rejected != o.tok.AccessToken) {
		return o.tok.AccessToken, nil
	}
	if o.tok.RefreshToken == "" {
		return "", errors.New("kommo: oauth: access token expired and there is no refresh token")
	}
	tok, err := c.requestToken(ctx, tokenRequest{
		ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, RedirectURI: o.cfg.RedirectURI,
		GrantType: "refresh_token", RefreshToken: o.tok.RefreshToken,
	})
	if err != nil {
		return "", err
	}
	if o.onRefresh != nil {
		if err := o.onRefresh(*tok); err != nil {
			return "", fmt.Errorf("kommo: oauth: persist refreshed token: %w", err)
		}
	}
	o.tok = *tok
	return o.tok.AccessToken, nil
}

type tokenRequest struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	GrantType    string `json:"grant_type"`
	Code         string `json:"code,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	RedirectURI  string `json:"redirect_uri"`
}

// ExchangeCode trades an authorization code (single use, valid 20 minutes)
// for a token pair at POST /oauth2/access_token. The client needs no other
// credentials for this call.
//
// Kommo API docs: https://developers.kommo.com/reference/get-token
func (c *Client) ExchangeCode(ctx context.Context, cfg OAuthConfig, code string) (*Token, error) {
	if code == "" {
		return nil, errors.New("kommo: oauth: empty authorization code")
	}
	return c.requestToken(ctx, tokenRequest{
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURI: cfg.RedirectURI,
		GrantType: "authorization_code", Code: code,
	})
}

// requestToken calls the token endpoint directly (no bearer, no retries:
// a refresh token is single-use, so a lost answer cannot be replayed).
func (c *Client) requestToken(ctx context.Context, body tokenRequest) (*Token, error) {
	op := "oauth " + body.GrantType
	req, err := c.NewRequest(ctx, http.MethodPost, "oauth2/access_token", body)
	if err != nil {
		return nil, wrapOp(op, err)
	}
	req.Header.Set("Accept", "application/json")
	if err := c.limiter.Wait(ctx); err != nil {
		return nil, wrapOp(op, err)
	}
	r, err := c.doer.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, wrapOp(op, &NetworkError{Op: "POST /oauth2/access_token", Err: scrubURLError(err)})
	}
	defer r.Body.Close()
	if err := CheckResponse(r); err != nil {
		return nil, wrapOp(op, err)
	}
	var tok Token
	if err := json.NewDecoder(r.Body).Decode(&tok); err != nil {
		return nil, wrapOp(op, fmt.Errorf("decode token: %w", err))
	}
	if tok.AccessToken == "" {
		return nil, wrapOp(op, errors.New("no access_token in the answer"))
	}
	if tok.ExpiresIn > 0 {
		tok.Expiry = c.now().Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	return &tok, nil
}
