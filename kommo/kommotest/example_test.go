package kommotest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"golang.org/x/time/rate"
)

func ExampleNewServer() {
	srv, err := kommotest.NewServer(kommotest.Options{Tokens: []string{"secret"}, Rate: rate.Inf})
	if err != nil {
		panic(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	req, _ := http.NewRequest("POST", ts.URL+"/api/v4/leads", strings.NewReader(`[{"name":"First deal","price":100}]`))
	req.Header.Set("Authorization", "Bearer secret")
	res, err := ts.Client().Do(req)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println(res.StatusCode, strings.TrimSpace(string(body)))

	st := srv.Snapshot()
	fmt.Println(st.Leads[0].Name, st.Leads[0].StatusID == kommotest.SeedStatusSalesNew)
	// Output:
	// 200 {"_embedded":{"leads":[{"_links":{"self":{"href":"https://example.kommo.com/api/v4/leads/10000001"}},"id":10000001,"request_id":"0"}]},"_links":{"self":{"href":"https://example.kommo.com/api/v4/leads"}}}
	// First deal true
}

func ExampleServer_FailNext() {
	srv, _ := kommotest.NewServer(kommotest.Options{Tokens: []string{"secret"}, Rate: rate.Inf})
	ts := httptest.NewServer(srv)
	defer ts.Close()

	srv.FailNext(1, http.StatusTooManyRequests)
	for i := 0; i < 2; i++ {
		req, _ := http.NewRequest("GET", ts.URL+"/api/v4/account", nil)
		req.Header.Set("Authorization", "Bearer secret")
		res, err := ts.Client().Do(req)
		if err != nil {
			panic(err)
		}
		res.Body.Close()
		fmt.Println(res.StatusCode, res.Header.Get("Content-Type"))
	}
	// Output:
	// 429 text/html
	// 200 application/hal+json
}
