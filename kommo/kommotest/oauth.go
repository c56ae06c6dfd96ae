package kommotest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

const (
	authCodeTTL     = 20 * time.Minute
	refreshTokenTTL = 90 * 24 * time.Hour
)

type authCode struct {
	clientID string
	expires  int64
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// IssueAuthCode returns a single-use authorization code for clientID, as the
// consent screen would. It is valid for 20 minutes of Options.Now time.
func (s *Server) IssueAuthCode(clientID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	code := "def" + randHex(24)
	s.codes[code] = authCode{clientID: clientID, expires: s.now().Add(authCodeTTL).Unix()}
	return code
}

// authenticate resolves the bearer token to the acting user id, and
// whether it has administrator rights: long-lived tokens (Options.Tokens)
// act as the admin who made them, OAuth tokens as the current user (an
// admin), Options.NonAdminTokens as a manager.
func (s *Server) authenticate(r *http.Request) (user int, admin, ok bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return 0, false, false
	}
	tok = strings.TrimSpace(tok)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.opts.Tokens {
		if t == tok {
			return s.st.Account.CurrentUserID, true, true
		}
	}
	for _, t := range s.opts.NonAdminTokens {
		if t == tok {
			for _, u := range s.st.Users {
				if !u.IsAdmin && u.IsActive {
					return u.ID, false, true
				}
			}
			return s.st.Account.CurrentUserID, false, true
		}
	}
	now := s.now().Unix()
	for _, t := range s.st.OAuthTokens {
		if t.AccessToken == tok && now < t.ExpiresAt {
			return s.st.Account.CurrentUserID, true, true
		}
	}
	return 0, false, false
}

func (s *Server) jwt(clientID string, now time.Time, exp int64) string {
	enc := base64.RawURLEncoding
	head, _ := json.Marshal(map[string]any{"typ": "JWT", "alg": "RS256"})
	body, _ := json.Marshal(map[string]any{"aud": clientID, "jti": randHex(16), "iat": now.Unix(), "nbf": now.Unix(),
		"exp": exp, "sub": s.st.Account.CurrentUserID, "account_id": s.st.Account.ID})
	return enc.EncodeToString(head) + "." + enc.EncodeToString(body) + "." + enc.EncodeToString([]byte(randHex(32)))
}

// handleToken serves POST /oauth2/access_token.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeProblem(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	req := map[string]string{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if err := r.ParseForm(); err != nil {
			writeProblem(w, http.StatusBadRequest, "invalid form body")
			return
		}
		for k := range r.PostForm {
			req[k] = r.PostForm.Get(k)
		}
	} else {
		var body map[string]any
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
			writeProblem(w, http.StatusBadRequest, "invalid JSON body")
			return
		}
		for k, v := range body {
			if str, ok := v.(string); ok {
				req[k] = str
			}
		}
	}
	var client *OAuthClient
	for i := range s.opts.OAuthClients {
		if s.opts.OAuthClients[i].ID == req["client_id"] {
			client = &s.opts.OAuthClients[i]
		}
	}
	if client == nil || client.Secret != req["client_secret"] {
		writeProblem(w, http.StatusUnauthorized, "Client authentication failed")
		return
	}
	if client.RedirectURI != "" && req["redirect_uri"] != client.RedirectURI {
		writeProblem(w, http.StatusBadRequest, "redirect_uri does not match the integration's redirect URI")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	switch req["grant_type"] {
	case "authorization_code":
		code, ok := s.codes[req["code"]]
		if !ok || code.clientID != client.ID {
			writeProblem(w, http.StatusBadRequest, "Authorization code is invalid or has been used")
			return
		}
		delete(s.codes, req["code"])
		if now.Unix() >= code.expires {
			writeProblem(w, http.StatusBadRequest, "Authorization code has expired")
			return
		}
	case "refresh_token":
		found := false
		for i, t := range s.st.OAuthTokens {
			if t.RefreshToken != req["refresh_token"] || t.ClientID != client.ID {
				continue
			}
			found = true
			if t.Revoked {
				writeProblem(w, http.StatusBadRequest, "Refresh token has been revoked")
				return
			}
			if now.Unix() >= t.RefreshExpiresAt {
				writeProblem(w, http.StatusBadRequest, "Refresh token has expired")
				return
			}
			s.st.OAuthTokens[i].Revoked = true
		}
		if !found || req["refresh_token"] == "" {
			writeProblem(w, http.StatusBadRequest, "Refresh token is invalid")
			return
		}
	default:
		writeProblem(w, http.StatusBadRequest, "Unsupported grant_type")
		return
	}
	ttl := s.opts.AccessTokenTTL
	t := OAuthToken{
		ClientID:         client.ID,
		ExpiresAt:        now.Add(ttl).Unix(),
		RefreshExpiresAt: now.Add(refreshTokenTTL).Unix(),
		RedirectURI:      req["redirect_uri"],
		RefreshToken:     "def" + randHex(48),
	}
	t.AccessToken = s.jwt(client.ID, now, t.ExpiresAt)
	s.st.OAuthTokens = append(s.st.OAuthTokens, t)
	s.commit()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"token_type":    "Bearer",
		"expires_in":    int64(ttl / time.Second),
		"server_time":   now.Unix(),
		"access_token":  t.AccessToken,
		"refresh_token": t.RefreshToken,
	})
}
