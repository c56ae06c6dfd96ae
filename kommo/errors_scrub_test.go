package kommo

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// A server (or a proxy in front of it) that echoes the request's headers
// in its error body must not put the token into the error text.
func TestErrorBodyNeverCarriesTheToken(t *testing.T) {
	for _, tc := range []struct {
		name, ctype, format string
	}{
		{"json detail", "application/problem+json", `{"title":"Bad Request","status":400,"detail":"bad header: %s"}`},
		{"json validation", "application/problem+json", `{"validation-errors":[{"request_id":"0","errors":[{"code":"X","path":"name","detail":"%s"}]}],"status":400}`},
		{"html", "text/html", `<html><body><h1>400</h1><pre>Authorization: %s</pre></body></html>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, mux, _ := setup(t)
			mux.HandleFunc("/api/v4/leads/1", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, tc.format, r.Header.Get("Authorization"))
			})
			_, _, err := c.Leads.Get(context.Background(), 1)
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), testToken) {
				t.Fatalf("error carries the token: %v", err)
			}
			if !strings.Contains(err.Error(), "[token]") {
				t.Errorf("error = %v, want the echoed header with the token cut out", err)
			}
		})
	}
}
