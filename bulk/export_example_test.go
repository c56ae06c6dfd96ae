package bulk_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

func ExampleExport() {
	ctx := context.Background()
	srv, _ := kommotest.NewServer(kommotest.Options{Tokens: []string{"secret"}, Rate: rate.Inf,
		Now: func() time.Time { return time.Date(2025, 6, 1, 9, 30, 0, 0, time.UTC) }})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c, _ := kommo.NewClient(ts.URL, kommo.WithToken("secret"), kommo.WithRateLimit(rate.Inf, 1))
	c.Companies.Create(ctx, []kommo.CompanyRequest{
		{Name: "Acme", CustomFieldsValues: kommo.CustomFieldValues{
			{FieldID: kommotest.SeedCompanyEmployees, Values: []kommo.FieldValue{kommo.Number(42)}},
		}},
		{Name: "Globex", ResponsibleUserID: kommotest.SeedUserBoris},
	})

	schema, err := bulk.FetchSchema(ctx, c)
	if err != nil {
		panic(err)
	}
	w, _ := sheet.NewCSVWriter(os.Stdout, sheet.CSVWriteOptions{})
	st, err := bulk.Export(ctx, c, w, bulk.ExportOptions{Entity: kommo.EntityCompanies, Schema: schema})
	if err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	fmt.Println(st.Rows, "rows,", st.Pages, "page")
	// Output:
	// ID,Name,Responsible,Responsible ID,Created at,Updated at,Tags,Contact IDs,Phone,Email,Web,Address,Postal address,Legal entity,Employees
	// 30000001,Acme,Ana Admin,1001,2025-06-01T09:30:00Z,2025-06-01T09:30:00Z,,,,,,,,,42
	// 30000002,Globex,Boris Manager,1002,2025-06-01T09:30:00Z,2025-06-01T09:30:00Z,,,,,,,,,
	// 2 rows, 1 page
}
