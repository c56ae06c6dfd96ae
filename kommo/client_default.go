//go:build !js

package kommo

import (
	"net/http"
	"time"
)

// defaultDoer is the client's HTTP client when no option sets one.
func defaultDoer() Doer { return &http.Client{Timeout: 60 * time.Second} }
